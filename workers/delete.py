"""The worker job that carries a DELETE task (core/delete.py says what and why).

Like tracking, it looks once and, while Druid is still busy, asks arq to run it again later
(`Retry(defer=…)`): no worker slot is held while Druid drops and kills the segments.
"""

from __future__ import annotations

from datetime import UTC, datetime

from arq import Retry

from core.auth.naming import visible_name
from core.catalog import druid_datasets
from core.delete import take_out
from core.druid.errors import DruidUnavailable
from core.model import Task, TaskError, TaskStatus
from core.services import Services
from core.task_rows import TaskUpdate
from workers.jobs import Job, task_job
from workers.maintenance import kill_when_idle
from workers.tracking import backoff


@task_job
async def delete_task(job: Job, task: Task) -> str:
    try:
        outcome = await _step(job.services, task)
    except DruidUnavailable:
        outcome = "retry"
    if outcome == "retry":
        raise Retry(defer=backoff(job.job_try))
    return outcome


async def _step(svc: Services, task: Task) -> str:
    name = visible_name(task.datasource)
    if task.status in (TaskStatus.QUEUED, TaskStatus.SUBMITTING):
        task = await take_out(svc, task, shown_as=name)
    if task.status == TaskStatus.INGESTING:
        if await druid_datasets(svc.broker, [task.datasource]):
            return await _waited_too_long(svc, task, svc.settings.druid_handoff_timeout_s)
        task = await svc.tasks.transition(
            task.id,
            TaskStatus.PUBLISHING,
            progress=0.7,
            message=(
                f"Druid no longer serves '{name}'; deleting its segments from deep storage "
                "(one kill task, as soon as Druid has a task slot to spare)"
            ),
        )
    if task.datasource in await svc.druid.datasource_names(include_unused=True):
        kill = await kill_when_idle(svc.druid, task.datasource)
        if kill.startswith("kill task"):
            await svc.tasks.transition(
                task.id, TaskStatus.PUBLISHING, progress=0.8,
                message=f"Druid is deleting the segments of '{name}' ({kill})",
            )  # fmt: skip
        return await _waited_too_long(svc, task, svc.settings.delete_kill_timeout_s)
    await svc.tasks.transition(
        task.id,
        TaskStatus.SUCCEEDED,
        message=(
            f"Deleted '{name}': {task.rows_total or 0:,} rows, and its segments are gone from "
            f"Druid. Its files are removed from storage in "
            f"{svc.settings.deleted_dataset_grace_hours:g} hours; the name can be used again."
        ),
        update=TaskUpdate(rows_removed=task.rows_total or 0),
    )
    return "deleted"


async def _waited_too_long(svc: Services, task: Task, limit_s: float) -> str:
    """'retry' while the current step has time left; otherwise fail the task."""
    since = await svc.tasks.in_status_since(task.id, task.status) or task.updated_at
    if (datetime.now(UTC) - since).total_seconds() <= limit_s:
        return "retry"
    waiting_for = (
        "stop serving the dataset"
        if task.status == TaskStatus.INGESTING
        else "delete its segments (it runs the kill task only while it has task slots to spare)"
    )
    message = (
        f"Druid did not {waiting_for} within {limit_s:.0f} s. The dataset is already out "
        "of the catalog and its segments are unused; check the Druid Coordinator and "
        "Overlord, then retry the task to finish the deletion."
    )
    timeout = TaskError("DRUID_TIMEOUT", message, retryable=True)
    await svc.tasks.fail_with(task.id, timeout, stage=task.status)
    return "failed"
