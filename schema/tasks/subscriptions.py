"""Live task updates over graphql-transport-ws."""

from __future__ import annotations

from collections.abc import AsyncGenerator

import strawberry

from core.events import FEED_CHANNEL, Subscription, task_channel
from core.tasks import get_task
from schema.context import Context
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
        self, info: strawberry.Info[Context, None], id: strawberry.ID
    ) -> AsyncGenerator[IngestionTask, None]:
        services = info.context.services
        workspace_id = info.context.member.workspace_id
        # Subscribe before reading PostgreSQL, so no change can slip in between.
        async with Subscription(services.redis, task_channel(str(id))) as subscription:
            task = await get_task(services.db, str(id), workspace_id=workspace_id)
            if task is None:
                raise ValueError(f"There is no task {id}. Check the id.")
            yield IngestionTask.from_model(task)
            version = task.updated_at
            if task.status.is_terminal:
                return
            async for _message in subscription.messages():
                task = await get_task(services.db, str(id), workspace_id=workspace_id)
                if task is None:
                    return
                if task.updated_at != version:
                    version = task.updated_at
                    yield IngestionTask.from_model(task)
                if task.status.is_terminal:
                    return

    @strawberry.subscription(
        permission_classes=[Viewer],
        description="Every change to any task of the caller's workspace, as it happens.",
    )
    async def task_feed(
        self, info: strawberry.Info[Context, None]
    ) -> AsyncGenerator[IngestionTask, None]:
        services = info.context.services
        workspace_id = info.context.member.workspace_id
        async with Subscription(services.redis, FEED_CHANNEL) as subscription:
            async for message in subscription.messages():
                task_id = message.get("task_id")
                if not task_id:
                    continue
                task = await get_task(services.db, task_id, workspace_id=workspace_id)
                if task is not None:
                    yield IngestionTask.from_model(task)
