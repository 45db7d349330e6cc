"""How long uploaded files stay in S3: raw uploads after retention, a deleted dataset's files
after a grace period.

An hourly worker job (workers/retention.py) removes, for finished uploads only (a task still
running is never touched):
- RETENTION: the raw upload and its staged copy, `raw_upload_retention_days` after the task
  ended. Druid keeps the rows; only a retry would need the file, and it then asks for the file
  again. The quarantine file stays (it is what a person fixes and uploads again).
- DATASET_DELETED: the raw upload, the staged copy and the quarantine file of every upload
  into a deleted dataset, `deleted_dataset_grace_hours` after its DELETE task succeeded.
The task records when and why (`files_removed_at`, `files_removed_reason`).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

from core.model import TERMINAL, Task
from core.storage import staged_prefix

if TYPE_CHECKING:
    from core.services import Services

log = logging.getLogger(__name__)

RETENTION = "RETENTION"
DATASET_DELETED = "DATASET_DELETED"
BATCH = 500  # tasks per run; the next run takes the rest

# Finished uploads whose files are due: past retention (files still there), or in a dataset
# deleted longer than the grace period ago (files still there, or only retention removed).
_DUE = """
SELECT t.id, d.id IS NOT NULL AS deleted FROM tasks t
LEFT JOIN tasks d ON d.id = t.dataset_deleted_by AND d.status = 'SUCCEEDED'
    AND d.updated_at < now() - make_interval(secs => $2)
WHERE t.kind = 'INGEST' AND t.status = ANY($3::text[])
  AND ((t.files_removed_at IS NULL AND (d.id IS NOT NULL
                                        OR t.updated_at < now() - make_interval(secs => $1)))
       OR (d.id IS NOT NULL AND t.files_removed_reason = $4))
ORDER BY t.updated_at LIMIT $5
"""


@dataclass(frozen=True, slots=True)
class Due:
    task_id: str
    reason: str


async def due(svc: Services) -> list[Due]:
    """The finished uploads whose files are to be removed now, oldest first."""
    settings = svc.settings
    rows = await svc.db.fetch(
        _DUE,
        settings.raw_upload_retention_days * 86400.0,
        settings.deleted_dataset_grace_hours * 3600.0,
        [status.value for status in TERMINAL],
        RETENTION,
        BATCH,
    )
    return [Due(row["id"], DATASET_DELETED if row["deleted"] else RETENTION) for row in rows]


async def remove_files(svc: Services, task: Task, *, reason: str) -> int:
    """Delete the task's files from S3 and record it; returns how many objects went."""
    assert task.status.is_terminal, f"task {task.id} is still {task.status}"
    removed = await svc.store.delete_prefix(staged_prefix(task.datasource, task.id))
    keys = [task.raw_key]
    if reason == DATASET_DELETED and task.quarantine_key:
        keys.append(task.quarantine_key)
    for key in filter(None, keys):
        if await svc.store.exists(key):
            await svc.store.delete(key)
            removed += 1
    await svc.tasks.mark_files_removed(task.id, reason=reason)
    return removed


async def remove_due_files(svc: Services) -> int:
    """One run of the retention job: remove every due task's files. Returns the tasks done."""
    done = 0
    for item in await due(svc):
        task = await svc.tasks.get(item.task_id)
        if task is None or not task.status.is_terminal:
            continue  # re-queued by a retry meanwhile
        objects = await remove_files(svc, task, reason=item.reason)
        log.info("removed %d object(s) of task %s (%s)", objects, task.id, item.reason)
        done += 1
    return done
