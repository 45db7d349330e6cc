"""Reading tasks: one, a batch, a page, what changed since a moment, a task's events.

`TaskReads` is the read half of the task store; `TaskStore` (core/tasks.py) adds the writes.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import asyncpg

from core.model import Task, TaskKind, TaskNotFound, TaskStatus
from core.task_rows import (
    LIST,
    SELECT,
    TaskEvent,
    decode_cursor,
    encode_cursor,
    in_status_since,
    read_task,
    task_from_row,
)


class TaskReads:
    """Tasks as PostgreSQL (`pool`) holds them, for any workspace or one."""

    def __init__(self, pool: asyncpg.Pool) -> None:
        self.pool = pool

    async def get(self, task_id: str, *, workspace_id: str | None = None) -> Task | None:
        """One task; with `workspace_id`, only if it belongs to that workspace (what callers
        on behalf of a person pass: another workspace's task looks exactly like a missing
        one)."""
        return await read_task(self.pool, task_id, workspace_id)

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
            SELECT + "WHERE t.id = ANY($1::text[]) AND ($2::text IS NULL OR t.workspace_id = $2)",
            list(task_ids),
            workspace_id,
        )
        by_id = {row["id"]: task_from_row(row) for row in rows}
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
        created, last_id = decode_cursor(after) if after else (None, None)
        rows = await self.pool.fetch(
            LIST,
            [s.value for s in statuses] or None,
            datasource or None,
            created,
            last_id,
            first + 1,
            workspace_id,
            [k.value for k in kinds] or None,
            current_dataset_only,
        )
        tasks = [task_from_row(row) for row in rows[:first]]
        next_cursor = encode_cursor(tasks[-1]) if len(rows) > first and tasks else None
        return tasks, next_cursor

    async def with_workspaces(
        self, *, task_ids: Sequence[str] | None = None, since: datetime | None = None
    ) -> list[tuple[Task, str]]:
        """Tasks of every workspace with their workspace id, by id or changed after `since`
        (oldest change first): for the process's broadcaster (core/broadcast.py), which
        hands each to the subscribers of its workspace."""
        rows = await self.pool.fetch(
            SELECT + "WHERE ($1::text[] IS NULL OR t.id = ANY($1::text[]))"
            " AND ($2::timestamptz IS NULL OR t.updated_at > $2) ORDER BY t.updated_at",
            list(task_ids) if task_ids is not None else None,
            since,
        )
        return [(task_from_row(row), str(row["workspace_id"])) for row in rows]

    async def changed_since(self, moment: datetime, *, workspace_id: str) -> list[Task]:
        """The workspace's tasks updated after `moment`, oldest change first (a feed catching
        up)."""
        rows = await self.pool.fetch(
            SELECT + "WHERE t.updated_at > $1 AND t.workspace_id = $2 ORDER BY t.updated_at",
            moment,
            workspace_id,
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
            SELECT + "WHERE t.status <> ALL($1::text[]) ORDER BY t.created_at",
            [TaskStatus.SUCCEEDED.value, TaskStatus.FAILED.value, TaskStatus.CANCELLED.value],
        )
        return [task_from_row(row) for row in rows]

    async def in_status_since(self, task_id: str, status: TaskStatus) -> datetime | None:
        """When the task entered `status` this time (progress events in the same status don't
        count), or None when it is not in that status."""
        return await in_status_since(self.pool, task_id, status)
