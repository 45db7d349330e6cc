"""The one wrapper around every worker job that carries a task.

It makes three promises. Only one job works on a task at a time (it takes the task's lease,
renews it while the step runs, and gives it up after). A task never stays behind a bug:
any unexpected exception ends the task in FAILED with code INTERNAL_ERROR and an incident id,
and the worker log holds the same id with the traceback. And a task that moved on without
the job (cancelled meanwhile) is left alone.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any, cast

import asyncpg
from arq import Retry
from arq.typing import WorkerCoroutine
from redis.exceptions import ConnectionError as RedisConnectionError

from core import logs, queue
from core.auth.naming import workspace_slug
from core.model import IllegalTransition, Task, TaskKind, TaskStatus
from core.services import Services

log = logging.getLogger(__name__)

# What a person reads about the step a task was in, per kind of task and status (an
# unexpected error's message, the watchdog's).
DOING: dict[TaskKind, dict[TaskStatus, str]] = {
    TaskKind.INGEST: {
        TaskStatus.QUEUED: "starting the upload",
        TaskStatus.VALIDATING: "validating the file",
        TaskStatus.STAGING: "staging the file for Druid",
        TaskStatus.SUBMITTING: "submitting the ingestion to Druid",
        TaskStatus.INGESTING: "following Druid's ingestion",
        TaskStatus.PUBLISHING: "waiting for Druid to make the rows queryable",
    },
    TaskKind.ROLLBACK: {
        TaskStatus.QUEUED: "starting the rollback",
        TaskStatus.SUBMITTING: "counting the rows Druid serves before the rollback",
        TaskStatus.INGESTING: "taking the upload's rows out of Druid",
        TaskStatus.PUBLISHING: "waiting for Druid to stop serving the upload's rows",
    },
    TaskKind.DELETE: {
        TaskStatus.QUEUED: "starting the deletion",
        TaskStatus.SUBMITTING: "taking the dataset out of the catalog and Druid",
        TaskStatus.INGESTING: "waiting for Druid to stop serving the dataset",
        TaskStatus.PUBLISHING: "waiting for Druid to delete the dataset's segments",
    },
}


def doing(task: Task) -> str:
    """What the task was doing, in words: "validating the file" (stage by kind)."""
    return DOING[task.kind].get(task.status, f"working on the task ({task.status.value})")


@dataclass(frozen=True, slots=True)
class Job:
    """What a step gets besides its task: the services and which arq job it runs in."""

    services: Services
    job_id: str
    job_try: int


Step = Callable[[Job, Task], Awaitable[str]]


# A service that went away for a moment: PostgreSQL restarting or a connection cut (57P0x is
# "terminated by the administrator", "the database system is starting up"), Redis gone, a
# refused connection. Not the task's fault: the job runs again later instead of failing it.
OUTAGES = (
    ConnectionError,  # refused, reset, broken pipe
    asyncpg.PostgresConnectionError,
    asyncpg.exceptions.OperatorInterventionError,
    RedisConnectionError,
)
OUTAGE_RETRY_S = 5.0


def is_outage(exc: BaseException) -> bool:
    """Whether `exc`, or what it was raised from or while handling, is an outage (asyncpg
    reports a session cut inside a transaction as "the underlying connection is closed",
    raised while handling the real cause)."""
    seen: BaseException | None = exc
    for _ in range(10):  # a bounded walk: chains are short, and could loop
        if seen is None:
            return False
        if isinstance(seen, OUTAGES):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def services(ctx: dict[str, Any]) -> Services:
    svc: Services = ctx["services"]
    return svc


def bind_task(task: Task) -> None:
    """Name the task, its Druid task and its workspace on every following log line."""
    logs.bind(task=task.id, druid_task=task.druid_task_id, space=workspace_slug(task.datasource))


async def job_started(ctx: dict[str, Any]) -> None:
    """arq's `on_job_start`: bind the ids before arq logs the job's start, so its own lines
    (start, retry, result) carry them too, not only the job's."""
    task_id = queue.task_of(ctx["job_id"])
    if task_id is None:
        return
    logs.bind(task=task_id)
    try:
        task = await services(ctx).tasks.get(task_id)
    except Exception as exc:  # an outage: the job itself meets it and retries
        log.debug("no workspace for the log lines of %s: %r", task_id, exc)
        return
    if task is not None:
        bind_task(task)


def task_job(step: Step) -> WorkerCoroutine:
    """Turn `step(job, task)` into an arq job function `job(ctx, task_id)`."""

    @functools.wraps(step)
    async def run(ctx: dict[str, Any], task_id: str) -> str:
        logs.bind(task=task_id)  # every line of this job names its task (and Druid's, below)
        job = Job(services=services(ctx), job_id=ctx["job_id"], job_try=ctx.get("job_try", 1))
        try:
            return await _run(step, job, task_id)
        except Exception as exc:
            if isinstance(exc, Retry) or not is_outage(exc):
                raise
            # Whatever the step did is either recorded or redone by the next run (every step
            # is idempotent). If arq's tries run out, the watchdog resumes the task.
            log.warning(
                "job %s lost a service (%r); running again in %.0f s",
                job.job_id,
                exc,
                OUTAGE_RETRY_S,
            )
            raise Retry(defer=OUTAGE_RETRY_S) from exc

    return cast("WorkerCoroutine", run)


async def _run(step: Step, job: Job, task_id: str) -> str:
    task = await job.services.tasks.get(task_id)
    if task is None or task.status.is_terminal:
        return "nothing to do"
    bind_task(task)
    async with _lease(job, task_id) as held:
        if not held:
            return "another worker holds the task"
        return await _guarded(step, job, task)


async def _guarded(step: Step, job: Job, task: Task) -> str:
    try:
        return await step(job, task)
    except Retry:
        raise
    except IllegalTransition as exc:
        now = await job.services.tasks.get(task.id)
        if now is not None and now.status.is_terminal:
            log.info("task %s moved on without job %s: %s", task.id, job.job_id, exc)
            return f"task is {now.status.value}"
        await fail_unexpected(job.services, task.id, exc)
        return "failed: internal error"
    except Exception as exc:
        if is_outage(exc):
            raise  # task_job runs the job again
        await fail_unexpected(job.services, task.id, exc)
        return "failed: internal error"


async def fail_unexpected(svc: Services, task_id: str, exc: BaseException) -> None:
    """FAILED/INTERNAL_ERROR with an incident id that the log repeats with the traceback."""
    incident = uuid.uuid4().hex[:12]
    log.error("incident %s: unexpected error on task %s", incident, task_id, exc_info=exc)
    task = await svc.tasks.get(task_id)
    if task is None or task.status.is_terminal:
        return
    with contextlib.suppress(IllegalTransition):  # finished meanwhile: nothing to mark
        await svc.tasks.fail(
            task_id,
            stage=task.status,
            code="INTERNAL_ERROR",
            message=(
                f"Sluice hit an unexpected error while {doing(task)} (incident "
                f"{incident}); the details are in the worker's log under that id. Retry the "
                f"task, and if it fails again, report incident {incident} to your "
                "administrator."
            ),
            retryable=True,
            detail={"incident": incident, "error": type(exc).__name__},
        )


@contextlib.asynccontextmanager
async def _lease(job: Job, task_id: str) -> AsyncIterator[bool]:
    """Hold the task's lease while the body runs, renewing it; yields False when another
    job's lease is live. A `Retry(defer=…)` keeps the lease for the deferred re-run."""
    leases, ttl = job.services.leases, job.services.settings.lease_ttl_s
    if not await leases.take(task_id, job.job_id, ttl_s=ttl):
        yield False
        return
    renewing = asyncio.create_task(_renew(job, task_id))
    hold_s = 0.0
    try:
        yield True
    except Retry as retry:
        hold_s = (retry.defer_score or 0) / 1000 + ttl
        raise
    finally:
        renewing.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await renewing
        await leases.release(task_id, job.job_id, hold_s=hold_s)


async def _renew(job: Job, task_id: str) -> None:
    ttl = job.services.settings.lease_ttl_s
    while True:
        await asyncio.sleep(ttl / 3)
        if not await job.services.leases.take(task_id, job.job_id, ttl_s=ttl):
            # Handed to the next step, or taken over after this worker stalled past the TTL.
            log.info("job %s no longer holds the lease on task %s", job.job_id, task_id)
            return
