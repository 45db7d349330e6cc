"""The task store: uploads, tasks and their append-only events in PostgreSQL.

Every state change is one transaction that updates `tasks` and appends to `task_events`,
followed (after commit) by a pub/sub message. That order means a subscriber that reads
PostgreSQL after subscribing can never miss a change. `TaskStore.transition` is the one
place that does it.
"""

from __future__ import annotations

import base64
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

import asyncpg
from redis.asyncio import Redis
from redis.exceptions import RedisError

from core.events import publish_task_changed
from core.model import (
    IngestOptions,
    Task,
    TaskError,
    TaskNotFound,
    TaskStatus,
    check_transition,
)
from core.records import (
    NO_UPDATE,
    UNSET,
    UPDATE_TASK,
    TaskUpdate,
    options_from_json,
    options_to_json,
    task_from_row,
    update_args,
)

__all__ = [
    "UNSET",
    "TaskEvent",
    "TaskNotFound",
    "TaskStore",
    "TaskUpdate",
    "options_from_json",
    "options_to_json",
]

log = logging.getLogger(__name__)


class Executor(Protocol):
    """What reads need: an asyncpg pool, or a connection inside a transaction."""

    async def fetch(self, query: str, *args: Any) -> Any: ...
    async def fetchrow(self, query: str, *args: Any) -> Any: ...


@dataclass(frozen=True, slots=True)
class TaskEvent:
    id: int
    task_id: str
    status: TaskStatus
    progress: float
    message: str | None
    at: datetime


_SELECT = """
SELECT t.*, u.filename, u.size_bytes, u.raw_key,
       (SELECT e.message FROM task_events e WHERE e.task_id = t.id
        ORDER BY e.id DESC LIMIT 1) AS last_message
FROM tasks t JOIN uploads u ON u.id = t.upload_id
"""

_LIST = (
    _SELECT
    + """
WHERE ($1::text[] IS NULL OR t.status = ANY($1::text[]))
  AND ($2::text IS NULL OR t.datasource = $2)
  AND ($3::timestamptz IS NULL OR (t.created_at, t.id) < ($3, $4::text))
ORDER BY t.created_at DESC, t.id DESC
LIMIT $5
"""
)


def _encode_cursor(task: Task) -> str:
    raw = f"{task.created_at.isoformat()}|{task.id}"
    return base64.urlsafe_b64encode(raw.encode()).decode()


def _decode_cursor(cursor: str) -> tuple[datetime, str]:
    try:
        created, task_id = base64.urlsafe_b64decode(cursor.encode()).decode().split("|", 1)
        return datetime.fromisoformat(created), task_id
    except (ValueError, UnicodeDecodeError) as exc:
        raise ValueError(
            "The pagination cursor is not valid. Start again without `after`."
        ) from exc


async def _read(db: Executor, task_id: str) -> Task | None:
    row = await db.fetchrow(_SELECT + "WHERE t.id = $1", task_id)
    return task_from_row(row) if row else None


class TaskStore:
    """Tasks in PostgreSQL (`pool`), their changes announced on Redis (`publisher`)."""

    def __init__(self, pool: asyncpg.Pool, publisher: Redis) -> None:
        self.pool = pool
        self.publisher = publisher

    # --- reads ---

    async def get(self, task_id: str) -> Task | None:
        return await _read(self.pool, task_id)

    async def require(self, task_id: str) -> Task:
        task = await self.get(task_id)
        if task is None:
            raise TaskNotFound(task_id)
        return task

    async def get_many(self, task_ids: Sequence[str]) -> list[Task | None]:
        """Tasks in the order of `task_ids` (None where missing): a DataLoader batch."""
        rows = await self.pool.fetch(_SELECT + "WHERE t.id = ANY($1::text[])", list(task_ids))
        by_id = {row["id"]: task_from_row(row) for row in rows}
        return [by_id.get(task_id) for task_id in task_ids]

    async def page(
        self,
        *,
        statuses: Sequence[TaskStatus] = (),
        datasource: str | None = None,
        first: int = 50,
        after: str | None = None,
    ) -> tuple[list[Task], str | None]:
        """Newest first, keyset-paginated. Returns the page and the cursor of the next page."""
        created, last_id = _decode_cursor(after) if after else (None, None)
        rows = await self.pool.fetch(
            _LIST,
            [s.value for s in statuses] or None,
            datasource or None,
            created,
            last_id,
            first + 1,
        )
        tasks = [task_from_row(row) for row in rows[:first]]
        next_cursor = _encode_cursor(tasks[-1]) if len(rows) > first and tasks else None
        return tasks, next_cursor

    async def changed_since(self, moment: datetime) -> list[Task]:
        """Tasks updated after `moment`, oldest change first (a feed catching up)."""
        rows = await self.pool.fetch(
            _SELECT + "WHERE t.updated_at > $1 ORDER BY t.updated_at", moment
        )
        return [task_from_row(row) for row in rows]

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
        return [task_from_row(row) for row in rows]

    async def in_status_since(self, task_id: str, status: TaskStatus) -> datetime | None:
        """When the task entered `status` this time (progress events in the same status don't
        count), or None when it is not in that status."""
        at: datetime | None = await self.pool.fetchval(
            """
            SELECT min(created_at) FROM task_events
            WHERE task_id = $1 AND status = $2 AND id > (
                SELECT coalesce(max(id), 0) FROM task_events WHERE task_id = $1 AND status <> $2
            )
            """,
            task_id,
            status.value,
        )
        return at

    # --- writes ---

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
        datasource: str,
        options: IngestOptions,
    ) -> Task:
        """Record an upload and its QUEUED task in one transaction, then announce it."""
        async with self.pool.acquire() as conn, conn.transaction():
            await conn.execute(
                "INSERT INTO uploads (id, filename, content_type, size_bytes, sha256, raw_key)"
                " VALUES ($1, $2, $3, $4, $5, $6)",
                upload_id,
                filename,
                content_type,
                size_bytes,
                sha256,
                raw_key,
            )
            await conn.execute(
                "INSERT INTO tasks (id, upload_id, datasource, status, options)"
                " VALUES ($1, $2, $3, $4, $5)",
                task_id,
                upload_id,
                datasource,
                TaskStatus.QUEUED.value,
                options_to_json(options),
            )
            event_id = await self._append_event(
                conn, task_id, TaskStatus.QUEUED, 0.0, "Upload received; waiting for a worker"
            )
            task = await _read(conn, task_id)
        assert task is not None
        await self._publish(task, event_id)
        return task

    async def transition(
        self,
        task_id: str,
        status: TaskStatus,
        *,
        progress: float | None = None,
        message: str | None = None,
        error: TaskError | None = None,
        update: TaskUpdate = NO_UPDATE,
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
            check_transition(TaskStatus(current), status)
            await conn.execute(
                UPDATE_TASK,
                task_id,
                status.value,
                progress,
                sets_error,
                error and error.code,
                error and error.message,
                error and error.retryable,
                error and error.stage and error.stage.value,
                *update_args(update),
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
        return task

    async def fail(
        self,
        task_id: str,
        *,
        stage: TaskStatus,
        code: str,
        message: str,
        retryable: bool,
        update: TaskUpdate = NO_UPDATE,
        detail: dict[str, Any] | None = None,
    ) -> Task:
        """Move a task to FAILED with the reason a person will read (`message`: what
        happened, why, what to do) and the stage it failed in."""
        error = TaskError(code=code, message=message, retryable=retryable, stage=stage)
        return await self.transition(
            task_id, TaskStatus.FAILED, error=error, update=update, detail=detail
        )

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
                self.publisher, task_id=task.id, status=task.status, event_id=event_id
            )
        except (RedisError, OSError) as exc:
            log.warning("could not announce change %d of task %s: %s", event_id, task.id, exc)
