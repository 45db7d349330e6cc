"""The arq jobs that carry a task, and their ids.

Job ids are deterministic per attempt, so enqueueing the same step twice runs it once. A
resumption by the watchdog adds a counter (`resume`): a fresh id is never blocked by a dead
worker's in-progress lock or by a kept result of the same id.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from arq.connections import ArqRedis

from core.model import Task, TaskKind, TaskStatus

if TYPE_CHECKING:
    from core.services import Services

PROCESS = "process_task"  # validate, stage, submit (workers/pipeline.py)
TRACK = "track_task"  # follow Druid until queryable (workers/tracking.py)
ROLLBACK = "rollback_task"  # take one upload's rows out of Druid (workers/rollback.py)
DELETE = "delete_task"  # delete a whole dataset (workers/delete.py)

_PREFIX = {PROCESS: "process", TRACK: "track", ROLLBACK: "rollback", DELETE: "delete"}
_BY_KIND = {TaskKind.ROLLBACK: ROLLBACK, TaskKind.DELETE: DELETE}


def job_id(function: str, task_id: str, attempt: int, resume: int = 0) -> str:
    base = f"{_PREFIX[function]}:{task_id}:{attempt}"
    return f"{base}:r{resume}" if resume else base


def task_of(job_id: str) -> str | None:
    """The task a job id of `job_id(...)` carries; None for other jobs (cron jobs)."""
    prefix, _, rest = job_id.partition(":")
    if prefix not in _PREFIX.values():
        return None
    task_id = rest.partition(":")[0]
    return task_id or None


def step_for(task: Task) -> str:
    """The job that moves `task` on from where it is."""
    if task.kind in _BY_KIND:
        return _BY_KIND[task.kind]
    tracked = task.status in (TaskStatus.INGESTING, TaskStatus.PUBLISHING)
    return TRACK if tracked and task.druid_task_id else PROCESS


async def enqueue(
    redis: ArqRedis,
    *,
    queue_name: str,
    function: str,
    task_id: str,
    attempt: int,
    resume: int = 0,
    defer_s: float | None = None,
) -> bool:
    """Queue `function` for the task; False when a job with that id already exists."""
    job = await redis.enqueue_job(
        function,
        task_id,
        _job_id=job_id(function, task_id, attempt, resume),
        _queue_name=queue_name,
        _defer_by=defer_s,
    )
    return job is not None


async def enqueue_step(
    svc: Services,
    task: Task,
    *,
    function: str | None = None,
    resume: int = 0,
    defer_s: float | None = None,
) -> bool:
    """Queue the job that moves `task` on (`function`, by default the one for where the task
    is) for its current attempt; False when a job with that id already exists."""
    return await enqueue(
        svc.redis,
        queue_name=svc.settings.queue_name,
        function=function or step_for(task),
        task_id=task.id,
        attempt=task.attempt,
        resume=resume,
        defer_s=defer_s,
    )
