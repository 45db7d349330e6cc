"""How a task is stored in PostgreSQL: the row and its (de)serialisation, the SQL the task
store runs, the columns a state change also sets (`TaskUpdate`), page cursors.

The store (core/tasks.py) and its reads (core/task_reads.py) run these; nothing else needs to
know how a task is laid out in the `tasks` and `task_events` tables.
"""

from __future__ import annotations

import base64
import enum
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import TypeAdapter

from core.db import Executor
from core.errors import ErrorCode, VisibleError
from core.model import IngestOptions, Profile, StagedData, Task, TaskError, TaskStatus


@dataclass(frozen=True, slots=True)
class TaskEvent:
    id: int
    task_id: str
    status: TaskStatus
    progress: float
    message: str | None
    at: datetime


class _Unset(enum.Enum):
    UNSET = "UNSET"


UNSET = _Unset.UNSET


@dataclass(frozen=True, slots=True, kw_only=True)
class TaskUpdate:
    """Columns a state change also sets; a field left UNSET keeps its value (None clears)."""

    rows_total: int | _Unset | None = UNSET
    rows_ingested: int | _Unset | None = UNSET
    rows_quarantined: int | _Unset | None = UNSET
    rows_thrown_away: int | _Unset | None = UNSET
    rows_processed_with_error: int | _Unset | None = UNSET
    rows_unparseable: int | _Unset | None = UNSET
    druid_task_id: str | _Unset | None = UNSET
    profile: Profile | _Unset | None = UNSET
    staged: StagedData | _Unset | None = UNSET
    quarantine_key: str | _Unset | None = UNSET
    attempt: int | _Unset = UNSET
    resumes: int | _Unset = UNSET
    rows_removed: int | _Unset | None = UNSET
    options: IngestOptions | _Unset = UNSET


NO_UPDATE = TaskUpdate()  # a state change that sets no other column


# --- (de)serialisation: the model classes describe their own JSON -----------------------

_OPTIONS = TypeAdapter(IngestOptions)
_PROFILE = TypeAdapter(Profile | None)
_STAGED = TypeAdapter(StagedData | None)
_TASK = TypeAdapter(Task)


def options_to_json(options: IngestOptions) -> dict[str, Any]:
    return _OPTIONS.dump_python(options, mode="json")  # type: ignore[no-any-return]


def options_from_json(data: dict[str, Any] | None) -> IngestOptions:
    return _OPTIONS.validate_python(data or {})


def task_from_row(row: Any) -> Task:
    data = dict(row)
    data["upload_id"] = data["upload_id"] or ""  # a DELETE task has no upload
    data["options"] = data["options"] or {}
    data["profile"] = data["profile"] or None
    data["staged"] = data["staged"] or None
    if row["error_code"]:
        data["error"] = TaskError(
            code=row["error_code"],
            message=row["error_message"],
            retryable=bool(row["error_retryable"]),
            stage=TaskStatus(row["error_stage"]) if row["error_stage"] else None,
        )
    return _TASK.validate_python(data)


def _set(value: Any, dump: TypeAdapter[Any] | None = None) -> tuple[bool, Any]:
    """(whether the column changes, its new value) for one `TaskUpdate` field."""
    if value is UNSET:
        return False, None
    return True, dump.dump_python(value, mode="json") if dump else value


# A DELETE task has no upload: its "file name" is the dataset's (Druid) name.
SELECT = """
SELECT t.*, COALESCE(u.filename, t.datasource) AS filename,
       COALESCE(u.size_bytes, 0) AS size_bytes, COALESCE(u.raw_key, '') AS raw_key,
       (SELECT e.message FROM task_events e WHERE e.task_id = t.id
        ORDER BY e.id DESC LIMIT 1) AS last_message,
       (SELECT r.id FROM tasks r WHERE r.target_task_id = t.id
          AND r.status NOT IN ('FAILED', 'CANCELLED')
        ORDER BY r.created_at DESC LIMIT 1) AS rolled_back_by,
       ARRAY(SELECT f.id FROM tasks f WHERE f.options->>'fixes_task' = t.id AND f.kind = 'INGEST'
             ORDER BY f.created_at, f.id) AS fixed_by
FROM tasks t LEFT JOIN uploads u ON u.id = t.upload_id
"""

# One fixed statement for every state change: each optional column comes with a flag that
# says whether it changes ($4: the error columns, set on failure and cleared on re-queue).
UPDATE = """
UPDATE tasks SET
    status = $2, progress = $3, updated_at = now(),
    error_code = CASE WHEN $4 THEN $5 ELSE error_code END,
    error_message = CASE WHEN $4 THEN $6 ELSE error_message END,
    error_retryable = CASE WHEN $4 THEN $7 ELSE error_retryable END,
    error_stage = CASE WHEN $4 THEN $8 ELSE error_stage END,
    rows_total = CASE WHEN $9 THEN $10 ELSE rows_total END,
    rows_ingested = CASE WHEN $11 THEN $12 ELSE rows_ingested END,
    rows_quarantined = CASE WHEN $13 THEN $14 ELSE rows_quarantined END,
    rows_thrown_away = CASE WHEN $15 THEN $16 ELSE rows_thrown_away END,
    druid_task_id = CASE WHEN $17 THEN $18 ELSE druid_task_id END,
    profile = CASE WHEN $19 THEN $20 ELSE profile END,
    staged = CASE WHEN $21 THEN $22 ELSE staged END,
    quarantine_key = CASE WHEN $23 THEN $24 ELSE quarantine_key END,
    attempt = CASE WHEN $25 THEN $26 ELSE attempt END,
    resumes = CASE WHEN $27 THEN $28 ELSE resumes END,
    rows_processed_with_error = CASE WHEN $29 THEN $30 ELSE rows_processed_with_error END,
    rows_unparseable = CASE WHEN $31 THEN $32 ELSE rows_unparseable END,
    rows_removed = CASE WHEN $33 THEN $34 ELSE rows_removed END,
    options = CASE WHEN $35 THEN $36 ELSE options END
WHERE id = $1
"""

LIST = (
    SELECT
    + """
WHERE ($1::text[] IS NULL OR t.status = ANY($1::text[]))
  AND ($2::text IS NULL OR t.datasource = $2)
  AND ($3::timestamptz IS NULL OR (t.created_at, t.id) < ($3, $4::text))
  AND t.workspace_id = $6
  AND ($7::text[] IS NULL OR t.kind = ANY($7::text[]))
  AND NOT ($8 AND t.dataset_deleted_by IS NOT NULL)
ORDER BY t.created_at DESC, t.id DESC
LIMIT $5
"""
)


def update_args(update: TaskUpdate) -> list[Any]:
    return [
        *_set(update.rows_total),
        *_set(update.rows_ingested),
        *_set(update.rows_quarantined),
        *_set(update.rows_thrown_away),
        *_set(update.druid_task_id),
        *_set(update.profile, _PROFILE),
        *_set(update.staged, _STAGED),
        *_set(update.quarantine_key),
        *_set(update.attempt),
        *_set(update.resumes),
        *_set(update.rows_processed_with_error),
        *_set(update.rows_unparseable),
        *_set(update.rows_removed),
        *_set(update.options, _OPTIONS),
    ]


def encode_cursor(task: Task) -> str:
    raw = f"{task.created_at.isoformat()}|{task.id}"
    return base64.urlsafe_b64encode(raw.encode()).decode()


def decode_cursor(cursor: str) -> tuple[datetime, str]:
    try:
        created, task_id = base64.urlsafe_b64decode(cursor.encode()).decode().split("|", 1)
        return datetime.fromisoformat(created), task_id
    except (ValueError, UnicodeDecodeError) as exc:
        raise VisibleError(
            "The pagination cursor is not valid (it was not given by this API, or was cut "
            "short). Start again without `after`.",
            code=ErrorCode.INVALID_CURSOR,
        ) from exc


async def read_task(db: Executor, task_id: str, workspace_id: str | None = None) -> Task | None:
    row = await db.fetchrow(
        SELECT + "WHERE t.id = $1 AND ($2::text IS NULL OR t.workspace_id = $2)",
        task_id,
        workspace_id,
    )
    return task_from_row(row) if row else None


async def in_status_since(db: Executor, task_id: str, status: TaskStatus) -> datetime | None:
    row = await db.fetchrow(
        """
        SELECT min(created_at) AS at FROM task_events
        WHERE task_id = $1 AND status = $2 AND id > (
            SELECT coalesce(max(id), 0) FROM task_events WHERE task_id = $1 AND status <> $2
        )
        """,
        task_id,
        status.value,
    )
    at: datetime | None = row["at"]
    return at
