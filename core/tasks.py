"""The task store: uploads, tasks and their append-only events in PostgreSQL; this module
holds the writes (the reads are `TaskReads`, core/task_reads.py; the rows and their SQL,
core/task_rows.py).

Every state change is one transaction that updates `tasks` and appends to `task_events`,
followed (after commit) by a pub/sub message. That order means a subscriber that reads
PostgreSQL after subscribing can never miss a change. `TaskStore.transition` is the one
place that does it.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol, TypedDict, Unpack

import asyncpg
from redis.asyncio import Redis
from redis.exceptions import RedisError

from core import metrics
from core.events import FEED_CHANNEL, publish_task_changed
from core.model import (
    IngestOptions,
    Task,
    TaskError,
    TaskKind,
    TaskNotFound,
    TaskStatus,
    check_transition,
)
from core.task_reads import TaskReads
from core.task_rows import (
    NO_UPDATE,
    UPDATE,
    TaskUpdate,
    in_status_since,
    options_to_json,
    read_task,
    update_args,
)

__all__ = ["Claim", "TaskNotFound", "TaskStore"]

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


@dataclass(slots=True)
class Claim:
    """One open transaction that writes tasks (`conn`); the changes to announce once it
    commits. From `TaskStore.claim` it also holds the lock of one dataset."""

    conn: asyncpg.pool.PoolConnectionProxy[asyncpg.Record]
    announce: list[tuple[Task, int]] = field(default_factory=list)


# A transaction-scoped advisory lock per dataset (its Druid name, unique per workspace): every
# decision "may a task start on this dataset" (duplicate upload, deletion, rollback) checks and
# inserts under it, so two requests at the same moment are decided one after the other.
_LOCK_DATASET = "SELECT pg_advisory_xact_lock(hashtextextended('sluice.dataset:' || $1, 0))"


class TaskStore(TaskReads):
    """Tasks in PostgreSQL (`pool`), their changes announced on Redis (`publisher`)."""

    def __init__(
        self, pool: asyncpg.Pool, publisher: Redis, *, channel: str = FEED_CHANNEL
    ) -> None:
        super().__init__(pool)
        self.publisher = publisher
        self.channel = channel  # where changes are announced (Settings.task_events_channel)

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
            task = await read_task(conn, task_id)
            assert task is not None
            claim.announce.append((task, event_id))
        return task

    async def create_follow_up(
        self,
        *,
        task_id: str,
        kind: TaskKind,
        target: Task,
        message: str,
        within: Claim | None = None,
    ) -> Task:
        """Record a QUEUED task of `kind` acting on `target` (same upload, datasource and
        workspace; `within` its dataset's claim), then announce it."""
        return await self._create_queued(
            "INSERT INTO tasks (id, upload_id, datasource, status, options, kind,"
            " target_task_id, workspace_id)"
            " SELECT $1, $2, $3, $4, $5, $6, $7, workspace_id FROM tasks WHERE id = $7",
            (task_id, target.upload_id, target.datasource, TaskStatus.QUEUED.value,
             options_to_json(target.options), kind.value, target.id),
            message=message,
            within=within,
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
            task = await read_task(claim.conn, task_id)
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
            previous = TaskStatus(current)
            check_transition(previous, status)
            moving = previous != status
            entered = await in_status_since(conn, task_id, previous) if moving else None
            await conn.execute(
                UPDATE,
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
            task = await read_task(conn, task_id)
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
        update: TaskUpdate = NO_UPDATE,
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
