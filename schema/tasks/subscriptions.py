"""Live task updates over graphql-transport-ws."""

from __future__ import annotations

from collections.abc import AsyncGenerator

import strawberry

from core.errors import ErrorCode, VisibleError
from core.events import FEED_CHANNEL, Subscription, task_channel
from core.tasks import get_task
from schema.context import Context
from schema.tasks.types import IngestionTask


@strawberry.type
class TasksSubscription:
    @strawberry.subscription(
        description="The task's current state first, then one item per change; completes "
        "after the terminal state (SUCCEEDED, FAILED or CANCELLED)."
    )
    async def task_updates(
        self, info: strawberry.Info[Context, None], id: strawberry.ID
    ) -> AsyncGenerator[IngestionTask, None]:
        services = info.context.services
        # Subscribe before reading PostgreSQL, so no change can slip in between.
        async with Subscription(services.redis, task_channel(str(id))) as subscription:
            task = await get_task(services.db, str(id))
            if task is None:
                raise VisibleError(
                    f"There is no task {id}. Check the id.", code=ErrorCode.NOT_FOUND
                )
            yield IngestionTask.from_model(task)
            version = task.updated_at
            if task.status.is_terminal:
                return
            async for _message in subscription.messages():
                task = await get_task(services.db, str(id))
                if task is None:
                    return
                if task.updated_at != version:
                    version = task.updated_at
                    yield IngestionTask.from_model(task)
                if task.status.is_terminal:
                    return

    @strawberry.subscription(description="Every change to any task, as it happens.")
    async def task_feed(
        self, info: strawberry.Info[Context, None]
    ) -> AsyncGenerator[IngestionTask, None]:
        services = info.context.services
        async with Subscription(services.redis, FEED_CHANNEL) as subscription:
            async for message in subscription.messages():
                task_id = message.get("task_id")
                if not task_id:
                    continue
                task = await get_task(services.db, task_id)
                if task is not None:
                    yield IngestionTask.from_model(task)
