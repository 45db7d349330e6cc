"""The task store: uploads, tasks and their append-only events in PostgreSQL.

Every state change is one transaction that updates `tasks` and appends to `task_events`,
followed (after commit) by a pub/sub message. That order means a subscriber that reads
PostgreSQL after subscribing can never miss a change. `TaskStore.transition` is the one
place that does it.
"""

from __future__ import annotations

import base64
import enum
import logging
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol, TypedDict, Unpack

import asyncpg
from pydantic import TypeAdapter
from redis.asyncio import Redis
from redis.exceptions import RedisError

from core import metrics
from core.db import Executor
from core.errors import ErrorCode, VisibleError
from core.events import FEED_CHANNEL, publish_task_changed
from core.model import (
    IngestOptions,
    Profile,
    StagedData,
    Task,
    TaskError,
    TaskKind,
    TaskNotFound,
    TaskStatus,
    check_transition,
)

__all__ = ["UNSET", "Claim", "TaskEvent", "TaskNotFound", "TaskStore", "TaskUpdate"]

log = logging.getLogger(__name__)


class Problem(Protocol):
    """Why a task fails, as a person reads it: a `TaskError`, Druid's `FailureExplanation`."""

    @property
    def code(self) -> str: ...
    @property
    def message(self) -> str: ...
    @property
    def retryable(self) -> bool: ...


class _Also(TypedDict, total=False):
    """What a failure may record besides the error (see `TaskStore.transition`)."""

    update: TaskUpdate
    detail: dict[str, Any] | None


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


# --- (de)serialisation: the model classes describe their own JSON -----------------------

_OPTIONS = TypeAdapter(IngestOptions)
_PROFILE = TypeAdapter(Profile | None)
_STAGED = TypeAdapter(StagedData | None)
_TASK = TypeAdapter(Task)


def options_to_json(options: IngestOptions) -> dict[str, Any]:
    return _OPTIONS.dump_python(options, mode="json")  # type: ignore[no-any-return]


def options_from_json(data: dict[str, Any] | None) -> IngestOptions:
    return _OPTIONS.validate_python(data or {})


def _task_from_row(row: Any) -> Task:
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
_SELECT = """
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
_UPDATE = """
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

_LIST = (
    _SELECT
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


def _update_args(update: TaskUpdate) -> list[Any]:
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


def _encode_cursor(task: Task) -> str:
    raw = f"{task.created_at.isoformat()}|{task.id}"
    return base64.urlsafe_b64encode(raw.encode()).decode()


def _decode_cursor(cursor: str) -> tuple[datetime, str]:
    try:
        created, task_id = base64.urlsafe_b64decode(cursor.encode()).decode().split("|", 1)
        return datetime.fromisoformat(created), task_id
    except (ValueError, UnicodeDecodeError) as exc:
        raise VisibleError(
            "The pagination cursor is not valid (it was not given by this API, or was cut "
            "short). Start again without `after`.",
            code=ErrorCode.INVALID_CURSOR,
        ) from exc


async def _read(db: Executor, task_id: str, workspace_id: str | None = None) -> Task | None:
    row = await db.fetchrow(
        _SELECT + "WHERE t.id = $1 AND ($2::text IS NULL OR t.workspace_id = $2)",
        task_id,
        workspace_id,
    )
    return _task_from_row(row) if row else None


async def _in_status_since(db: Executor, task_id: str, status: TaskStatus) -> datetime | None:
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


@dataclass(slots=True)
class Claim:
    """One open transaction that writes tasks (`conn`); the changes to announce once it
    commits. From `TaskStore.claim` it also holds the lock of one dataset."""

    conn: asyncpg.pool.PoolConnectionProxy[asyncpg.Record]
    announce: list[tuple[Task, int]] = field(default_factory=list)


# A transaction-scoped advisory lock per dataset (its Druid name, unique per workspace): every
# decision "may a task start on this dataset" (duplicate upload, deletion) checks and inserts
# under it, so two requests at the same moment are decided one after the other.
_LOCK_DATASET = "SELECT pg_advisory_xact_lock(hashtextextended('sluice.dataset:' || $1, 0))"


class TaskStore:
    """Tasks in PostgreSQL (`pool`), their changes announced on Redis (`publisher`)."""

    def __init__(
        self, pool: asyncpg.Pool, publisher: Redis, *, channel: str = FEED_CHANNEL
    ) -> None:
        self.pool = pool
        self.publisher = publisher
        self.channel = channel  # where changes are announced (Settings.task_events_channel)

    # --- reads ---

    async def get(self, task_id: str, *, workspace_id: str | None = None) -> Task | None:
        """One task; with `workspace_id`, only if it belongs to that workspace (what callers
        on behalf of a person pass: another workspace's task looks exactly like a missing
        one)."""
        return await _read(self.pool, task_id, workspace_id)

    async def require(self, task_id: str) -> Task:
        task = await self.get(task_id)
        if task is None:
            raise TaskNotFound(task_id)
        return task

    async def get_many(
        self, task_ids: Sequence[str], *, workspace_id: str | None = None
    ) -> list[Task | None]:
        """Tasks in the order of `task_ids` (None where missing): a DataLoader batch."""
        rows = await self.pool.fetch(
            _SELECT + "WHERE t.id = ANY($1::text[]) AND ($2::text IS NULL OR t.workspace_id = $2)",
            list(task_ids),
            workspace_id,
        )
        by_id = {row["id"]: _task_from_row(row) for row in rows}
        return [by_id.get(task_id) for task_id in task_ids]

    async def page(
        self,
        *,
        workspace_id: str,
        statuses: Sequence[TaskStatus] = (),
        datasource: str | None = None,
        kinds: Sequence[TaskKind] = (),
        first: int = 50,
        after: str | None = None,
        current_dataset_only: bool = False,
    ) -> tuple[list[Task], str | None]:
        """Newest first, keyset-paginated. Returns the page and the cursor of the next page.
        `current_dataset_only` leaves out tasks of an earlier, deleted dataset of that name."""
        created, last_id = _decode_cursor(after) if after else (None, None)
        rows = await self.pool.fetch(
            _LIST,
            [s.value for s in statuses] or None,
            datasource or None,
            created,
            last_id,
            first + 1,
            workspace_id,
            [k.value for k in kinds] or None,
            current_dataset_only,
        )
        tasks = [_task_from_row(row) for row in rows[:first]]
        next_cursor = _encode_cursor(tasks[-1]) if len(rows) > first and tasks else None
        return tasks, next_cursor

    async def with_workspaces(
        self, *, task_ids: Sequence[str] | None = None, since: datetime | None = None
    ) -> list[tuple[Task, str]]:
        """Tasks of every workspace with their workspace id, by id or changed after `since`
        (oldest change first): for the process's broadcaster (core/broadcast.py), which
        hands each to the subscribers of its workspace."""
        rows = await self.pool.fetch(
            _SELECT + "WHERE ($1::text[] IS NULL OR t.id = ANY($1::text[]))"
            " AND ($2::timestamptz IS NULL OR t.updated_at > $2) ORDER BY t.updated_at",
            list(task_ids) if task_ids is not None else None,
            since,
        )
        return [(_task_from_row(row), str(row["workspace_id"])) for row in rows]

    async def changed_since(self, moment: datetime, *, workspace_id: str) -> list[Task]:
        """The workspace's tasks updated after `moment`, oldest change first (a feed catching
        up)."""
        rows = await self.pool.fetch(
            _SELECT + "WHERE t.updated_at > $1 AND t.workspace_id = $2 ORDER BY t.updated_at",
            moment,
            workspace_id,
        )
        return [_task_from_row(row) for row in rows]

    async def events(self, task_id: str) -> list[TaskEvent]:
        rows = await self.pool.fetch(
            "SELECT id, task_id, status, progress, message, created_at AS at"
            " FROM task_events WHERE task_id = $1 ORDER BY id",
            task_id,
        )
        return [TaskEvent(**{**dict(r), "status": TaskStatus(r["status"])}) for r in rows]

    async def unfinished(self) -> list[Task]:
        """Every task not yet in a terminal state, oldest first."""
        rows = await self.pool.fetch(
            _SELECT + "WHERE t.status <> ALL($1::text[]) ORDER BY t.created_at",
            [TaskStatus.SUCCEEDED.value, TaskStatus.FAILED.value, TaskStatus.CANCELLED.value],
        )
        return [_task_from_row(row) for row in rows]

    async def in_status_since(self, task_id: str, status: TaskStatus) -> datetime | None:
        """When the task entered `status` this time (progress events in the same status don't
        count), or None when it is not in that status."""
        return await _in_status_since(self.pool, task_id, status)

    # --- writes ---

    @asynccontextmanager
    async def claim(self, datasource: str) -> AsyncIterator[Claim]:
        """A transaction holding `datasource`'s lock until it ends: check with `claim.conn`,
        then create the task `within=claim`; the change is announced after the commit."""
        async with self._writing(None) as claim:
            await claim.conn.execute(_LOCK_DATASET, datasource)
            yield claim

    @asynccontextmanager
    async def _writing(self, within: Claim | None) -> AsyncIterator[Claim]:
        """`within`, or a transaction of its own whose changes are announced after commit."""
        if within is not None:
            yield within
            return
        async with self.pool.acquire() as conn:
            async with conn.transaction():
                claim = Claim(conn)
                yield claim
            for task, event_id in claim.announce:
                await self._publish(task, event_id)

    async def create(
        self,
        *,
        upload_id: str,
        task_id: str,
        filename: str,
        content_type: str | None,
        size_bytes: int,
        sha256: str | None,  # None: the bytes went straight to S3 (core/resumable.py)
        raw_key: str,
        datasource: str,  # the Druid name (core/auth/naming.py)
        options: IngestOptions,
        workspace_id: str,
        within: Claim | None = None,
    ) -> Task:
        """Record an upload and its QUEUED task in one transaction (`within` a claim), then
        announce it."""
        async with self._writing(within) as claim:
            conn = claim.conn
            await conn.execute(
                "INSERT INTO uploads (id, filename, content_type, size_bytes, sha256, raw_key,"
                " workspace_id) VALUES ($1, $2, $3, $4, $5, $6, $7)",
                upload_id,
                filename,
                content_type,
                size_bytes,
                sha256,
                raw_key,
                workspace_id,
            )
            await conn.execute(
                "INSERT INTO tasks (id, upload_id, datasource, status, options, workspace_id)"
                " VALUES ($1, $2, $3, $4, $5, $6)",
                task_id,
                upload_id,
                datasource,
                TaskStatus.QUEUED.value,
                options_to_json(options),
                workspace_id,
            )
            event_id = await self._append_event(
                conn, task_id, TaskStatus.QUEUED, 0.0, "Upload received; waiting for a worker"
            )
            task = await _read(conn, task_id)
            assert task is not None
            claim.announce.append((task, event_id))
        return task

    async def create_follow_up(
        self, *, task_id: str, kind: TaskKind, target: Task, message: str
    ) -> Task:
        """Record a QUEUED task of `kind` acting on `target` (same upload, datasource and
        workspace), then announce it."""
        return await self._create_queued(
            "INSERT INTO tasks (id, upload_id, datasource, status, options, kind,"
            " target_task_id, workspace_id)"
            " SELECT $1, $2, $3, $4, $5, $6, $7, workspace_id FROM tasks WHERE id = $7",
            (task_id, target.upload_id, target.datasource, TaskStatus.QUEUED.value,
             options_to_json(target.options), kind.value, target.id),
            message=message,
        )  # fmt: skip

    async def create_delete(
        self,
        *,
        task_id: str,
        datasource: str,
        workspace_id: str,
        message: str,
        within: Claim | None = None,
    ) -> Task:
        """Record a QUEUED DELETE task of `datasource` (no upload; `within` the dataset's
        claim, core/delete.py), then announce it."""
        return await self._create_queued(
            "INSERT INTO tasks (id, datasource, status, kind, workspace_id)"
            " VALUES ($1, $2, $3, $4, $5)",
            (task_id, datasource, TaskStatus.QUEUED.value, TaskKind.DELETE.value, workspace_id),
            message=message,
            within=within,
        )

    async def _create_queued(
        self, insert: str, args: Sequence[Any], *, message: str, within: Claim | None = None
    ) -> Task:
        task_id = args[0]
        async with self._writing(within) as claim:
            await claim.conn.execute(insert, *args)
            event_id = await self._append_event(
                claim.conn, task_id, TaskStatus.QUEUED, 0.0, message
            )
            task = await _read(claim.conn, task_id)
            assert task is not None
            claim.announce.append((task, event_id))
        return task

    async def mark_dataset_deleted(self, datasource: str, *, delete_task_id: str) -> int:
        """Mark every earlier task of `datasource` as belonging to the dataset `delete_task_id`
        deleted (their history stays readable; the name can be used again). Returns how many."""
        result: str = await self.pool.execute(
            "UPDATE tasks SET dataset_deleted_by = $2 WHERE datasource = $1 AND id <> $2"
            " AND dataset_deleted_by IS NULL"
            " AND created_at <= (SELECT created_at FROM tasks WHERE id = $2)",
            datasource,
            delete_task_id,
        )
        return int(result.split()[-1])

    async def mark_files_removed(self, task_id: str, *, reason: str) -> None:
        """Record that the task's files are gone from S3, and why (core/retention.py)."""
        await self.pool.execute(
            "UPDATE tasks SET files_removed_at = now(), files_removed_reason = $2 WHERE id = $1",
            task_id,
            reason,
        )

    async def transition(
        self,
        task_id: str,
        status: TaskStatus,
        *,
        progress: float | None = None,
        message: str | None = None,
        error: TaskError | None = None,
        update: TaskUpdate = TaskUpdate(),
        detail: dict[str, Any] | None = None,
    ) -> Task:
        """Move a task to `status` (or record progress when the status is unchanged).

        One transaction updates the task row and appends the event; the pub/sub message
        follows the commit. Raises `IllegalTransition` for a move the state machine forbids
        (for example a worker finishing a step of a task that was cancelled meanwhile) and
        `TaskNotFound`. Re-queueing (a retry) clears the error.
        """
        if progress is None:
            progress = 1.0 if status == TaskStatus.SUCCEEDED else 0.0
        sets_error = error is not None or status == TaskStatus.QUEUED
        async with self.pool.acquire() as conn, conn.transaction():
            current = await conn.fetchval(
                "SELECT status FROM tasks WHERE id = $1 FOR UPDATE", task_id
            )
            if current is None:
                raise TaskNotFound(task_id)
            previous = TaskStatus(current)
            check_transition(previous, status)
            moving = previous != status
            entered = await _in_status_since(conn, task_id, previous) if moving else None
            await conn.execute(
                _UPDATE,
                task_id,
                status.value,
                progress,
                sets_error,
                error and error.code,
                error and error.message,
                error and error.retryable,
                error and error.stage and error.stage.value,
                *_update_args(update),
            )
            event_id = await self._append_event(
                conn,
                task_id,
                status,
                progress,
                message or (error.message if error else None),
                detail,
            )
            task = await _read(conn, task_id)
        assert task is not None
        await self._publish(task, event_id)
        if moving:  # (the code only: an error's message may quote the file)
            log.info("task %s: %s -> %s %s", task_id, previous, status, error.code if error else "")
        stayed = (datetime.now(UTC) - entered).total_seconds() if entered else None
        metrics.task_moved(previous, task, stayed)
        return task

    async def fail(
        self,
        task_id: str,
        *,
        stage: TaskStatus,
        code: str,
        message: str,
        retryable: bool,
        update: TaskUpdate = TaskUpdate(),
        detail: dict[str, Any] | None = None,
    ) -> Task:
        """Move a task to FAILED with the reason a person will read (`message`: what
        happened, why, what to do) and the stage it failed in."""
        problem = TaskError(code, message, retryable)
        return await self.fail_with(task_id, problem, stage=stage, update=update, detail=detail)

    async def fail_with(
        self, task_id: str, problem: Problem, *, stage: TaskStatus, **changes: Unpack[_Also]
    ) -> Task:
        """`fail` with what `problem` says (its code, message and whether a retry may help);
        `changes`: `update` and `detail`, as for `transition`."""
        error = TaskError(problem.code, problem.message, problem.retryable, stage)
        return await self.transition(task_id, TaskStatus.FAILED, error=error, **changes)

    @staticmethod
    async def _append_event(
        conn: Any,
        task_id: str,
        status: TaskStatus,
        progress: float,
        message: str | None,
        detail: dict[str, Any] | None = None,
    ) -> int:
        event_id: int = await conn.fetchval(
            "INSERT INTO task_events (task_id, status, progress, message, detail)"
            " VALUES ($1, $2, $3, $4, $5) RETURNING id",
            task_id,
            status.value,
            progress,
            message,
            detail,
        )
        return event_id

    async def _publish(self, task: Task, event_id: int) -> None:
        """Announce a committed change. PostgreSQL already holds it, so a lost message only
        delays a subscriber until it re-reads (subscriptions re-read after a Redis outage)."""
        try:
            await publish_task_changed(
                self.publisher,
                channel=self.channel,
                task_id=task.id,
                status=task.status,
                event_id=event_id,
            )
        except (RedisError, OSError) as exc:
            log.warning("could not announce change %d of task %s: %s", event_id, task.id, exc)
