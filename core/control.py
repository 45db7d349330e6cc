"""People acting on tasks: retry and cancel."""

from __future__ import annotations

from dataclasses import dataclass, replace

from core import queue
from core.model import Task, TaskKind, TaskStatus
from core.retention import RETENTION
from core.services import Services
from core.settings import Settings
from core.task_rows import TaskUpdate


@dataclass(frozen=True, slots=True)
class ActionRefused:
    code: str
    message: str


async def retry_task(
    svc: Services, task_id: str, *, workspace_id: str, allow_type_change: bool | None = None
) -> Task | ActionRefused:
    """Re-queue a FAILED or CANCELLED task as a new attempt (new Druid task id, same file).
    `allow_type_change` changes that option first (a SCHEMA_CONFLICT the person accepts)."""
    task = await svc.tasks.get(task_id, workspace_id=workspace_id)
    if task is None:
        return ActionRefused("NOT_FOUND", f"There is no task {task_id}. Check the id.")
    if task.status not in (TaskStatus.FAILED, TaskStatus.CANCELLED):
        return ActionRefused(
            "NOT_RETRYABLE",
            f"Task {task_id} is {task.status.value}; only failed or cancelled tasks can be "
            "retried.",
        )
    refusal = _files_gone(task, svc.settings)
    if refusal is not None:
        return refusal
    attempt = task.attempt + 1
    options = task.options
    if allow_type_change is not None:
        options = replace(options, allow_type_change=allow_type_change)
    task = await svc.tasks.transition(
        task_id,
        TaskStatus.QUEUED,
        message=f"Retry requested (attempt {attempt})",
        update=TaskUpdate(
            attempt=attempt,
            resumes=0,
            druid_task_id=None,
            rows_ingested=None,
            rows_thrown_away=None,
            rows_processed_with_error=None,
            rows_unparseable=None,
            options=options,
        ),
    )
    await queue.enqueue_step(svc, task)
    return task


def _files_gone(task: Task, settings: Settings) -> ActionRefused | None:
    """Why a task cannot run again because its dataset or its file is gone, or None."""
    if task.dataset_deleted_by is not None:
        return ActionRefused(
            "NOT_RETRYABLE",
            f"Task {task.id} loaded into a dataset that was deleted (task "
            f"{task.dataset_deleted_by}); it cannot run again. Upload the file again to load "
            "it into a new dataset of that name.",
        )
    if task.files_removed_reason == RETENTION:
        return ActionRefused(
            "FILE_REMOVED",
            f"The original file of task {task.id} ('{task.filename}') was removed after "
            f"{settings.raw_upload_retention_days:g} days (retention), so the task cannot run "
            "again. Upload the file again.",
        )
    return None


async def cancel_task(svc: Services, task_id: str, *, workspace_id: str) -> Task | ActionRefused:
    """Cancel a task that has not finished. Workers check the status between steps and stop;
    a running Druid task is shut down."""
    task = await svc.tasks.get(task_id, workspace_id=workspace_id)
    if task is None:
        return ActionRefused("NOT_FOUND", f"There is no task {task_id}. Check the id.")
    if task.status.is_terminal:
        return ActionRefused(
            "ALREADY_FINISHED", f"Task {task_id} already finished ({task.status.value})."
        )
    if task.kind == TaskKind.DELETE and task.status != TaskStatus.QUEUED:
        # Stopped halfway, the dataset would be out of the catalog with its segments unkilled.
        return ActionRefused(
            "NOT_CANCELLABLE",
            f"The deletion (task {task_id}) has started ({task.status.value}) and cannot be "
            "stopped halfway; it finishes by itself. Upload the data again to restore it.",
        )
    if task.druid_task_id and task.status in (TaskStatus.SUBMITTING, TaskStatus.INGESTING):
        await svc.druid.shutdown_task(task.druid_task_id)
    return await svc.tasks.transition(task_id, TaskStatus.CANCELLED, message="Cancelled by a user")
