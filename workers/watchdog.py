"""The watchdog: a periodic job that finds tasks nobody is moving and moves them.

A task is stalled when its status's deadline (Settings.deadline_*_s) passed with no change and
no live lease: its worker died (SIGKILL, OOM, lost host) or its job was lost with Redis. The
watchdog resumes it under a fresh job id (every step restarts from the state in PostgreSQL),
up to `max_resumes` times per attempt; then it fails the task, naming the stage and what it
waited for.
"""

from __future__ import annotations

import logging
from typing import Any

from core import logs, queue
from core.model import IllegalTransition, Task, TaskError, TaskKind, TaskStatus
from core.services import Services
from core.task_rows import TaskUpdate
from workers.jobs import DOING, bind_task, doing, services

log = logging.getLogger(__name__)

UNFINISHED = tuple(DOING[TaskKind.INGEST])


def waited_for(task: Task) -> str:
    """What a stalled task waited for, in words."""
    if task.status == TaskStatus.QUEUED:
        return "a worker to pick the task up"
    return f"the worker {doing(task)}"


async def watch_tasks(ctx: dict[str, Any]) -> int:
    """arq cron job: resume or fail every stalled task. Returns how many it handled."""
    svc = services(ctx)
    deadlines = {status: svc.settings.deadline_s(status) for status in UNFINISHED}
    handled = 0
    for task_id in await svc.leases.stalled(deadlines):
        task = await svc.tasks.get(task_id)
        if task is None or task.status.is_terminal:
            continue
        try:
            with logs.scope():
                bind_task(task)
                if task.resumes < svc.settings.max_resumes:
                    await resume(svc, task)
                else:
                    await _give_up(svc, task)
        except IllegalTransition:
            continue  # it finished (or was cancelled) a moment ago
        handled += 1
    return handled


async def resume(svc: Services, task: Task) -> None:
    """Queue the step that moves `task` on, under a job id never used before."""
    resumes = task.resumes + 1
    waited = svc.settings.deadline_s(task.status)
    await svc.tasks.transition(
        task.id,
        task.status,
        progress=task.progress,
        message=(
            f"Resuming: nothing happened for {waited:.0f} s while waiting for "
            f"{waited_for(task)} (resumption {resumes} of {svc.settings.max_resumes})"
        ),
        update=TaskUpdate(resumes=resumes),
    )
    await queue.enqueue_step(svc, task, resume=resumes)
    log.warning("resumed stalled task %s in %s (%d)", task.id, task.status, resumes)


async def _give_up(svc: Services, task: Task) -> None:
    waited = svc.settings.deadline_s(task.status)
    message = (
        f"The task stopped in {task.status.value}: it waited more than {waited:.0f} s for "
        f"{waited_for(task)}, {task.resumes} time(s), and no worker moved it on. "
        "Check that a Sluice worker is running and its log for errors, then retry the task."
    )
    await svc.tasks.fail_with(task.id, TaskError("STALLED", message, True), stage=task.status)
    log.error("gave up on stalled task %s in %s", task.id, task.status)
