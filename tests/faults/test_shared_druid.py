"""Faults of Druid itself: its MiddleManager killed while it runs our task, and our task shut
down through the Overlord. The task fails, retryable, and retryTask lands it exactly once.

These touch the SHARED Druid (the MiddleManager is killed, so every engineer's running Druid
task is lost with it): marked `shared_druid_faults`, not run by `make test`. Run them only on
a stack whose services supervisord restarts (scripts/stack.sh under supervisord):
`.venv/bin/pytest tests/faults -m shared_druid_faults`.
"""

from __future__ import annotations

import signal

import httpx
import psutil
import pytest

from core.druid.client import DruidClient
from core.model import TaskStatus
from core.services import Services
from tests.druid.conftest import DruidSqlForTests
from tests.faults.conftest import (
    Processes,
    Rows,
    finished,
    landed_once,
    no_orphans,
    rows_csv,
    until,
    upload,
)
from tests.faults.stack import SluiceProcess

pytestmark = pytest.mark.shared_druid_faults

RETRY = "mutation($id: ID!) { retryTask(id: $id) { __typename } }"


async def druid_running(druid: DruidClient, druid_task_id: str) -> bool:
    return (await druid.task_status(druid_task_id)).state == "RUNNING"


async def _failed_then_retried(
    svc: Services,
    api: SluiceProcess,
    auth: dict[str, str],
    druid_sql: DruidSqlForTests,
    task_id: str,
    datasource: str,
    rows: Rows,
    *,
    code: str,
) -> None:
    task = await finished(svc, task_id)
    assert task.status == TaskStatus.FAILED
    assert task.error is not None
    assert (task.error.code, task.error.retryable) == (code, True), task.error
    async with httpx.AsyncClient(base_url=api.url, headers=auth, timeout=60) as http:
        answer = await http.post("/graphql", json={"query": RETRY, "variables": {"id": task_id}})
    assert answer.json()["data"]["retryTask"]["__typename"] == "IngestionTask"
    done = await landed_once(svc, druid_sql, task_id, datasource, rows)
    assert done.attempt == 2
    await no_orphans(svc, done)  # attempt 1's staged parts are gone


async def _druid_task_running(svc: Services, task_id: str) -> str:
    async def running() -> bool:
        task = await svc.tasks.get(task_id)
        if task is None or task.druid_task_id is None:
            return False
        return await druid_running(svc.druid, task.druid_task_id)

    await until(running)
    task = await svc.tasks.require(task_id)
    assert task.druid_task_id is not None
    return task.druid_task_id


async def test_the_middlemanager_killed_while_ingesting(
    svc: Services,
    sluice: Processes,
    auth: dict[str, str],
    datasource: str,
    druid_sql: DruidSqlForTests,
) -> None:
    rows = rows_csv(10_000, delimiter=";")
    api = await sluice.api()
    sluice.worker()
    task_id = await upload(api, auth, rows, datasource)
    await _druid_task_running(svc, task_id)

    middle_manager = _druid_process("middleManager")
    middle_manager.send_signal(signal.SIGKILL)

    await _failed_then_retried(
        svc, api, auth, druid_sql, task_id, datasource, rows, code="DRUID_WORKER_LOST"
    )


async def test_the_druid_task_shut_down_through_the_overlord(
    svc: Services,
    sluice: Processes,
    auth: dict[str, str],
    datasource: str,
    druid_sql: DruidSqlForTests,
) -> None:
    rows = rows_csv(10_000, delimiter=";")
    api = await sluice.api()
    sluice.worker()
    task_id = await upload(api, auth, rows, datasource)
    druid_task_id = await _druid_task_running(svc, task_id)

    await svc.druid.shutdown_task(druid_task_id)

    task = await finished(svc, task_id)
    assert task.error is not None
    await _failed_then_retried(
        svc, api, auth, druid_sql, task_id, datasource, rows, code=task.error.code
    )


def _druid_process(service: str) -> psutil.Process:
    """The JVM of one Druid service (`org.apache.druid.cli.Main server <service>`)."""
    wanted = ["org.apache.druid.cli.Main", "server", service]  # (peons run `internal peon`)
    for proc in psutil.process_iter(["cmdline"]):
        cmdline = proc.info["cmdline"] or []
        if cmdline[-3:] == wanted:
            return proc
    raise AssertionError(f"no Druid {service} process is running")
