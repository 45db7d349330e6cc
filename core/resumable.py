"""Resumable uploads that go from the client straight to S3, for files too large to stream
through one request without risk.

The client asks for a session (`start`): Sluice opens an S3 multipart upload and hands out
presigned URLs, one per part. The client PUTs the parts, in any order and as often as it
needs to; after an interruption it asks the session which parts S3 already holds
(`uploaded`) and sends only the others, with fresh URLs. `complete` then lists the parts on
S3 itself (the client sends no ETags, so a browser needs no CORS header exposure), checks the
size and the first bytes, and creates the upload and its QUEUED task exactly as a streamed
upload does. Completing twice returns the same task.
"""

from __future__ import annotations

import contextlib
import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import asyncpg

from core import metrics
from core.auth import Workspace
from core.auth.naming import druid_name
from core.duplicates import parts_fingerprint, record_fingerprint
from core.mirror import mirror
from core.model import IngestOptions, Task
from core.storage import HEAD_BYTES, ObjectStore
from core.task_rows import options_from_json, options_to_json
from core.uploads import (
    UploadRejection,
    content_rejection,
    duplicate_rejection,
    empty_file,
    fixes_rejection,
    name_rejection,
    new_id,
    options_rejection,
    raw_key,
    start_processing,
    too_large,
    workspace_name_rejection,
)

if TYPE_CHECKING:
    from core.services import Services

MAX_PARTS = 10_000  # S3's limit
URL_TTL_S = 6 * 3600


@dataclass(frozen=True, slots=True)
class Session:
    id: str
    filename: str
    content_type: str | None
    size_bytes: int
    part_size: int
    raw_key: str
    s3_upload_id: str
    datasource: str  # the Druid name (core/auth/naming.py)
    options: IngestOptions
    task_id: str | None
    aborted: bool
    workspace_id: str

    @property
    def part_count(self) -> int:
        return max(1, math.ceil(self.size_bytes / self.part_size))

    def part_bytes(self, number: int) -> int:
        """The size part `number` must have (the last one takes the rest)."""
        if number < self.part_count:
            return self.part_size
        return self.size_bytes - self.part_size * (self.part_count - 1)


def part_size_for(size_bytes: int, *, min_part_bytes: int) -> int:
    """At least `min_part_bytes` (8 MiB by default: Settings.upload_min_part_bytes), and large
    enough for the file to fit in S3's 10,000 parts (whole MiB)."""
    needed = math.ceil(size_bytes / MAX_PARTS / 1024**2) * 1024**2
    return max(min_part_bytes, needed)


async def start(
    svc: Services,
    *,
    filename: str,
    size_bytes: int,
    content_type: str | None,
    datasource: str,
    options: IngestOptions,
    workspace: Workspace,
) -> Session | UploadRejection:
    """Open a session for a file of `size_bytes` into the workspace's dataset `datasource`,
    or say at once why it would be rejected."""
    settings = svc.settings
    rejection = (
        workspace_name_rejection(workspace, datasource, filename)
        or name_rejection(datasource, filename)
        or options_rejection(options, filename)
    )
    if rejection is None and size_bytes > settings.max_upload_bytes:
        rejection = too_large(filename, settings)
    if rejection is None and size_bytes <= 0:
        rejection = empty_file(filename)
    if rejection is None:
        rejection = await fixes_rejection(
            svc, options=options, datasource=datasource, workspace=workspace, filename=filename
        )
    if rejection is not None:
        metrics.upload_received(rejection.code, 0)  # refused before any byte was sent
        return rejection
    session_id = new_id()
    key = raw_key(session_id, filename)
    s3_upload_id = await svc.store.start_multipart(key, content_type=content_type)
    row = await svc.db.fetchrow(
        "INSERT INTO upload_sessions (id, filename, content_type, size_bytes, part_size,"
        " raw_key, s3_upload_id, datasource, options, workspace_id) VALUES ($1, $2, $3, $4, $5,"
        " $6, $7, $8, $9, $10) RETURNING *",
        session_id,
        filename,
        content_type,
        size_bytes,
        part_size_for(size_bytes, min_part_bytes=settings.upload_min_part_bytes),
        key,
        s3_upload_id,
        druid_name(workspace.druid_prefix, datasource),
        options_to_json(options),
        workspace.id,
    )
    return _session(row)


async def get(pool: asyncpg.Pool, session_id: str, *, workspace_id: str) -> Session | None:
    """The workspace's session `session_id` (another workspace's looks missing)."""
    row = await pool.fetchrow(
        "SELECT * FROM upload_sessions WHERE id = $1 AND workspace_id = $2",
        session_id,
        workspace_id,
    )
    return _session(row) if row else None


async def part_urls(
    store: ObjectStore, session: Session, *, first: int, count: int
) -> list[tuple[int, str]]:
    """(number, presigned PUT URL) of up to `count` parts from part `first` on."""
    last = min(session.part_count, first + count - 1)
    return [
        (
            n,
            await store.presigned_part(
                session.raw_key, session.s3_upload_id, n, expires_s=URL_TTL_S
            ),
        )
        for n in range(max(1, first), last + 1)
    ]


async def uploaded(store: ObjectStore, session: Session) -> list[int]:
    """Numbers of the parts S3 holds with their full size (a cut-off part must be resent)."""
    if session.task_id is not None or session.aborted:
        return []
    return sorted(await _full_parts(store, session))


async def _full_parts(store: ObjectStore, session: Session) -> dict[int, tuple[int, str, int]]:
    """The parts S3 holds with the size the session expects, by number. A part sent twice may
    be listed twice (SeaweedFS keeps both): the full-size one is taken."""
    listed = await store.uploaded_parts(session.raw_key, session.s3_upload_id)
    return {
        n: (n, etag, size)
        for n, etag, size in listed
        if n <= session.part_count and size == session.part_bytes(n)
    }


async def complete(svc: Services, session: Session) -> Task | UploadRejection:
    """Assemble the parts into the raw object and queue its task (once)."""
    pool, store = svc.db, svc.store
    if session.task_id is not None:
        return await svc.tasks.require(session.task_id)
    if session.aborted:
        return UploadRejection(
            "UPLOAD_ABORTED",
            f"The upload of '{session.filename}' was cancelled. Start a new "
            "one to send the file again.",
            session.filename,
        )
    parts = await _full_parts(store, session)
    missing = [n for n in range(1, session.part_count + 1) if n not in parts]
    if missing:
        shown = ", ".join(map(str, missing[:20])) + (" …" if len(missing) > 20 else "")
        return UploadRejection(
            "INCOMPLETE_UPLOAD",
            f"'{session.filename}' is not fully uploaded: part(s) {shown} of "
            f"{session.part_count} are missing or have the wrong size (each part is "
            f"{session.part_size:,} bytes, the last one the rest of the "
            f"{session.size_bytes:,}). Send those parts again, then complete the upload; the "
            "parts already sent are kept.",
            session.filename,
        )
    fingerprint = parts_fingerprint(session.size_bytes, [parts[n][1] for n in sorted(parts)])
    try:
        await store.complete_multipart(
            session.raw_key, session.s3_upload_id, [parts[n] for n in sorted(parts)]
        )
    except Exception:
        # Another request completed the same session a moment ago: S3 knows the upload no
        # more. Its task is the answer (retried with the same session id: not a duplicate).
        done = await _task_of_upload(svc, session.id)
        if done is None:
            raise
        return done
    outcome = content_rejection(
        session.filename, await store.read_head(session.raw_key, HEAD_BYTES)
    ) or await _record(svc, session, fingerprint=fingerprint)
    if isinstance(outcome, UploadRejection):  # its object is freed, as for any rejection
        await store.delete(session.raw_key)
        await _close(pool, session.id)
        metrics.upload_received(outcome.code, session.size_bytes)
    return outcome


async def _record(svc: Services, session: Session, *, fingerprint: str) -> Task | UploadRejection:
    """The duplicate check and the task record (with its fingerprint) under the dataset's
    claim, then its job: of two identical uploads completed at the same moment, the second
    sees the first."""
    task_id = new_id()
    try:
        async with svc.tasks.claim(session.datasource) as claim:
            duplicate = await duplicate_rejection(
                claim.conn,
                filename=session.filename,
                datasource=session.datasource,
                options=session.options,
                size_bytes=session.size_bytes,
                fingerprint=fingerprint,
            )
            if duplicate is not None:
                return duplicate
            task = await svc.tasks.create(
                upload_id=session.id,
                task_id=task_id,
                filename=session.filename,
                content_type=session.content_type,
                size_bytes=session.size_bytes,
                sha256=None,
                raw_key=session.raw_key,
                datasource=session.datasource,
                options=session.options,
                workspace_id=session.workspace_id,
                within=claim,
            )
            await claim.conn.execute(
                "UPDATE upload_sessions SET task_id = $2 WHERE id = $1", session.id, task_id
            )
            await record_fingerprint(claim.conn, session.id, fingerprint)
    except asyncpg.UniqueViolationError:  # the upload id is the session id: one task, ever
        done = await _task_of_upload(svc, session.id)
        assert done is not None
        return done
    metrics.upload_received("ACCEPTED", session.size_bytes)
    await start_processing(svc, task)
    return task


async def abort(svc: Services, session: Session) -> bool:
    """Cancel an unfinished session and free its parts; False if it was already completed."""
    if session.task_id is not None:
        return False
    if not session.aborted:
        await svc.store.abort_multipart(session.raw_key, session.s3_upload_id)
        await _close(svc.db, session.id)
    return True


async def expire(svc: Services) -> int:
    """Cancel sessions left unfinished for `upload_session_expire_hours` (their URLs expired
    long before), so abandoned parts do not stay in S3 for ever. Returns how many."""
    rows = await svc.db.fetch(
        "SELECT * FROM upload_sessions WHERE task_id IS NULL AND aborted_at IS NULL"
        " AND created_at < now() - make_interval(secs => $1)",
        svc.settings.upload_session_expire_hours * 3600,
    )
    for row in rows:
        session = _session(row)
        # (already gone on S3, completed by hand or aborted: just close the session)
        with contextlib.suppress(Exception):
            await svc.store.abort_multipart(session.raw_key, session.s3_upload_id)
        await _close(svc.db, session.id)
    return len(rows)


async def abort_orphans(svc: Services) -> int:
    """Abort multipart uploads under uploads/ older than `orphan_multipart_age_s` that no
    open session owns: an API process killed while streaming a file into S3 leaves one,
    and S3 keeps its parts (and bills them) until someone aborts it. Returns how many."""
    cutoff = datetime.now(UTC) - timedelta(seconds=svc.settings.orphan_multipart_age_s)
    listed = await svc.store.unfinished_multiparts("uploads/")
    owned = set(
        await svc.db.fetchval(
            "SELECT coalesce(array_agg(s3_upload_id), '{}') FROM upload_sessions"
            " WHERE task_id IS NULL AND aborted_at IS NULL"
        )
    )
    orphans = [u for u in listed if u.initiated < cutoff and u.upload_id not in owned]
    for upload in orphans:
        with contextlib.suppress(Exception):  # aborted or completed meanwhile
            await svc.store.abort_multipart(upload.key, upload.upload_id)
    return len(orphans)


async def _task_of_upload(svc: Services, upload_id: str) -> Task | None:
    task_id = await svc.db.fetchval("SELECT id FROM tasks WHERE upload_id = $1 LIMIT 1", upload_id)
    return await svc.tasks.get(task_id) if task_id else None


async def _close(pool: asyncpg.Pool, session_id: str) -> None:
    await pool.execute("UPDATE upload_sessions SET aborted_at = now() WHERE id = $1", session_id)


def _session(row: Any) -> Session:
    return mirror(
        Session,
        row,
        options=options_from_json(row["options"]),
        aborted=row["aborted_at"] is not None,
    )
