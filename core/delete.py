"""Deleting a whole dataset, as a task of kind DELETE with live status like an ingestion.

`deleteDataset` is an EDITOR's action (docs/decisions.md: the same people who can upload and
REPLACE a dataset's rows can take them all out; every step is recorded in the task and the
uploads' history stays readable). It is refused while an upload or rollback into the dataset
is running. The DELETE task (workers/delete.py) then:

1. SUBMITTING: counts the rows Druid serves, marks every segment unused (Druid stops serving
   them within seconds), removes the catalog entry and marks the dataset's earlier tasks as
   belonging to a deleted dataset. From the request on, the catalog hides the dataset and new
   uploads into the name are refused, until the task ends.
2. INGESTING: waits until the Broker no longer lists the datasource.
3. PUBLISHING: has Druid delete the unused segments from deep storage: one kill task,
   submitted the way the maintenance job does (only while Druid is idle, so it never takes
   the slot an upload needs), and waits until Druid's metadata no longer knows the datasource.
   Only then SUCCEEDED: nothing of the old dataset can come back, and the name is free.

The files in S3 (raw uploads, staged copies, quarantine files) are removed by the retention
job `deleted_dataset_grace_hours` after the task succeeded (core/retention.py).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from core import queue
from core.catalog import druid_datasets, forget_dataset, get_dataset
from core.control import ActionRefused
from core.druid.errors import DruidError
from core.errors import ErrorCode
from core.model import TERMINAL, Task, TaskStatus
from core.rollback import served
from core.task_rows import TaskUpdate
from core.uploads import new_id

if TYPE_CHECKING:
    from core.services import Services

# The oldest task still working on the datasource (an upload, a rollback or a deletion).
_ACTIVE = """
SELECT id, kind, status FROM tasks
WHERE datasource = $1 AND status <> ALL($2::text[])
ORDER BY created_at LIMIT 1
"""


async def request_delete(
    svc: Services, datasource: str, *, workspace_id: str, shown_as: str
) -> Task | ActionRefused:
    """Queue a DELETE task for `datasource` (the Druid name; `shown_as` is the name the
    workspace uses), or say why not."""
    if not await _exists(svc, datasource):
        return ActionRefused(
            "NOT_FOUND", f"There is no dataset '{shown_as}'. Check the name in the dataset list."
        )
    async with svc.tasks.claim(datasource) as claim:  # two requests at once: one wins
        active = await claim.conn.fetchrow(_ACTIVE, datasource, [s.value for s in TERMINAL])
        refusal = _refusal(active, shown_as=shown_as)
        if refusal is not None:
            return refusal
        task = await svc.tasks.create_delete(
            task_id=new_id(),
            datasource=datasource,
            workspace_id=workspace_id,
            message=f"Deletion of '{shown_as}' requested; waiting for a worker",
            within=claim,
        )
    await queue.enqueue_step(svc, task)
    return task


def _refusal(active: Any, *, shown_as: str) -> ActionRefused | None:
    """Why a task still working on the dataset (`active`, a row of `_ACTIVE`) stops a
    deletion, if there is one."""
    if active is None:
        return None
    if active["kind"] == "DELETE":
        return ActionRefused(
            ErrorCode.DATASET_BEING_DELETED,
            f"'{shown_as}' is already being deleted (task {active['id']}, {active['status']}).",
        )
    what = "an upload into" if active["kind"] == "INGEST" else "a rollback of an upload into"
    return ActionRefused(
        ErrorCode.DATASET_BUSY,
        f"'{shown_as}' cannot be deleted now: {what} it is running (task {active['id']}, "
        f"{active['status']}), and its rows could land after the deletion. Wait until it "
        "has finished, or cancel it, then delete the dataset.",
    )


async def _exists(svc: Services, datasource: str) -> bool:
    """In the catalog, or served by Druid (a datasource Sluice did not ingest)."""
    if await get_dataset(svc.db, datasource) is not None:
        return True
    try:
        return bool(await druid_datasets(svc.broker, [datasource]))
    except DruidError:
        return False  # Druid is away: only the catalog can say, and it does not know it


async def take_out(svc: Services, task: Task, *, shown_as: str) -> Task:
    """SUBMITTING: count the rows, mark every segment unused, forget the catalog entry and
    mark the dataset's tasks; then INGESTING. Idempotent (a resumed task does it again)."""
    task = await svc.tasks.transition(
        task.id, TaskStatus.SUBMITTING, progress=0.1, message="Counting the rows Druid serves"
    )
    rows = task.rows_total
    if rows is None:  # counted once: a resumed task finds Druid already emptied
        rows = (await served(svc.broker, task.datasource, "")).rows
    await svc.druid.drop_datasource(task.datasource)  # first: Druid away, nothing changed
    await forget_dataset(svc.db, task.datasource)
    await svc.tasks.mark_dataset_deleted(task.datasource, delete_task_id=task.id)
    return await svc.tasks.transition(
        task.id,
        TaskStatus.INGESTING,
        progress=0.4,
        message=(
            f"'{shown_as}' is out of the catalog and its {rows:,} rows are marked unused in "
            "Druid; waiting until Druid stops serving them"
        ),
        update=TaskUpdate(rows_total=rows),
    )
