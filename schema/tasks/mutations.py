"""Task actions: retry and cancel."""

from __future__ import annotations

import strawberry

from core.control import ActionRefused, cancel_task, retry_task
from core.errors import ErrorCode
from core.model import Task
from schema.context import Context
from schema.permissions import Editor
from schema.tasks.types import IngestionTask, TaskActionRejected, TaskActionResult


def _result(outcome: Task | ActionRefused) -> IngestionTask | TaskActionRejected:
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
        workspace_id = info.context.member.workspace_id
        return _result(await retry_task(info.context.services, str(id), workspace_id=workspace_id))

    @strawberry.mutation(
        permission_classes=[Editor], description="Stop a task that has not finished."
    )
    async def cancel_task(
        self, info: strawberry.Info[Context, None], id: strawberry.ID
    ) -> TaskActionResult:
        workspace_id = info.context.member.workspace_id
        return _result(await cancel_task(info.context.services, str(id), workspace_id=workspace_id))
