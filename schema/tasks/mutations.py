"""Task actions: retry, cancel and roll back."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import strawberry

from core.control import ActionRefused, cancel_task, retry_task
from core.errors import ErrorCode
from core.model import Task
from core.rollback import request_rollback
from schema.context import Info
from schema.permissions import Editor
from schema.tasks.types import IngestionTask, TaskActionRejected, TaskActionResult

Action = Callable[..., Awaitable[Task | ActionRefused]]


async def _act(
    info: Info, action: Action, task_id: strawberry.ID, **choices: object
) -> TaskActionResult:
    """Do `action` on one of the caller's workspace's tasks (with the person's `choices`); a
    refusal is data."""
    outcome = await action(
        info.context.services,
        str(task_id),
        workspace_id=info.context.member.workspace_id,
        **choices,
    )
    return task_action_result(outcome)


def task_action_result(outcome: Task | ActionRefused) -> IngestionTask | TaskActionRejected:
    """A task action's typed result: the task it queued or changed, or why not."""
    if isinstance(outcome, ActionRefused):
        return TaskActionRejected(code=ErrorCode.parse(outcome.code), message=outcome.message)
    return IngestionTask.from_model(outcome)


@strawberry.input(description="What to change before running a task again.")
class RetryOptions:
    allow_type_change: bool | None = strawberry.field(
        default=None,
        description="Ingest even when a column's type change would lose values in Druid (a "
        "SCHEMA_CONFLICT the person accepts): the column takes the file's type.",
    )


@strawberry.type
class TasksMutation:
    @strawberry.mutation(
        permission_classes=[Editor],
        description="Run a failed or cancelled task again, as a new attempt.",
    )
    async def retry_task(
        self, info: Info, id: strawberry.ID, options: RetryOptions | None = None
    ) -> TaskActionResult:
        allow_type_change = options.allow_type_change if options else None
        return await _act(info, retry_task, id, allow_type_change=allow_type_change)

    @strawberry.mutation(
        permission_classes=[Editor], description="Stop a task that has not finished."
    )
    async def cancel_task(self, info: Info, id: strawberry.ID) -> TaskActionResult:
        return await _act(info, cancel_task, id)

    @strawberry.mutation(
        permission_classes=[Editor],
        description=(
            "Take back exactly the rows one succeeded upload brought (a REPLACE's replaced "
            "rows come back), as a ROLLBACK task with live status."
        ),
    )
    async def rollback_upload(self, info: Info, task_id: strawberry.ID) -> TaskActionResult:
        return await _act(info, request_rollback, task_id)
