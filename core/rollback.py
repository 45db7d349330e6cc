"""Rolling back one upload: Druid serves exactly what it served before that upload.

A rollback is a task of kind ROLLBACK (same states, events and subscriptions as an
ingestion) pointing at the ingestion it undoes. It reuses the clean-up that reconciliation
already does for a failed upload (`core.druid.segments.remove_upload`): every row carries
its upload id (`sluice_upload`), so

- an APPEND's rows sit in segments of their own: those are marked unused. When a segment
  holds the upload's rows *and* others (an exact REPLACE later re-wrote that day, keeping
  the upload's rows), marking it unused would take the others too: the rollback refuses
  and says so.
- a REPLACE published a new version of the time chunks it covered: that version is marked
  unused, and the segments it overshadowed are marked used again (Druid marks only those no
  used segment overshadows). A rollback is refused while a later upload exists on the
  datasource (it may have written into the same chunks), and when another upload in the
  datasource failed or was rolled back (its unused segments would come back too).

Counts are taken from the Broker before (all rows, the upload's rows) and after; the task
succeeds only once the Broker no longer serves a row of the upload, and for an APPEND once
the total is exactly the earlier total minus those rows.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import TYPE_CHECKING

from core import queue
from core.catalog import (
    DatasourceNotInDruid,
    deletion_of,
    druid_datasets,
    refresh_dataset_from_druid,
)
from core.control import ActionRefused
from core.db import Executor
from core.druid.broker import SqlParam
from core.druid.segments import (
    mark_unused,
    mark_used_in,
    remove_upload,
    replace_segments,
    rows_by_segment,
    segments_with_upload,
)
from core.druid.spec import UPLOAD_DIMENSION, task_intervals
from core.errors import ErrorCode
from core.model import Task, TaskError, TaskKind, TaskStatus, WriteMode
from core.task_rows import TaskUpdate
from core.uploads import new_id

if TYPE_CHECKING:
    from core.druid.broker import DruidBroker
    from core.services import Services

NOT_ROLLBACKABLE = "NOT_ROLLBACKABLE"
ALREADY_ROLLED_BACK = "ALREADY_ROLLED_BACK"
POLL_S = 1.0  # how often the Broker is asked whether it stopped serving the rows

_ACTIVE_ROLLBACK = """
SELECT id, status FROM tasks
WHERE target_task_id = $1 AND kind = 'ROLLBACK' AND status NOT IN ('FAILED', 'CANCELLED')
ORDER BY created_at DESC LIMIT 1
"""
# Uploads on the datasource after `$2` that may have written into its chunks.
_LATER_UPLOAD = """
SELECT t.id FROM tasks t
WHERE t.datasource = $1 AND t.kind = 'INGEST' AND t.created_at > $2
  AND t.dataset_deleted_by IS NULL
  AND t.status NOT IN ('FAILED', 'CANCELLED')
  AND NOT EXISTS (SELECT 1 FROM tasks r WHERE r.target_task_id = t.id AND r.status = 'SUCCEEDED')
ORDER BY t.created_at LIMIT 1
"""
# Other uploads whose segments Druid holds unused (failed after reaching Druid, or rolled
# back): marking a chunk's segments used again would bring theirs back. (A deleted dataset's
# segments were killed before its DELETE task succeeded: nothing of them comes back.)
_OTHER_UNDONE = """
SELECT t.id FROM tasks t
WHERE t.datasource = $1 AND t.kind = 'INGEST' AND t.id <> $2 AND t.dataset_deleted_by IS NULL
  AND t.druid_task_id IS NOT NULL
  AND (t.status <> 'SUCCEEDED' OR EXISTS (
        SELECT 1 FROM tasks r WHERE r.target_task_id = t.id AND r.status = 'SUCCEEDED'))
LIMIT 1
"""


@dataclass(frozen=True, slots=True)
class Served:
    """What the Broker serves of a datasource: all rows, and those of one upload."""

    rows: int
    upload_rows: int


async def request_rollback(
    svc: Services, task_id: str, *, workspace_id: str
) -> Task | ActionRefused:
    """Queue a ROLLBACK task for a SUCCEEDED ingestion of the workspace, or say why it cannot
    be undone."""
    target = await svc.tasks.get(task_id, workspace_id=workspace_id)
    if target is None:
        return ActionRefused("NOT_FOUND", f"There is no task {task_id}. Check the id.")
    async with svc.tasks.claim(target.datasource) as claim:  # two requests at once: one wins
        refusal = await _refusal(claim.conn, target)
        if refusal is not None:
            return refusal
        task = await svc.tasks.create_follow_up(
            task_id=new_id(),
            kind=TaskKind.ROLLBACK,
            target=target,
            message=f"Rollback of '{_name(target)}' requested; waiting for a worker",
            within=claim,
        )
    await queue.enqueue_step(svc, task)
    return task


async def _refusal(db: Executor, target: Task) -> ActionRefused | None:
    name = _name(target)
    if target.kind != TaskKind.INGEST:
        what = target.kind.value.lower()
        return ActionRefused(NOT_ROLLBACKABLE, f"Task {target.id} is a {what}, not an upload.")
    if target.dataset_deleted_by is not None:
        return ActionRefused(
            NOT_ROLLBACKABLE,
            f"'{name}' went into a dataset that was deleted (task {target.dataset_deleted_by}): "
            "none of its rows is left to take back.",
        )
    deletion = await deletion_of(db, target.datasource)
    if deletion is not None:
        return ActionRefused(
            ErrorCode.DATASET_BEING_DELETED,
            f"'{name}' went into a dataset that is being deleted (task {deletion}): its rows go "
            "with the dataset.",
        )
    if target.status != TaskStatus.SUCCEEDED:
        return ActionRefused(
            NOT_ROLLBACKABLE,
            f"'{name}' is {target.status.value}: only a succeeded upload has rows to take "
            "back (a failed upload's rows were already taken out).",
        )
    active = await db.fetchrow(_ACTIVE_ROLLBACK, target.id)
    if active is not None:
        return ActionRefused(
            ALREADY_ROLLED_BACK,
            f"'{name}' is already being rolled back or was rolled back (task {active['id']}, "
            f"{active['status']}).",
        )
    if target.options.mode != WriteMode.REPLACE:
        return None
    later = await db.fetchval(_LATER_UPLOAD, target.datasource, target.created_at)
    if later is not None:
        return ActionRefused(
            NOT_ROLLBACKABLE,
            f"'{name}' replaced rows of {target.datasource}, and upload {later} came after "
            "it and may have written into the same days: bringing back what was replaced "
            "would lose or double rows. Roll back the later uploads first (newest first).",
        )
    undone = await db.fetchval(_OTHER_UNDONE, target.datasource, target.id)
    if undone is not None:
        return ActionRefused(
            NOT_ROLLBACKABLE,
            f"'{name}' replaced rows of {target.datasource}, and Druid still keeps the taken-"
            f"out rows of another upload ({undone}, failed or rolled back) that bringing "
            "back the replaced rows would bring back too. Upload the replaced data again "
            "with mode REPLACE instead.",
        )
    return None


async def roll_back(svc: Services, task: Task) -> None:
    """Carry out a ROLLBACK task (the worker job's body). Resumable: the counts taken before
    are kept on the task (`rows_total`: rows served before, `rows_removed`: the upload's)."""
    assert task.target_task_id is not None
    target = await svc.tasks.require(task.target_task_id)
    if task.status in (TaskStatus.QUEUED, TaskStatus.SUBMITTING):
        task = await _count_before(svc, task, target)
        if task.status.is_terminal:
            return
    before = Served(task.rows_total or 0, task.rows_removed or 0)
    if task.status == TaskStatus.INGESTING:
        segments = await _take_out(svc, target)
        await svc.tasks.transition(
            task.id,
            TaskStatus.PUBLISHING,
            progress=0.7,
            message=f"{segments} segment(s) marked unused; waiting until Druid stops serving them",
        )
    after = await _wait_until_gone(svc, target, before)
    if after is None:
        message = (
            f"Druid still serves rows of '{_name(target)}' after "
            f"{svc.settings.druid_handoff_timeout_s:.0f} s. Its segments are marked "
            "unused; check the Coordinator, then retry the rollback."
        )
        timeout = TaskError("DRUID_TIMEOUT", message, retryable=True)
        await svc.tasks.fail_with(task.id, timeout, stage=TaskStatus.PUBLISHING)
        return
    await _finish(svc, task, target, before=before, after=after)


async def _count_before(svc: Services, task: Task, target: Task) -> Task:
    """SUBMITTING: count what Druid serves and check the upload can be taken out alone;
    then INGESTING with the counts recorded, or FAILED with the reason."""
    await svc.tasks.transition(
        task.id, TaskStatus.SUBMITTING, progress=0.1, message="Counting the rows Druid serves"
    )
    before = await served(svc.broker, target.datasource, target.upload_id)
    problem = await _mixed_segments(svc.broker, target)
    if problem is not None:
        return await svc.tasks.fail(
            task.id, stage=TaskStatus.SUBMITTING, code=NOT_ROLLBACKABLE, message=problem,
            retryable=False,
        )  # fmt: skip
    return await svc.tasks.transition(
        task.id,
        TaskStatus.INGESTING,
        progress=0.4,
        message=f"Taking the {before.upload_rows:,} rows of '{_name(target)}' out of Druid",
        update=TaskUpdate(rows_total=before.rows, rows_removed=before.upload_rows),
    )


async def _finish(
    svc: Services, task: Task, target: Task, *, before: Served, after: Served
) -> None:
    restored = after.rows - (before.rows - before.upload_rows)
    message = (
        f"Rolled back '{_name(target)}': {before.upload_rows:,} rows removed; "
        f"{target.datasource} holds {after.rows:,} rows (was {before.rows:,})"
    )
    if restored:
        message += f", {restored:,} of them brought back from before the replace"
    try:
        await refresh_dataset_from_druid(svc.db, svc.broker, target.datasource, task_id=None)
    except DatasourceNotInDruid:
        await svc.db.execute(
            "UPDATE datasets SET row_count = 0, updated_at = now() WHERE name = $1",
            target.datasource,
        )
    await svc.tasks.transition(
        task.id,
        TaskStatus.SUCCEEDED,
        message=message,
        update=TaskUpdate(rows_removed=before.upload_rows),
        detail={"rows_before": before.rows, "rows_after": after.rows, "restored": restored},
    )


async def served(broker: DruidBroker, datasource: str, upload_id: str) -> Served:
    """All rows the Broker serves for `datasource`, and those of `upload_id` (0, 0 when the
    datasource has no used segment left)."""
    if not await druid_datasets(broker, [datasource]):
        return Served(0, 0)
    quoted = '"' + datasource.replace('"', '""') + '"'
    result = await broker.sql(
        f"SELECT COUNT(*), SUM(CASE WHEN {UPLOAD_DIMENSION} = ? THEN 1 ELSE 0 END) FROM {quoted}",
        [SqlParam("VARCHAR", upload_id)],
    )
    rows, upload_rows = result.rows[0]
    return Served(int(rows or 0), int(upload_rows or 0))


async def _mixed_segments(broker: DruidBroker, target: Task) -> str | None:
    """Why the APPEND's segments cannot simply be marked unused, or None."""
    if target.options.mode == WriteMode.REPLACE:
        return None
    ours = await segments_with_upload(
        broker, datasource=target.datasource, upload_id=target.upload_id
    )
    if not ours:
        return None
    every = await rows_by_segment(broker, datasource=target.datasource)
    mixed = [segment for segment, rows in ours.items() if every.get(segment, rows) != rows]
    if not mixed:
        return None
    return (
        f"{len(mixed)} segment(s) of {target.datasource} hold rows of '{_name(target)}' "
        "together with rows of other uploads (a later REPLACE or compaction re-wrote them), "
        "so they cannot be taken out alone. Nothing was changed. Upload the affected days "
        "again with mode REPLACE, without this file's rows."
    )


async def _take_out(svc: Services, target: Task) -> int:
    """Mark the upload's segments unused; for a REPLACE, also mark used again what it
    overshadowed (the Coordinator may have marked those unused meanwhile)."""
    if target.options.mode != WriteMode.REPLACE:
        return await remove_upload(
            svc.druid, svc.broker, datasource=target.datasource, upload_id=target.upload_id,
            replaced_since=None, intervals=[],
        )  # fmt: skip
    assert target.druid_task_id and target.profile and target.staged
    replaced_since = (await svc.druid.task_status(target.druid_task_id)).created_time
    if replaced_since is None:
        raise RuntimeError(f"Druid no longer knows task {target.druid_task_id}")
    intervals = task_intervals(target.profile, target.staged, target.options.mode)
    ours = await replace_segments(
        svc.druid, datasource=target.datasource, replaced_since=replaced_since,
        intervals=intervals,
    )  # fmt: skip
    await mark_unused(svc.druid, target.datasource, ours)
    # Druid marks used again every unused segment of the chunk that no used one overshadows:
    # what the REPLACE overshadowed, and its own segments, which are then taken out again.
    # (Other undone uploads' segments would come back too: `_refusal` rules them out.)
    for interval in intervals:
        await mark_used_in(svc.druid, target.datasource, interval)
    return await mark_unused(svc.druid, target.datasource, ours)


async def _wait_until_gone(svc: Services, target: Task, before: Served) -> Served | None:
    """Ask the Broker until it serves none of the upload's rows (and, for an APPEND, exactly
    the other rows) and every used segment is loaded; None after the hand-off timeout."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + svc.settings.druid_handoff_timeout_s
    while True:
        now = await served(svc.broker, target.datasource, target.upload_id)
        expected_rows = before.rows - before.upload_rows
        replace = target.options.mode == WriteMode.REPLACE
        gone = now.upload_rows == 0 and (replace or now.rows == expected_rows)
        # A REPLACE's old segments may need loading again before they are all served.
        if gone and await svc.druid.segments_loaded(target.datasource):
            return await served(svc.broker, target.datasource, target.upload_id)
        if loop.time() > deadline:
            return None
        await asyncio.sleep(POLL_S)


def _name(task: Task) -> str:
    return task.filename
