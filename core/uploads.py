"""Accepting an upload: checks that need no worker, then the task record and the queued job."""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from core import metrics, queue
from core.auth import Workspace
from core.auth.naming import druid_name, name_problem
from core.catalog import deletion_of
from core.db import Executor
from core.duplicates import DUPLICATE_FILE, duplicate_message, find_earlier, needs_check
from core.errors import ErrorCode
from core.formats import known_binary
from core.model import REQUESTABLE_TYPES, IngestOptions, Task, TaskKind
from core.names import datasource_name_problem, safe_filename
from core.settings import Settings
from core.storage import StoredObject

if TYPE_CHECKING:
    from core.services import Services

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class UploadRejection:
    code: str
    message: str
    filename: str | None = None


@dataclass(slots=True)
class ReceivedFile:
    """A file part of a multipart request, already streamed into the object store.

    `claimed` turns true once a task owns the raw object; the request handler deletes every
    unclaimed object when the request ends, so a rejected or failed upload leaves nothing.
    """

    upload_id: str
    filename: str
    content_type: str | None
    stored: StoredObject | None = None
    too_large: bool = False
    claimed: bool = field(default=False)


def new_id() -> str:
    return uuid.uuid4().hex


def raw_key(upload_id: str, filename: str | None) -> str:
    return f"uploads/{upload_id}/{safe_filename(filename)}"


def quick_rejection(
    received: ReceivedFile, *, datasource: str, options: IngestOptions, settings: Settings
) -> UploadRejection | None:
    """Problems we can name at once, before queueing any work."""
    name = received.filename
    stored = received.stored
    return (
        name_rejection(datasource, name)
        or options_rejection(options, name)
        or (too_large(name, settings) if received.too_large else None)
        or (empty_file(name) if stored is None or stored.size == 0 else None)
        or content_rejection(name, stored.head if stored else b"")
    )


def name_rejection(datasource: str, filename: str | None) -> UploadRejection | None:
    problem = datasource_name_problem(datasource)
    return UploadRejection("INVALID_DATASOURCE", problem, filename) if problem else None


def workspace_name_rejection(
    workspace: Workspace, datasource: str, filename: str | None
) -> UploadRejection | None:
    problem = name_problem(workspace.druid_prefix, datasource)
    return UploadRejection("INVALID_DATASOURCE", problem, filename) if problem else None


def options_rejection(options: IngestOptions, filename: str | None) -> UploadRejection | None:
    """Options no CSV reader (Polars' or Druid's) can work with, or column types that
    contradict themselves."""
    problem = _column_types_problem(options)
    if problem is not None:
        return UploadRejection("INVALID_OPTIONS", problem, filename)
    delimiter = options.delimiter
    if delimiter is None:
        return None
    if len(delimiter) != 1:
        problem = f"The delimiter {delimiter!r} is not a single character."
    elif delimiter == '"':
        problem = "The delimiter cannot be '\"': that character quotes values in a CSV file."
    elif delimiter in "\r\n":
        problem = "The delimiter cannot be a line break: line breaks separate the rows."
    if problem is None:
        return None
    return UploadRejection(
        "INVALID_OPTIONS",
        f"{problem} Leave the delimiter empty to detect it, or pick one of , ; | or tab.",
        filename,
    )


def _column_types_problem(options: IngestOptions) -> str | None:
    names = [r.column for r in options.column_types]
    for request in options.column_types:
        if request.type not in REQUESTABLE_TYPES:
            return (
                f"The column '{request.column}' cannot be given the type {request.type}: a "
                "column can be set to LONG, DOUBLE or STRING (the time column is chosen with "
                "the timestamp column option). Change the type and upload again."
            )
        if names.count(request.column) > 1:
            return (
                f"The column '{request.column}' is given a type more than once. Keep one and "
                "upload again."
            )
        if request.column == options.timestamp_column:
            return (
                f"The column '{request.column}' is chosen as the time column and also given "
                f"the type {request.type}. Keep one of the two and upload again."
            )
    return None


def too_large(filename: str | None, settings: Settings) -> UploadRejection:
    limit_mb = settings.max_upload_bytes / 1024**2
    return UploadRejection(
        "FILE_TOO_LARGE",
        f"'{filename}' is larger than the upload limit of {limit_mb:,.0f} MB. Split the file, "
        "or ask an administrator to raise SLUICE_MAX_UPLOAD_BYTES.",
        filename,
    )


def empty_file(filename: str | None) -> UploadRejection:
    return UploadRejection(
        "EMPTY_FILE",
        f"'{filename}' is empty (0 bytes). Check that you picked the right file.",
        filename,
    )


def content_rejection(filename: str | None, head: bytes) -> UploadRejection | None:
    """A known non-table format, told by the first bytes. (Compressed files and zips are
    unpacked and checked by the worker, core/profiling/archives.py.)"""
    what = known_binary(head)
    if what is None:
        return None
    return UploadRejection(
        "UNSUPPORTED_FORMAT",
        f"'{filename}' is {what}, not a CSV, JSON, XLSX or Parquet file (Sluice looks at the "
        "content, not the name). Export the data as CSV, JSON Lines, XLSX or Parquet (gzip, "
        "zstd, bzip2, xz or zip around it is fine) and upload that.",
        filename,
    )


async def duplicate_rejection(
    db: Executor,
    *,
    filename: str | None,
    datasource: str,
    options: IngestOptions,
    size_bytes: int,
    sha256: str | None = None,
    fingerprint: str | None = None,
    shown_as: str | None = None,
) -> UploadRejection | None:
    """DUPLICATE_FILE when the same content already went into `datasource` (its Druid name;
    `shown_as` is the name the workspace uses, for the message) (core.duplicates), and
    DATASET_BEING_DELETED while a DELETE task works on it (its rows would be deleted too)."""
    deletion = await deletion_of(db, datasource)
    if deletion is not None:
        return UploadRejection(
            ErrorCode.DATASET_BEING_DELETED,
            f"The dataset '{shown_as or datasource}' is being deleted (task {deletion}). Upload "
            "into it again once that task has finished: the name is free then.",
            filename,
        )
    if not needs_check(options):
        return None
    earlier = await find_earlier(
        db, datasource=datasource, size_bytes=size_bytes, sha256=sha256, fingerprint=fingerprint
    )
    if earlier is None:
        return None
    return UploadRejection(
        DUPLICATE_FILE, duplicate_message(filename, shown_as or datasource, earlier), filename
    )


async def fixes_rejection(
    svc: Services,
    *,
    options: IngestOptions,
    datasource: str,
    workspace: Workspace,
    filename: str | None,
) -> UploadRejection | None:
    """INVALID_OPTIONS when `options.fixes_task` names no upload of this workspace into the
    same datasource that set rows aside: the link would be meaningless."""
    if options.fixes_task is None:
        return None
    fixed = await svc.tasks.get(options.fixes_task, workspace_id=workspace.id)
    problem = None
    if fixed is None or fixed.kind != TaskKind.INGEST:
        problem = f"there is no upload task {options.fixes_task}"
    elif fixed.datasource != druid_name(workspace.druid_prefix, datasource):
        problem = f"task {fixed.id} went into another dataset"
    elif not fixed.quarantine_key:
        problem = f"task {fixed.id} set no rows aside"
    if problem is None:
        return None
    return UploadRejection(
        "INVALID_OPTIONS",
        f"This file cannot be marked as fixing task {options.fixes_task}: {problem}. Upload it "
        "without `fixesTask`, or name the task whose quarantined rows it fixes (the dataset "
        "page lists them).",
        filename,
    )


async def accept_upload(
    svc: Services,
    *,
    received: ReceivedFile,
    datasource: str,
    options: IngestOptions,
    workspace: Workspace,
) -> Task | UploadRejection:
    """Turn a received file into a QUEUED task and its job, or a rejection (raw object removed).
    `datasource` is the name the workspace's members use; Druid gets the prefixed name."""
    filename = received.filename
    rejection = workspace_name_rejection(workspace, datasource, received.filename) or (
        quick_rejection(received, datasource=datasource, options=options, settings=svc.settings)
    )
    if rejection is None:
        rejection = await fixes_rejection(
            svc, options=options, datasource=datasource, workspace=workspace, filename=filename
        )
    if rejection is None:
        outcome = await _record(svc, received, options, to=datasource, by=workspace)
        if isinstance(outcome, Task):
            received.claimed = True
            metrics.upload_received("ACCEPTED", outcome.size_bytes)
            log.info("upload %s accepted: task %s", received.upload_id, outcome.id)
            await start_processing(svc, outcome)
            return outcome
        rejection = outcome
    metrics.upload_received(rejection.code, received.stored.size if received.stored else 0)
    log.info("upload %s rejected: %s", received.upload_id, rejection.code)
    return rejection  # the request handler deletes the unclaimed raw object


async def _record(
    svc: Services, received: ReceivedFile, options: IngestOptions, *, to: str, by: Workspace
) -> Task | UploadRejection:
    """The duplicate check and the task record under the dataset's claim: of two identical
    uploads at the same moment, the second sees the first. `to`: the dataset's name in
    workspace `by`."""
    stored = received.stored
    assert stored is not None  # (no stored object is a quick rejection)
    druid = druid_name(by.druid_prefix, to)
    async with svc.tasks.claim(druid) as claim:
        rejection = await duplicate_rejection(
            claim.conn,
            filename=received.filename,
            datasource=druid,
            shown_as=to,
            options=options,
            size_bytes=stored.size,
            sha256=stored.sha256,
        )
        if rejection is not None:
            return rejection
        return await svc.tasks.create(
            upload_id=received.upload_id,
            task_id=new_id(),
            filename=received.filename,
            content_type=received.content_type,
            size_bytes=stored.size,
            sha256=stored.sha256,
            raw_key=stored.key,
            datasource=druid,
            options=options,
            workspace_id=by.id,
            within=claim,
        )


async def start_processing(svc: Services, task: Task) -> None:
    """Queue the first run of a new task's pipeline."""
    await queue.enqueue_step(svc, task, function=queue.PROCESS)
