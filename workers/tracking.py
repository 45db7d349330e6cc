"""Following a Druid task until its data is really queryable.

`track_task` is a short arq job that looks once and, while Druid is still busy, asks arq to run
it again later (`Retry(defer=…)`): no worker slot is held while Druid works.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from typing import TypedDict

from arq import Retry

from core import metrics
from core.catalog import DatasourceNotInDruid, refresh_dataset_from_druid
from core.druid.client import DruidTaskStatus
from core.druid.errors import DruidUnavailable
from core.druid.failures import describe_pending, explain_pending
from core.model import Task, TaskStatus
from core.services import Services
from core.settings import Settings
from core.tasks import TaskUpdate
from workers.jobs import Job, task_job

log = logging.getLogger(__name__)


TRACK_JOB_TIMEOUT_S = 60  # one look at Druid; a few HTTP calls


def track_tries(settings: Settings) -> int:
    """arq's try limit for `track_task`, above what the deadlines allow (every look is at
    least 1 s apart after the first two, 3 s after a minute), so the deadlines decide."""
    budget_s = settings.tracking_timeout_s + settings.druid_handoff_timeout_s
    return 60 + int(budget_s / 3) + 100


def backoff(job_try: int) -> float:
    """0.25 s, 0.5 s, then every second for the first minute, then every 3 s: a small file's
    latency is not padded by a slow poll, and a long ingestion costs ~20 looks a minute."""
    if job_try <= 2:
        return 0.25 * job_try
    return 1.0 if job_try < 60 else 3.0


@task_job
async def track_task(job: Job, task: Task) -> str:
    svc, task_id = job.services, task.id
    if not task.druid_task_id:
        return "nothing to track"
    try:
        if task.status == TaskStatus.INGESTING:
            outcome = await _follow_ingestion(svc, task)
        else:
            outcome = await _follow_handoff(svc, task)
    except DruidUnavailable as exc:
        log.warning("Druid unavailable while tracking %s: %s", task_id, exc)
        outcome = "retry"
    except json.JSONDecodeError as exc:  # a half-written answer: look again, do not give up
        log.warning("unreadable answer from Druid while tracking %s: %s", task_id, exc)
        outcome = "retry"
    if outcome == "retry":
        raise Retry(defer=backoff(job.job_try))
    return outcome


async def _follow_ingestion(svc: Services, task: Task) -> str:
    assert task.druid_task_id is not None
    status = await svc.druid.task_status(task.druid_task_id)
    if not status.is_finished:
        if await _past_tracking_deadline(svc, task, status):
            return "failed"
        report = await svc.druid.task_report(task.druid_task_id)
        processed = report.rows_seen if report else 0
        total = max(task.staged.rows if task.staged else 1, 1)
        # Never backwards: while a task waits for hand-off Druid reports no totals at all.
        fraction = max(round(min(processed / total, 0.99), 2), task.progress)
        if status.state == "RUNNING":
            message = (
                f"Druid is ingesting: {processed:,} of {total:,} rows read"
                if processed
                else "Druid task is starting"
            )
        else:
            why = describe_pending(**await _pending_facts(svc, task, status))
            message = f"Druid has not started the task yet: {why}"
        # One event per visible change, not one per look.
        if fraction != round(task.progress, 2) or message != task.last_message:
            await svc.tasks.transition(
                task.id,
                TaskStatus.INGESTING,
                progress=fraction,
                message=message,
            )
        return "retry"
    metrics.druid_task_finished(
        submitted_seconds_ago=await _ingesting_for(svc, task), run_ms=status.duration_ms
    )
    if status.state == "FAILED":
        await _druid_failed(svc, task, status.error_message)
        return "failed"
    return await _ingestion_succeeded(svc, task)


class _PendingFacts(TypedDict, total=False):
    free_slots: int | None
    ahead: list[str]
    running: list[str]
    waiting_for_lock: bool
    lock_holders: list[str]


async def _pending_facts(svc: Services, task: Task, status: DruidTaskStatus) -> _PendingFacts:
    """What Druid says about why it has not started the task: the arguments of
    `describe_pending` / `explain_pending`."""
    if status.state == "WAITING":
        holders = await svc.druid.lock_holders(status.task_id, task.datasource)
        return {"free_slots": None, "waiting_for_lock": True, "lock_holders": holders}
    return {
        "free_slots": await svc.druid.free_slots(),
        "ahead": await svc.druid.tasks_ahead(status.task_id),
        "running": await svc.druid.running_task_types(),
    }


async def _ingesting_for(svc: Services, task: Task) -> float:
    """Seconds since the task was handed to Druid (entered INGESTING)."""
    since = await svc.tasks.in_status_since(task.id, TaskStatus.INGESTING) or task.updated_at
    return (datetime.now(UTC) - since).total_seconds()


async def _past_tracking_deadline(svc: Services, task: Task, status: DruidTaskStatus) -> bool:
    """Fail the task (and stop the Druid task) once Druid has had it longer than
    `tracking_timeout_s`; False while there is time left."""
    limit = svc.settings.tracking_timeout_s
    waited = await _ingesting_for(svc, task)
    if waited <= limit:
        return False
    assert task.druid_task_id is not None
    await svc.druid.shutdown_task(task.druid_task_id)
    if status.state in ("PENDING", "WAITING"):
        explained = explain_pending(waited_s=waited, **await _pending_facts(svc, task, status))
        code, message = explained.code, explained.message
    else:
        code = "DRUID_TIMEOUT"
        message = (
            f"Druid's ingestion task {task.druid_task_id} was still running after "
            f"{waited:.0f} s (the limit, SLUICE_TRACKING_TIMEOUT_S, is {limit:.0f} s), so "
            "Sluice stopped it. Druid may be short of memory or task slots, or the file may be "
            "larger than the limit allows for; check the task log in Druid, then retry."
        )
    await svc.tasks.fail(
        task.id, stage=TaskStatus.INGESTING, code=code, message=message, retryable=True
    )
    return True


async def _druid_failed(svc: Services, task: Task, error_message: str | None) -> None:
    assert task.druid_task_id is not None
    explained = await svc.druid.explain_task_failure(task.druid_task_id)
    await svc.tasks.fail(
        task.id,
        stage=TaskStatus.INGESTING,
        code=explained.code,
        message=explained.message,
        retryable=explained.retryable,
        detail={"druid_error": error_message, "druid_detail": explained.detail},
    )


async def _ingestion_succeeded(svc: Services, task: Task) -> str:
    """Check the row accounting, then wait for hand-off (PUBLISHING)."""
    assert task.druid_task_id is not None and task.staged is not None
    report = await svc.druid.task_report(task.druid_task_id)
    if report is None:
        return "retry"  # reports can lag the status for a moment
    ingested = report.processed + report.processed_with_error
    thrown_away = report.unparseable + report.thrown_away
    quarantined = task.rows_quarantined or 0
    rows_total = task.rows_total or 0
    if ingested + thrown_away + quarantined != rows_total:
        await svc.tasks.fail(
            task.id,
            stage=TaskStatus.INGESTING,
            code="ACCOUNTING_MISMATCH",
            message=(
                f"Row counts do not add up: the file has {rows_total:,} rows but Druid "
                f"ingested {ingested:,}, threw away {thrown_away:,} and {quarantined:,} were "
                "quarantined. The data may be incomplete; this is a bug in Sluice or Druid. "
                "Report it with the task id."
            ),
            retryable=False,
            update=TaskUpdate(rows_ingested=ingested, rows_thrown_away=thrown_away),
        )
        return "failed"
    message = f"Druid ingested {ingested:,} rows; waiting until they are queryable"
    if thrown_away:
        message += f" ({thrown_away:,} rows rejected by Druid: {report.reason_summary()})"
    await svc.tasks.transition(
        task.id,
        TaskStatus.PUBLISHING,
        progress=0.0,
        message=message,
        update=TaskUpdate(rows_ingested=ingested, rows_thrown_away=thrown_away),
    )
    return await _follow_handoff(
        svc, await _reload(svc, task.id), confirmed_by_task=bool(report.segments_available)
    )


async def _reload(svc: Services, task_id: str) -> Task:
    return await svc.tasks.require(task_id)


async def _queryable(svc: Services, task: Task, *, confirmed_by_task: bool) -> bool:
    """Segments loaded on a Historical *and* the Broker answers SQL about the datasource.
    Reading the catalog through Druid SQL is that proof, and records what Druid now serves.

    When the Druid task itself confirmed its segments loaded, the Coordinator is not asked
    (its load status forces a full metadata poll, heavy on a big cluster).
    """
    if not confirmed_by_task:
        percent = await svc.druid.load_status(task.datasource)
        if percent is not None and percent < 100.0:
            if round(percent / 100, 2) != round(task.progress, 2):
                await svc.tasks.transition(
                    task.id,
                    TaskStatus.PUBLISHING,
                    progress=round(percent / 100, 2),
                    message=f"Druid historicals have loaded {percent:.0f} % of the segments",
                )
            return False
    try:
        await refresh_dataset_from_druid(
            svc.db,
            svc.broker,
            task.datasource,
            task_id=task.id,
            has_time_column=bool(task.profile and task.profile.timestamp.column),
        )
    except DatasourceNotInDruid:
        return False  # the Broker has not seen the new segments yet
    return True


async def _follow_handoff(svc: Services, task: Task, *, confirmed_by_task: bool = False) -> str:
    if await _queryable(svc, task, confirmed_by_task=confirmed_by_task):
        await svc.tasks.transition(
            task.id,
            TaskStatus.SUCCEEDED,
            progress=1.0,
            message=f"{task.rows_ingested or 0:,} rows are queryable in '{task.datasource}'",
        )
        return "succeeded"
    since = await svc.tasks.in_status_since(task.id, TaskStatus.PUBLISHING) or task.updated_at
    waited = (datetime.now(UTC) - since).total_seconds()
    if waited <= svc.settings.druid_handoff_timeout_s:
        return "retry"
    await svc.tasks.fail(
        task.id,
        stage=TaskStatus.PUBLISHING,
        code="HANDOFF_TIMEOUT",
        message=(
            f"Druid ingested the rows but they were not queryable within "
            f"{svc.settings.druid_handoff_timeout_s:.0f} s. Check the Druid Historical "
            "(disk space, segment cache) and the Broker, then retry."
        ),
        retryable=True,
    )
    return "failed"
