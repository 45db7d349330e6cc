"""Live task updates over graphql-transport-ws."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from datetime import UTC, datetime, timedelta

import strawberry

from core.errors import ErrorCode, VisibleError
from core.events import FEED_CHANNEL, RESYNC, Subscription, task_channel
from schema.context import Context
from schema.permissions import Viewer
from schema.tasks.types import IngestionTask

# A feed catching up after a Redis outage looks this far behind its last item (clock skew
# between the API and PostgreSQL); a task shown twice is harmless, a missed one is not.
_RESYNC_MARGIN = timedelta(seconds=5)


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
            task = await services.tasks.get(str(id), workspace_id=workspace_id)
            if task is None:
                raise VisibleError(
                    f"There is no task {id}. Check the id.", code=ErrorCode.NOT_FOUND
                )
            yield IngestionTask.from_model(task)
            version = task.updated_at
            if task.status.is_terminal:
                return
            # Every message, heartbeat or reconnection means: look at PostgreSQL again.
            async for _message in subscription.messages():
                task = await services.tasks.get(str(id), workspace_id=workspace_id)
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
        seen_until = datetime.now(UTC)
        async with Subscription(services.redis, FEED_CHANNEL) as subscription:
            async for message in subscription.messages():
                if message == RESYNC:  # messages may have been lost while Redis was away
                    changed = await services.tasks.changed_since(
                        seen_until - _RESYNC_MARGIN, workspace_id=workspace_id
                    )
                else:
                    task_id = message.get("task_id")
                    task = (
                        await services.tasks.get(task_id, workspace_id=workspace_id)
                        if task_id
                        else None
                    )
                    changed = [task] if task is not None else []
                for task in changed:
                    seen_until = max(seen_until, task.updated_at)
                    yield IngestionTask.from_model(task)
