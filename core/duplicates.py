"""Refusing to load the same content into the same datasource twice by accident.

Appending a file that is already there doubles its rows without a word, so an upload whose
content matches one already loaded (or on its way) into the same datasource is rejected as
DUPLICATE_FILE, naming the earlier task, unless the client says `allowDuplicate: true`.
REPLACE is exempt: it overwrites the file's time range, so a second copy adds nothing.

Content identity: the SHA-256 of a streamed upload. The API never sees the bytes of a
resumable upload, so there it is the size plus S3's ETags of the parts (an MD5 per part):
the same file sent with the same part size gives the same fingerprint.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from core.db import Executor
from core.model import IngestOptions, TaskStatus, WriteMode

if TYPE_CHECKING:
    pass

DUPLICATE_FILE = "DUPLICATE_FILE"


@dataclass(frozen=True, slots=True)
class EarlierUpload:
    task_id: str
    filename: str
    status: TaskStatus
    created_at: datetime


def parts_fingerprint(size_bytes: int, etags: Sequence[str]) -> str:
    """The identity of a resumable upload's content: its size and its parts' ETags."""
    text = f"{size_bytes}:" + ",".join(etag.strip('"') for etag in etags)
    return hashlib.sha256(text.encode()).hexdigest()


def needs_check(options: IngestOptions) -> bool:
    return not options.allow_duplicate and options.mode == WriteMode.APPEND


async def find_earlier(
    db: Executor,
    *,
    datasource: str,
    size_bytes: int,
    sha256: str | None = None,
    fingerprint: str | None = None,
) -> EarlierUpload | None:
    """The newest task that loaded (or is loading) the same content into `datasource`;
    failed, cancelled and rolled-back uploads do not count, they left nothing behind."""
    row = await db.fetchrow(
        """
        SELECT t.id, u.filename, t.status, t.created_at
        FROM tasks t JOIN uploads u ON u.id = t.upload_id
        WHERE t.datasource = $1 AND u.size_bytes = $2
          AND (u.sha256 = $3 OR u.parts_fingerprint = $4)
          AND t.status <> ALL($5::text[]) AND t.kind = 'INGEST'
          AND t.dataset_deleted_by IS NULL  -- its dataset was deleted: nothing left either
          AND NOT EXISTS (SELECT 1 FROM tasks r  -- rolled back: nothing left behind either
                          WHERE r.target_task_id = t.id AND r.status = 'SUCCEEDED')
        ORDER BY t.created_at DESC LIMIT 1
        """,
        datasource,
        size_bytes,
        sha256,
        fingerprint,
        [TaskStatus.FAILED.value, TaskStatus.CANCELLED.value],
    )
    if row is None:
        return None
    return EarlierUpload(row["id"], row["filename"], TaskStatus(row["status"]), row["created_at"])


async def record_fingerprint(db: Executor, upload_id: str, fingerprint: str) -> None:
    await db.execute(
        "UPDATE uploads SET parts_fingerprint = $2 WHERE id = $1", upload_id, fingerprint
    )


def duplicate_message(filename: str | None, datasource: str, earlier: EarlierUpload) -> str:
    when = earlier.created_at.strftime("%Y-%m-%d %H:%M UTC")
    state = "already loaded" if earlier.status == TaskStatus.SUCCEEDED else "being loaded"
    return (
        f"'{filename}' has the same content as '{earlier.filename}', {state} into "
        f"'{datasource}' by task {earlier.task_id} ({when}). Loading it again would count "
        "every row twice. To overwrite that data use mode REPLACE; to load it a second time "
        "anyway, upload with options { allowDuplicate: true }."
    )
