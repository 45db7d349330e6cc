"""A worker killed (SIGKILL) at each step of the pipeline, then started again: the task is
resumed by the watchdog and its rows land in Druid exactly once, leaving nothing behind in S3.
And two workers sharing six parallel uploads land each exactly once."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import pytest

from core.model import TaskStatus
from core.services import Services
from tests.druid.conftest import DruidSqlForTests
from tests.faults.conftest import (
    Processes,
    druid_holds,
    landed_once,
    no_orphans,
    rows_csv,
    succeeded_once,
    upload,
)
from tests.faults.hold import hold_on_leaving

STEPS = [
    TaskStatus.VALIDATING,
    TaskStatus.STAGING,
    TaskStatus.SUBMITTING,
    TaskStatus.INGESTING,
    TaskStatus.PUBLISHING,
]


@pytest.mark.parametrize("step", STEPS, ids=[s.value for s in STEPS])
async def test_a_worker_killed_at_the_end_of_each_step_lands_the_rows_once(
    svc: Services,
    sluice: Processes,
    auth: dict[str, str],
    datasource: str,
    druid_sql: DruidSqlForTests,
    step: TaskStatus,
) -> None:
    """Killed after the step did its work (validated, staged, submitted to Druid, Druid
    ingested, segments loaded) and before it recorded that: redoing it must not duplicate."""
    rows = rows_csv(10_000, delimiter=";")
    api, worker = await sluice.api(), sluice.worker()
    async with hold_on_leaving(svc, step) as hold:
        task_id = await upload(api, auth, rows, datasource)
        await hold.reached(task_id, step)
        worker.kill()
    sluice.worker()  # what a supervisor does

    task = await landed_once(svc, druid_sql, task_id, datasource, rows)
    assert task.resumes == 1  # resumed by the watchdog, once
    assert task.attempt == 1
    await no_orphans(svc, task)


async def test_two_workers_land_six_parallel_uploads_each_exactly_once(
    svc: Services,
    sluice: Processes,
    auth: dict[str, str],
    new_datasource: Callable[[], str],
    druid_sql: DruidSqlForTests,
) -> None:
    """Each upload into its own datasource: Druid runs appends to one datasource one after
    the other (time-chunk lock), which would only make this test wait."""
    files = [rows_csv(3_000, first_id=1 + i * 3_000) for i in range(6)]
    names = [new_datasource() for _ in files]
    api = await sluice.api()
    sluice.worker()
    sluice.worker()
    task_ids = await asyncio.gather(
        *(upload(api, auth, rows, name) for rows, name in zip(files, names, strict=True))
    )
    tasks = [await succeeded_once(svc, task_id) for task_id in task_ids]
    for rows, name in zip(files, names, strict=True):
        await druid_holds(druid_sql, name, rows)
    assert len({t.druid_task_id for t in tasks}) == 6
    await no_orphans(svc, *tasks)
