"""People acting on tasks: retry and cancel."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import asyncpg
from arq.connections import ArqRedis

from core.model import Task, TaskStatus
from core.settings import Settings
from core.tasks import get_task, transition
from core.uploads import job_id

# Called with the Druid task id when a task is cancelled while Druid runs it.
ShutdownDruidTask = Callable[[str], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class ActionRefused:
    code: str
    message: str


async def retry_task(
    pool: asyncpg.Pool, queue: ArqRedis, settings: Settings, task_id: str
) -> Task | ActionRefused:
    """Re-queue a FAILED or CANCELLED task as a new attempt (new Druid task id, same file)."""
    task = await get_task(pool, task_id)
    if task is None:
        return ActionRefused("NOT_FOUND", f"There is no task {task_id}. Check the id.")
    if task.status not in (TaskStatus.FAILED, TaskStatus.CANCELLED):
        return ActionRefused(
            "NOT_RETRYABLE",
            f"Task {task_id} is {task.status.value}; only failed or cancelled tasks can be "
            "retried.",
        )
    attempt = task.attempt + 1
    task = await transition(
        pool,
        queue,
        task_id,
        TaskStatus.QUEUED,
        message=f"Retry requested (attempt {attempt})",
        attempt=attempt,
        druid_task_id=None,
        rows_ingested=None,
        rows_thrown_away=None,
        rows_processed_with_error=None,
        rows_unparseable=None,
    )
    await queue.enqueue_job(
        "process_task", task_id, _job_id=job_id(task_id, attempt), _queue_name=settings.queue_name
    )
    return task


async def cancel_task(
    pool: asyncpg.Pool,
    queue: ArqRedis,
    task_id: str,
    *,
    shutdown_druid_task: ShutdownDruidTask,
) -> Task | ActionRefused:
    """Cancel a task that has not finished. Workers check the status between steps and stop;
    a running Druid task is shut down."""
    task = await get_task(pool, task_id)
    if task is None:
        return ActionRefused("NOT_FOUND", f"There is no task {task_id}. Check the id.")
    if task.status.is_terminal:
        return ActionRefused(
            "ALREADY_FINISHED", f"Task {task_id} already finished ({task.status.value})."
        )
    if task.druid_task_id and task.status in (TaskStatus.SUBMITTING, TaskStatus.INGESTING):
        await shutdown_druid_task(task.druid_task_id)
    return await transition(
        pool, queue, task_id, TaskStatus.CANCELLED, message="Cancelled by a user"
    )
