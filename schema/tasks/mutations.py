"""Task actions: retry, cancel and roll back."""

from __future__ import annotations

import strawberry

from core.control import ActionRefused, cancel_task, retry_task
from core.errors import ErrorCode
from core.model import Task
from core.rollback import request_rollback
from schema.context import Context
from schema.permissions import Editor
from schema.tasks.types import IngestionTask, TaskActionRejected, TaskActionResult


def task_action_result(outcome: Task | ActionRefused) -> IngestionTask | TaskActionRejected:
    """A task action's typed result: the task it queued or changed, or why not."""
    if isinstance(outcome, ActionRefused):
        return TaskActionRejected(code=ErrorCode.parse(outcome.code), message=outcome.message)
    return IngestionTask.from_model(outcome)


@strawberry.type
class TasksMutation:
    @strawberry.mutation(
        permission_classes=[Editor],
        description="Run a failed or cancelled task again, as a new attempt.",
    )
    async def retry_task(
        self, info: strawberry.Info[Context, None], id: strawberry.ID
    ) -> TaskActionResult:
        outcome = await retry_task(
            info.context.services, str(id), workspace_id=info.context.member.workspace_id
        )
        return task_action_result(outcome)

    @strawberry.mutation(
        permission_classes=[Editor], description="Stop a task that has not finished."
    )
    async def cancel_task(
        self, info: strawberry.Info[Context, None], id: strawberry.ID
    ) -> TaskActionResult:
        outcome = await cancel_task(
            info.context.services, str(id), workspace_id=info.context.member.workspace_id
        )
        return task_action_result(outcome)

    @strawberry.mutation(
        permission_classes=[Editor],
        description=(
            "Take back exactly the rows one succeeded upload brought (a REPLACE's replaced "
            "rows come back), as a ROLLBACK task with live status."
        ),
    )
    async def rollback_upload(
        self, info: strawberry.Info[Context, None], task_id: strawberry.ID
    ) -> TaskActionResult:
        workspace_id = info.context.member.workspace_id
        outcome = await request_rollback(
            info.context.services, str(task_id), workspace_id=workspace_id
        )
        return task_action_result(outcome)
