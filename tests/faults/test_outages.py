"""Outages of the services Sluice depends on, while a task is on its way: Redis killed and
restarted empty, PostgreSQL paused (SIGSTOP) and resumed, PostgreSQL killed and restarted, S3
paused during an upload and during staging. Each task still ends exactly once."""

from __future__ import annotations

import asyncio
from pathlib import Path

import polars as pl

from core.model import TaskStatus
from core.services import Services, open_services
from core.settings import Settings
from tests.conftest import grant
from tests.faults.conftest import (
    WAIT_S,
    Case,
    Processes,
    Rows,
    finished,
    has_multipart,
    in_status,
    landed_once,
    no_orphans,
    process_env,
    rows_csv,
    until,
    wipe,
)
from tests.faults.hold import HOLD_LOCK, hold_on_leaving
from tests.faults.stack import OwnPostgres, OwnRedis, OwnSeaweed
from tests.faults.test_api_crash import send_in_two_halves
from tests.graphql_ops import TASK_UPDATES, subscribe
from workers.pipeline import staged_prefix

# How long a paused service stays paused: longer than a worker lease (3 s here), so leases
# run out while it hangs and the workers must cope with that.
OUTAGE_S = 5.0
UNREACHABLE = "http://127.0.0.1:9"


async def ingesting(case: Case, rows: Rows) -> str:
    """Start an API and a worker, upload `rows`, and wait until Druid ingests them."""
    _, _, task_id = await case.submit(rows)
    await in_status(case.svc, task_id, TaskStatus.INGESTING)
    return task_id


async def test_redis_killed_and_restarted_empty_while_ingesting(
    case: Case, own_redis: OwnRedis
) -> None:
    """The deferred tracking job is lost with Redis; the worker comes back by itself, the
    watchdog resumes tracking, and an open subscription still ends with SUCCEEDED."""
    rows = rows_csv(10_000)
    api, worker, task_id = await case.submit(rows)
    host = api.url.removeprefix("http://")
    # (no message while Druid ingests: a busy shared Druid may take minutes)
    subscription = subscribe(host, TASK_UPDATES, {"id": task_id}, auth=case.auth, quiet_s=WAIT_S)
    updates = asyncio.create_task(subscription)
    await in_status(case.svc, task_id, TaskStatus.INGESTING)

    own_redis.kill()
    await until(lambda: _logged(worker.log, "worker lost Redis"))
    await own_redis.start()

    task = await case.landed_once(task_id, rows)
    items = await asyncio.wait_for(updates, 120)
    assert items[-1]["taskUpdates"]["status"] == "SUCCEEDED"
    assert task.resumes >= 1
    assert worker.running  # the same process: it reconnected
    await no_orphans(case.svc, task)


async def _logged(path: Path, text: str) -> bool:
    return text in path.read_text(errors="replace")


async def test_postgres_paused_while_ingesting(case: Case, own_pg: OwnPostgres) -> None:
    rows = rows_csv(10_000)
    task_id = await ingesting(case, rows)

    own_pg.pause()
    try:
        await asyncio.sleep(OUTAGE_S)  # the outage itself, not a wait for an event
    finally:
        own_pg.resume()

    task = await case.landed_once(task_id, rows)
    await no_orphans(case.svc, task)


async def test_postgres_killed_and_restarted_while_ingesting(
    case: Case, fault_settings: Settings, own_pg: OwnPostgres
) -> None:
    rows = rows_csv(10_000)
    task_id = await ingesting(case, rows)

    own_pg.kill()  # the postmaster and every backend, as a host crash would
    await own_pg.start()  # crash recovery (fsync on: nothing committed is lost)

    # This test's own pool lost its connections too: read through a new one.
    async with open_services(fault_settings) as fresh:
        task = await landed_once(fresh, case.druid_sql, task_id, case.datasource, rows)
        await no_orphans(fresh, task)


async def test_a_worker_whose_postgres_connection_is_cut_mid_step(case: Case) -> None:
    """PostgreSQL ends the worker's session (a failover, an administrator, a proxy) while the
    worker records that Druid finished. That is an outage, not a bug in the task: the job runs
    again and the task lands, instead of failing with INTERNAL_ERROR."""
    rows = rows_csv(10_000)
    async with hold_on_leaving(case.svc, TaskStatus.INGESTING) as hold:
        _, _, task_id = await case.submit(rows)
        await hold.reached(task_id, TaskStatus.INGESTING)
        assert await case.svc.db.fetchval(
            "SELECT bool_and(pg_terminate_backend(pid)) FROM pg_locks"
            " WHERE locktype = 'advisory' AND NOT granted AND objid = $1",
            HOLD_LOCK,
        )

    task = await case.landed_once(task_id, rows)
    await no_orphans(case.svc, task)


async def test_s3_paused_during_an_upload_and_during_staging(
    fault_settings: Settings, sluice: Processes, tmp_path: Path
) -> None:
    """S3 hangs twice: while the API streams a file into it, and while the worker stages the
    validated rows. Both wait and carry on. (This S3 is the test's own SeaweedFS, which Druid
    cannot read, so the task ends at the submission: DRUID_UNAVAILABLE, retryable.)"""
    (tmp_path / "s3").mkdir()
    s3 = OwnSeaweed(tmp_path / "s3", fault_settings)
    await s3.start()
    try:
        settings = fault_settings.model_copy(
            update={
                "s3_endpoint_url": s3.url,
                "druid_overlord_url": UNREACHABLE,
                "druid_coordinator_url": UNREACHABLE,
                "druid_broker_url": UNREACHABLE,
            }
        )
        sluice.env = process_env(settings)
        async with open_services(settings) as svc:
            await wipe(svc)
            await _upload_and_stage_through_pauses(svc, sluice, s3, await grant(svc.db))
    finally:
        s3.kill()


async def _upload_and_stage_through_pauses(
    svc: Services, sluice: Processes, s3: OwnSeaweed, auth: dict[str, str]
) -> None:
    rows = rows_csv(10_000, delimiter=";")
    api = await sluice.api()
    worker = sluice.worker()

    async def pause_s3() -> None:
        await until(lambda: has_multipart(svc))
        s3.pause()
        asyncio.get_running_loop().call_later(OUTAGE_S, s3.resume)

    async with hold_on_leaving(svc, TaskStatus.VALIDATING) as hold:
        response = await send_in_two_halves(api.url, auth, rows, "paused", between=pause_s3)
        assert response.status_code == 200, _tails(api.log, worker.log, s3.log)
        task_id = response.json()["data"]["uploadFile"]["id"]
        await hold.reached(task_id, TaskStatus.VALIDATING)
        s3.pause()  # the worker will stage into a hung S3
    await in_status(svc, task_id, TaskStatus.STAGING)
    await asyncio.sleep(OUTAGE_S)  # the outage itself
    s3.resume()

    task = await finished(svc, task_id)
    assert task.error is not None
    assert (task.error.code, task.error.retryable) == ("DRUID_UNAVAILABLE", True)
    assert task.staged is not None and task.staged.rows == rows.count
    staged = await svc.store.list_keys("staged/")
    assert staged and all(key.startswith(staged_prefix(task)) for key in staged)
    assert await _staged_rows(svc, staged) == rows.count
    await no_orphans(svc, task)


async def _staged_rows(svc: Services, keys: list[str]) -> int:
    total = 0
    for key in keys:
        data = await svc.store.read_bytes(key)
        total += pl.read_csv(data).height
    return total


def _tails(*logs: Path) -> str:
    """The end of each log, for a failure message (the processes' logs go with the run)."""
    return "\n".join(f"--- {log}\n{log.read_text(errors='replace')[-3000:]}" for log in logs)
