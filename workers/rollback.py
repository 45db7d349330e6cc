"""The worker job that carries a ROLLBACK task (core/rollback.py does the work)."""

from __future__ import annotations

from core.model import Task
from core.rollback import roll_back
from workers.jobs import Job, task_job


@task_job
async def rollback_task(job: Job, task: Task) -> str:
    await roll_back(job.services, task)
    now = await job.services.tasks.require(task.id)
    return f"rollback {now.status.value}"
