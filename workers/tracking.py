"""Following a Druid task until its data is really queryable.

`track_task` is a short arq job that looks once and, while Druid is still busy, asks arq to run
it again later (`Retry(defer=…)`): no worker slot is held while Druid works.
"""

from __future__ import annotations

import dataclasses
import json
import logging
from datetime import UTC, datetime
from typing import TypedDict

from arq import Retry

from core import metrics
from core.auth.naming import visible_name
from core.catalog import DatasourceNotInDruid, refresh_dataset_from_druid
from core.druid.client import DruidTaskStatus
from core.druid.errors import DruidUnavailable
from core.druid.failures import describe_pending, explain_pending
from core.druid.segments import remove_upload
from core.druid.spec import task_intervals
from core.model import Task, TaskStatus, WriteMode
from core.reconcile import Difference, Reconciliation, reconcile_upload
from core.services import Services
from core.settings import Settings
from core.task_rows import TaskUpdate
from workers.jobs import Job, task_job
from workers.mismatch import with_first_rows

log = logging.getLogger(__name__)


TRACK_JOB_TIMEOUT_S = 60  # one look at Druid; a few HTTP calls


def track_tries(settings: Settings) -> int:
    """arq's try limit for `track_task`, above what the deadlines allow, so the deadlines
    decide."""
    return tries_within(settings.tracking_timeout_s + settings.druid_handoff_timeout_s)


def tries_within(budget_s: float) -> int:
    """A try limit for a job that re-runs itself with `backoff` for up to `budget_s`: every
    look is at least 1 s apart after the first two, 3 s after a minute."""
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


def running_message(processed: int, total: int, *, progress: float) -> str:
    """The stage of a running Druid task. Druid counts no rows while it builds and publishes
    segments after reading them all: that is not "starting" again."""
    if processed:
        return f"Druid is ingesting: {processed:,} of {total:,} rows read"
    if progress > 0:
        return "Druid has read the rows and is writing its segments"
    return "Druid task is starting"


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
            message = running_message(processed, total, progress=task.progress)
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
    detail = {"druid_error": error_message, "druid_detail": explained.detail}
    await svc.tasks.fail_with(task.id, explained, stage=TaskStatus.INGESTING, detail=detail)


async def _ingestion_succeeded(svc: Services, task: Task) -> str:
    """Record Druid's row counts, each apart, then wait for hand-off (PUBLISHING), where the
    rows are reconciled with the profile (core/reconcile.py)."""
    assert task.druid_task_id is not None and task.staged is not None
    report = await svc.druid.task_report(task.druid_task_id)
    if report is None:
        return "retry"  # reports can lag the status for a moment
    counts = TaskUpdate(
        rows_ingested=report.processed,
        rows_processed_with_error=report.processed_with_error,
        rows_unparseable=report.unparseable,
        rows_thrown_away=report.thrown_away,
    )
    if report.rows_ingested == 0 and task.staged.rows:  # no segments to wait for
        rows = Difference("", "rows", task.staged.rows, 0)
        verdict = Reconciliation(task.staged.rows, 0, (rows,))
        await _reject(svc, task, verdict, update=counts)
        return "failed"
    message = f"Druid ingested {report.rows_ingested:,} rows; waiting until they are queryable"
    problems = report.processed_with_error + report.unparseable + report.thrown_away
    if problems:
        message += f" (Druid reports {problems:,} rows it could not read fully: "
        message += f"{report.reason_summary()})"
    await svc.tasks.transition(
        task.id, TaskStatus.PUBLISHING, progress=0.0, message=message, update=counts
    )
    return await _follow_handoff(
        svc, await _reload(svc, task.id), confirmed_by_task=bool(report.segments_available)
    )


async def _reconciled(svc: Services, task: Task) -> Reconciliation | None:
    """The upload's rows in Druid compared with the profile, or None while the Broker does
    not serve all the rows Druid reported ingested yet."""
    assert task.profile is not None and task.staged is not None
    verdict = await reconcile_upload(
        svc.broker,
        datasource=task.datasource,
        upload_id=task.upload_id,
        profile=task.profile,
        rows=task.staged.rows,
    )
    # Druid's count also holds the rows an exact REPLACE kept (core/druid/replace.py).
    landed = (task.rows_ingested or 0) + (task.rows_processed_with_error or 0)
    return None if verdict.rows_found < min(landed, task.staged.rows) else verdict


async def _reject(
    svc: Services, task: Task, verdict: Reconciliation, *, update: TaskUpdate | None = None
) -> None:
    """Take the upload's rows out of Druid again, then fail the task with what differs
    (the first differing rows are looked up before the rows go)."""
    verdict = await with_first_rows(svc, task, verdict)
    removed = await _remove_rows(svc, task)
    # Druid's own counts stay as reported; none of the rows stays queryable.
    counts = dataclasses.replace(update or TaskUpdate(), rows_ingested=0)
    await svc.tasks.fail(
        task.id,
        stage=task.status,
        code="RECONCILIATION_MISMATCH",
        message=verdict.message(),
        retryable=False,
        update=counts,
        detail={
            "differences": [dataclasses.asdict(d) for d in verdict.differences],
            "rows": [dataclasses.asdict(r) for r in verdict.rows],
            "segments_removed": removed,
        },
    )


async def _remove_rows(svc: Services, task: Task) -> int:
    """Take the upload's rows out of Druid (core.druid.segments); the number of segments."""
    assert task.druid_task_id is not None and task.staged is not None and task.profile
    replaced_since, intervals = None, []
    if task.options.mode == WriteMode.REPLACE:
        status = await svc.druid.task_status(task.druid_task_id)
        replaced_since = status.created_time  # (None: only segments holding its rows)
        intervals = task_intervals(task.profile, task.staged, task.options.mode)
    return await remove_upload(
        svc.druid,
        svc.broker,
        datasource=task.datasource,
        upload_id=task.upload_id,
        replaced_since=replaced_since,
        intervals=intervals,
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
        verdict = await _reconciled(svc, task)
        if verdict is not None and not verdict.matches:
            await _reject(svc, task, verdict)
            return "failed"
        if verdict is not None:
            await svc.tasks.transition(
                task.id,
                TaskStatus.SUCCEEDED,
                progress=1.0,
                message=(
                    f"{verdict.rows_found:,} rows are queryable in "
                    f"'{visible_name(task.datasource)}' and match the file, column by column"
                ),
                update=TaskUpdate(rows_ingested=verdict.rows_found),
            )
            return "succeeded"
    since = await svc.tasks.in_status_since(task.id, TaskStatus.PUBLISHING) or task.updated_at
    waited = (datetime.now(UTC) - since).total_seconds()
    if waited <= svc.settings.druid_handoff_timeout_s:
        return "retry"
    await _remove_rows(svc, task)
    await svc.tasks.fail(
        task.id,
        stage=TaskStatus.PUBLISHING,
        code="HANDOFF_TIMEOUT",
        message=(
            f"Druid ingested the rows but they were not all queryable within "
            f"{svc.settings.druid_handoff_timeout_s:.0f} s, so the ones that were have been "
            "removed again. Check the Druid Historical (disk space, segment cache) and the "
            "Broker, then retry."
        ),
        retryable=True,
    )
    return "failed"
