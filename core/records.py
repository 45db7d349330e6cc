"""How a task is stored: the `tasks` row and its JSON columns, and the typed update.

The model dataclasses describe their own JSON through pydantic `TypeAdapter`s, so nothing here
maps fields by hand; `TaskStore` (core/tasks.py) runs the statements.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any

from pydantic import TypeAdapter

from core.model import IngestOptions, Profile, StagedData, Task, TaskError, TaskStatus


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
    druid_task_id: str | _Unset | None = UNSET
    profile: Profile | _Unset | None = UNSET
    staged: StagedData | _Unset | None = UNSET
    quarantine_key: str | _Unset | None = UNSET
    attempt: int | _Unset = UNSET
    resumes: int | _Unset = UNSET


NO_UPDATE = TaskUpdate()  # a progress event or a plain transition

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


# One fixed statement for every state change: each optional column comes with a flag that
# says whether it changes ($4: the error columns, set on failure and cleared on re-queue).
UPDATE_TASK = """
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
    resumes = CASE WHEN $27 THEN $28 ELSE resumes END
WHERE id = $1
"""


def update_args(update: TaskUpdate) -> list[Any]:
    """Arguments $9 on of `UPDATE_TASK` for `update`, in the statement's order."""
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
    ]
