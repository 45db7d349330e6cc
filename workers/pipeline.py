"""The ingestion pipeline job: validate and profile → stage → submit to Druid.

Each step is idempotent (deterministic S3 keys, deterministic Druid task id per attempt), and
the task's state in PostgreSQL says where to resume, so a worker killed at any point can be
replaced without losing or duplicating data.
"""

from __future__ import annotations

import asyncio
import logging
import shutil
from dataclasses import replace
from pathlib import Path
from typing import Any

from core import logs, queue, storage
from core.auth.naming import visible_name
from core.catalog import current_columns
from core.druid.client import TaskRejected
from core.druid.errors import DruidUnavailable
from core.druid.rejections import explain_rejection
from core.druid.replace import exact_replace
from core.druid.spec import build_ingestion_spec, column_name_problem
from core.errors import ErrorCode, clean_foreign_text
from core.model import Profile, StagedData, Task, TaskError, TaskStatus, WriteMode
from core.names import safe_filename
from core.profiling import InputRejected, Limits, ValidationResult, validate_file
from core.profiling.schema_diff import change_notes, conflict_message, schema_changes
from core.services import Services
from core.task_rows import TaskUpdate
from workers.jobs import Job, task_job

log = logging.getLogger(__name__)

STAGED_FORMAT = "csv"
# The validator's step names, as a person reads them in the task timeline.
STEP_MESSAGES = {
    "detecting": "Detecting the format and encoding",
    "inferring": "Inferring column types from a sample",
    "checking": "Checking every row and profiling the columns",
    "repairing": "Setting aside rows with broken quoting",
    "staging": "Writing the valid rows for Druid",
    "sorting": "Setting aside the rows that cannot be ingested and writing the valid ones",
    "done": "Validation finished",
}  # Druid 25 here has no Parquet reader; see docs/decisions.md


def druid_task_id(task: Task) -> str:
    """Deterministic per attempt: resubmitting after a crash is a no-op in Druid."""
    return f"sluice_{task.id}_{task.attempt}"


def staged_prefix(task: Task, *, every_attempt: bool = False) -> str:
    """Where the staged parts of this attempt go (`every_attempt`: of all the task's attempts)."""
    return storage.staged_prefix(task.datasource, task.id, None if every_attempt else task.attempt)


@task_job
async def process_task(job: Job, task: Task) -> str:
    """arq job: carry a task from wherever it is to INGESTING, then hand over to tracking.
    Every step starts again from the state in PostgreSQL, so a resumed task picks up there."""
    svc = job.services
    if task.status in (TaskStatus.QUEUED, TaskStatus.VALIDATING, TaskStatus.STAGING):
        staged = await _validate_and_stage(svc, task)
        if staged is None:
            return "rejected"
        task = staged
    if task.status != TaskStatus.SUBMITTING:
        return f"nothing to do in {task.status.value}"  # tracking owns the task from here
    submitted = await _submit(svc, task)
    if submitted is None:
        return "not submitted"
    await _start_tracking(job, submitted)
    return "submitted"


async def _start_tracking(job: Job, task: Task) -> None:
    """Queue tracking and hand it this job's lease (it may start before this job ends)."""
    svc = job.services
    tracker = queue.job_id(queue.TRACK, task.id, task.attempt, task.resumes)
    await svc.leases.hand_over(task.id, job.job_id, to=tracker, ttl_s=svc.settings.lease_ttl_s)
    await queue.enqueue_step(svc, task, function=queue.TRACK, resume=task.resumes, defer_s=0.5)


async def _validate_and_stage(svc: Services, task: Task) -> Task | None:
    """Validate, profile and stage the file. A task found in STAGING (its worker died while
    uploading the staged parts) validates again without leaving STAGING: the staged keys
    are deterministic, so the parts are simply written again."""
    work = svc.settings.work_dir / task.id
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    phase = TaskStatus.STAGING if task.status == TaskStatus.STAGING else TaskStatus.VALIDATING
    try:
        task = await svc.tasks.transition(
            task.id,
            phase,
            progress=0.0,
            message="Reading the file"
            if phase == TaskStatus.VALIDATING
            else "Reading the file again to finish staging it",
        )
        # Keep the client's file name: its suffix helps tell a damaged .xlsx from other zips.
        # (In a folder of its own: a file named "out" would take the outputs' folder.)
        (work / "upload").mkdir()
        raw_path = work / "upload" / safe_filename(task.filename)
        try:
            await svc.store.download(task.raw_key, raw_path)
        except storage.ObjectMissing:
            await svc.tasks.fail_with(task.id, file_missing(task), stage=TaskStatus.VALIDATING)
            return None
        try:
            result = await _run_validation(svc, task, phase, raw_path, work / "out")
        except InputRejected as exc:
            rejected = TaskError(exc.code, exc.message, retryable=False)
            await svc.tasks.fail_with(task.id, rejected, stage=TaskStatus.VALIDATING)
            return None
        profile = await _with_schema_changes(svc, task, result.profile)
        if profile is None:
            return None
        problem = column_name_problem(profile)
        if problem is not None:  # Druid would refuse the spec: say so before staging
            invalid = TaskError("UNSUPPORTED_COLUMN_NAME", problem, retryable=False)
            update = TaskUpdate(profile=profile, rows_total=profile.rows_total)
            await svc.tasks.fail_with(task.id, invalid, stage=TaskStatus.VALIDATING, update=update)
            return None
        task = await svc.tasks.transition(
            task.id,
            TaskStatus.STAGING,
            progress=0.0,
            message=_staging_message(profile, reads_upload=result.reads_upload),
            update=TaskUpdate(
                profile=profile,
                rows_total=profile.rows_total,
                rows_quarantined=profile.rows_quarantined,
            ),
        )
        staged, quarantine_key = await _upload_outputs(svc, task, result)
        return await svc.tasks.transition(
            task.id,
            TaskStatus.SUBMITTING,
            progress=0.0,
            message="Submitting the ingestion to Druid",
            update=TaskUpdate(staged=staged, quarantine_key=quarantine_key),
        )
    finally:
        shutil.rmtree(work, ignore_errors=True)


def file_missing(task: Task) -> TaskError:
    """The upload's file is gone from the object store: nothing to retry, upload it again."""
    return TaskError(
        ErrorCode.FILE_REMOVED,
        f"The uploaded file '{task.filename}' is no longer in storage (it was removed, or the "
        "storage lost it), so Sluice cannot read it. Upload the file again.",
        retryable=False,
    )


async def _with_schema_changes(svc: Services, task: Task, profile: Profile) -> Profile | None:
    """The profile with how its columns differ from the dataset's (a note for each), or None
    when the task failed SCHEMA_CONFLICT: a type change that would lose values, unless the
    person chose to go on (`allow_type_change`)."""
    columns = await current_columns(svc.db, svc.broker, task.datasource)
    if columns is None:
        return profile  # a new dataset: nothing to compare with
    changes = schema_changes(columns, profile)
    profile = replace(
        profile, schema_changes=changes, warnings=(*profile.warnings, *change_notes(changes))
    )
    if changes.losing and not task.options.allow_type_change:
        message = conflict_message(changes.losing, datasource=visible_name(task.datasource))
        conflict = TaskError(ErrorCode.SCHEMA_CONFLICT, message, retryable=False)
        update = TaskUpdate(profile=profile, rows_total=profile.rows_total)
        await svc.tasks.fail_with(task.id, conflict, stage=TaskStatus.VALIDATING, update=update)
        return None
    return profile


def _staging_message(profile: Profile, *, reads_upload: bool) -> str:
    if reads_upload:
        return (
            f"All {profile.rows_valid:,} rows are valid; Druid reads the file as uploaded "
            "(no staged copy needed)"
        )
    message = f"Staging {profile.rows_valid:,} valid rows for Druid"
    if profile.rows_quarantined:
        message += f"; {profile.rows_quarantined:,} rows quarantined"
    return message


async def _run_validation(
    svc: Services, task: Task, phase: TaskStatus, raw_path: Path, out_dir: Path
) -> ValidationResult:
    """Run the (CPU-bound, synchronous) validator in a thread, relaying its progress."""
    out_dir.mkdir()
    loop = asyncio.get_running_loop()
    settings = svc.settings
    limits = Limits(
        max_columns=settings.max_columns,
        max_xlsx_uncompressed_bytes=settings.max_xlsx_uncompressed_bytes,
        max_column_name_length=settings.max_column_name_length,
        max_decompressed_bytes=settings.max_decompressed_bytes,
        max_decompression_ratio=settings.max_decompression_ratio,
        max_json_record_bytes=settings.max_json_record_bytes,
    )

    pending: list[Any] = []
    # Coroutines scheduled from the thread start in order; the FIFO lock keeps their events
    # in that order too (each awaits the database, so they could otherwise overtake).
    in_order = asyncio.Lock()

    async def record(step: str, fraction: float) -> None:
        async with in_order:
            await svc.tasks.transition(
                task.id,
                phase,
                progress=round(fraction, 3),
                message=STEP_MESSAGES.get(step, step.capitalize()),
            )

    last: tuple[str, float] = ("", -1.0)

    def on_progress(step: str, fraction: float) -> None:
        nonlocal last
        if step == last[0] and fraction - last[1] < 0.05:
            return  # throttle: one event per 5 % per step is plenty for a progress bar
        last = (step, fraction)
        pending.append(asyncio.run_coroutine_threadsafe(record(step, fraction), loop))

    try:
        return await asyncio.to_thread(
            validate_file,
            raw_path,
            options=task.options,
            limits=limits,
            out_dir=out_dir,
            on_progress=on_progress,
        )
    finally:
        # Progress events must land before the next state change, never after it.
        await asyncio.gather(*(asyncio.wrap_future(f) for f in pending), return_exceptions=True)


async def _upload_outputs(
    svc: Services, task: Task, result: ValidationResult
) -> tuple[StagedData, str | None]:
    prefix = staged_prefix(task)
    # A crashed try of this attempt may have left parts, and an earlier attempt (failed, then
    # retried) its whole staged copy, which nothing reads any more.
    await svc.store.delete_prefix(staged_prefix(task, every_attempt=True))
    uris = []
    if result.reads_upload:  # a clean CSV Druid reads as it was uploaded: no copy needed
        uris.append(svc.store.uri(task.raw_key))
    for number, path in enumerate(result.staged_files):
        key = f"{prefix}part-{number:04d}.{STAGED_FORMAT}"
        await svc.store.put_file(key, path, content_type="text/csv")
        uris.append(svc.store.uri(key))
    quarantine_key = None
    if result.quarantine_file is not None:
        quarantine_key = f"quarantine/{task.id}/rows.csv"
        await svc.store.put_file(quarantine_key, result.quarantine_file, content_type="text/csv")
    return result.staged_data(tuple(uris), staged_format=STAGED_FORMAT), quarantine_key


async def _submit(svc: Services, task: Task) -> Task | None:
    assert task.profile is not None and task.staged is not None
    druid_id = druid_task_id(task)
    logs.bind(druid_task=druid_id)
    spec = build_ingestion_spec(
        task_id=druid_id,
        upload_id=task.upload_id,
        datasource=task.datasource,
        profile=task.profile,
        staged=task.staged,
        mode=task.options.mode,
        settings=svc.settings,
    )
    try:
        if task.options.mode == WriteMode.REPLACE:  # keep the chunks' rows outside its range
            spec = await exact_replace(
                svc.broker, spec, datasource=task.datasource, profile=task.profile,
                upload_id=task.upload_id,
            )  # fmt: skip
        await svc.druid.submit_task(spec)
    except TaskRejected as exc:
        explained = explain_rejection(exc.druid_message)
        detail = {"druid_error": exc.druid_message[:2000], "http_status": exc.status}
        await svc.tasks.fail_with(task.id, explained, stage=TaskStatus.SUBMITTING, detail=detail)
        return None
    except DruidUnavailable as exc:
        message = (
            f"Druid is unreachable at {svc.settings.druid_overlord_url} "
            f"({clean_foreign_text(exc.detail)}). The file "
            "is validated and staged, nothing is lost: retry once Druid is running "
            "(`make run` starts it)."
        )
        unreachable = TaskError("DRUID_UNAVAILABLE", message, retryable=True)
        await svc.tasks.fail_with(task.id, unreachable, stage=TaskStatus.SUBMITTING)
        return None
    return await svc.tasks.transition(
        task.id,
        TaskStatus.INGESTING,
        progress=0.0,
        message=f"Druid task {druid_id} accepted; waiting for it to start",
        update=TaskUpdate(druid_task_id=druid_id),
    )
