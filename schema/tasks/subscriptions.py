"""Live task updates over graphql-transport-ws, served from the process's one `Broadcaster`
(core/broadcast.py): no Redis connection and no PostgreSQL read per subscriber per change.
Each state the broadcaster hands out becomes one `IngestionTask` for all subscribers
(`SharedRenders.view`), so its execution and JSON are shared too (schema/live.py)."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from datetime import UTC, datetime

import strawberry

from core.broadcast import RESYNC_MARGIN
from core.errors import ErrorCode, VisibleError
from schema.context import Info
from schema.live import renders_of
from schema.permissions import Viewer
from schema.tasks.types import IngestionTask


@strawberry.type
class TasksSubscription:
    @strawberry.subscription(
        permission_classes=[Viewer],
        description="The task's current state first, then one item per change; completes "
        "after the terminal state (SUCCEEDED, FAILED or CANCELLED).",
    )
    async def task_updates(
        self, info: Info, id: strawberry.ID
    ) -> AsyncGenerator[IngestionTask, None]:
        services = info.context.services
        workspace_id = info.context.member.workspace_id
        connection = info.context.request or info.context
        renders = renders_of(info.schema)
        # Watch before reading PostgreSQL, so no change can slip in between.
        async with services.broadcaster.watch(
            connection=connection, task_id=str(id), workspace_id=workspace_id
        ) as watcher:
            task = await services.tasks.get(str(id), workspace_id=workspace_id)
            if task is None:
                raise VisibleError(
                    f"There is no task {id}. Check the id.", code=ErrorCode.NOT_FOUND
                )
            yield IngestionTask.from_model(task)
            version = task.updated_at
            while not task.status.is_terminal:
                batch = await watcher.next()
                for task in batch.tasks:  # one task: its latest state
                    if task.updated_at != version:
                        version = task.updated_at
                        yield renders.view(task, IngestionTask.from_model)

    @strawberry.subscription(
        permission_classes=[Viewer],
        description="Every change to any task of the caller's workspace, as it happens.",
    )
    async def task_feed(self, info: Info) -> AsyncGenerator[IngestionTask, None]:
        services = info.context.services
        workspace_id = info.context.member.workspace_id
        connection = info.context.request or info.context
        renders = renders_of(info.schema)
        seen_until = datetime.now(UTC)
        async with services.broadcaster.watch(
            connection=connection, workspace_id=workspace_id
        ) as watcher:
            while True:
                batch = await watcher.next()
                changed = batch.tasks
                if batch.resync:  # this subscriber fell behind: catch up from PostgreSQL
                    changed = await services.tasks.changed_since(
                        seen_until - RESYNC_MARGIN, workspace_id=workspace_id
                    )
                for task in changed:
                    seen_until = max(seen_until, task.updated_at)
                    yield renders.view(task, IngestionTask.from_model)
