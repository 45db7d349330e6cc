"""Faults of Druid itself while it ingests our task: the task shut down through the Overlord,
and the MiddleManager killed (SIGKILL): the task fails, retryable, and retryTask lands it
exactly once. And a task Druid keeps waiting for a lock says which task holds it.

Druid is the one service this layer does not run itself, so each test harms nothing but its
own task:

- The Overlord shutdown names our task's id, and the lock holder is a task of the test's own
  datasource; no other task is touched. Safe on a shared stack.
- A MiddleManager runs every task of its Druid: killing it kills them all. An extra
  MiddleManager of the test's own was considered and rejected: the Overlord gives any task to
  any worker with a free slot, so other people's tasks would land on it and die with it, unless
  the Overlord's cluster-wide worker selection were rewritten for the test (strong worker
  categories naming every task type that may run), a global change a crashed test leaves
  behind. So `test_the_middlemanager_killed_while_ingesting` (marker `kills_middlemanager`)
  kills the MiddleManager of the stack its settings name (found by its working directory,
  `data_dir/druid`, never by name alone), refuses to while Druid runs or queues any task but
  ours (or its own maintenance), and `make test` runs it only on a stack it started itself
  (scripts/test.sh), whose supervisord restarts the MiddleManager.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import psutil
import pytest

from core.druid.client import DruidClient
from core.druid.failures import MAINTENANCE_TASK_TYPES
from core.model import TaskStatus
from core.settings import Settings
from tests.faults.conftest import Case, Rows, finished, no_orphans, rows_csv, until
from tests.faults.stack import SluiceProcess

RETRY = "mutation($id: ID!) { retryTask(id: $id) { __typename } }"


async def test_the_druid_task_shut_down_through_the_overlord(case: Case) -> None:
    rows = rows_csv(10_000, delimiter=";")
    api, task_id, druid_task_id = await running_in_druid(case, rows)

    await case.svc.druid.shutdown_task(druid_task_id)

    await failed_then_retried(case, api, task_id, rows, code="DRUID_TASK_CANCELLED")


@pytest.mark.kills_middlemanager
async def test_the_middlemanager_killed_while_ingesting(case: Case) -> None:
    rows = rows_csv(10_000, delimiter=";")
    api, task_id, druid_task_id = await running_in_druid(case, rows)
    middle_manager = middlemanager_of(Settings().data_dir)
    await alone_in_druid(case.svc.druid, druid_task_id)

    middle_manager.send_signal(signal.SIGKILL)

    await failed_then_retried(case, api, task_id, rows, code="DRUID_WORKER_LOST")


async def test_a_task_kept_waiting_by_a_lock_says_which_task_holds_it(case: Case) -> None:
    """Druid keeps our ingestion WAITING while another task holds the lock on its time range:
    the INGESTING stage names that task, and once it ends ours lands exactly once. The lock
    holder is a Druid task of this test's own datasource reading from a server that never
    answers, so it holds the lock until the test shuts it down."""
    rows = rows_csv(1_000)
    async with stalled_http_source() as url:
        holder = await case.svc.druid.submit_task(lock_holder_spec(case.datasource, url))
        try:
            await until(lambda: druid_state_is(case.svc.druid, holder, "RUNNING"))
            _, _, task_id = await case.submit(rows)

            async def explained() -> bool:
                messages = [str(e.message) for e in await case.svc.tasks.events(task_id)]
                return any("waiting for a lock" in m and holder in m for m in messages)

            await until(explained)
        finally:
            await case.svc.druid.shutdown_task(holder)
    await case.landed_once(task_id, rows)


async def druid_state_is(druid: DruidClient, druid_task_id: str, state: str) -> bool:
    return (await druid.task_status(druid_task_id)).state == state


@contextlib.asynccontextmanager
async def stalled_http_source() -> AsyncIterator[str]:
    """The URL of a local HTTP server that accepts connections and never answers."""
    held: list[asyncio.StreamWriter] = []

    async def hold(_: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        held.append(writer)

    server = await asyncio.start_server(hold, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}/rows.csv"
    finally:
        server.close()
        for writer in held:
            writer.close()


def lock_holder_spec(datasource: str, url: str) -> dict[str, Any]:
    """An ingestion of 2024-01-01 (the day `rows_csv` writes) into `datasource`: it locks that
    day as it starts, then reads `url`."""
    return {
        "type": "index_parallel",
        "spec": {
            "dataSchema": {
                "dataSource": datasource,
                "timestampSpec": {"column": "ts", "format": "auto"},
                "dimensionsSpec": {"dimensions": []},
                "granularitySpec": {
                    "segmentGranularity": "day",
                    "queryGranularity": "none",
                    "rollup": False,
                    "intervals": ["2024-01-01/2024-01-02"],
                },
            },
            "ioConfig": {
                "type": "index_parallel",
                "inputSource": {"type": "http", "uris": [url]},
                "inputFormat": {"type": "csv", "findColumnsFromHeader": True},
                "appendToExisting": False,
            },
            "tuningConfig": {"type": "index_parallel", "maxNumConcurrentSubTasks": 1},
        },
    }


async def running_in_druid(case: Case, rows: Rows) -> tuple[SluiceProcess, str, str]:
    """Upload `rows` and wait until Druid runs their ingestion: (api, task id, Druid task id)."""
    api, _, task_id = await case.submit(rows)
    druid_task_id = ""

    async def running() -> bool:
        nonlocal druid_task_id
        task = await case.svc.tasks.get(task_id)
        if task is None or task.druid_task_id is None:
            return False
        druid_task_id = task.druid_task_id
        return (await case.svc.druid.task_status(druid_task_id)).state == "RUNNING"

    await until(running)
    return api, task_id, druid_task_id


async def failed_then_retried(
    case: Case, api: SluiceProcess, task_id: str, rows: Rows, *, code: str
) -> None:
    """The task FAILED with `code`, retryable; retryTask lands it exactly once, and nothing of
    the first attempt is left in S3."""
    task = await finished(case.svc, task_id)
    assert task.status == TaskStatus.FAILED
    assert task.error is not None
    assert (task.error.code, task.error.retryable) == (code, True), task.error
    async with httpx.AsyncClient(base_url=api.url, headers=case.auth, timeout=60) as http:
        answer = await http.post("/graphql", json={"query": RETRY, "variables": {"id": task_id}})
    assert answer.json()["data"]["retryTask"]["__typename"] == "IngestionTask", answer.text
    done = await case.landed_once(task_id, rows)
    assert done.attempt == 2
    await no_orphans(case.svc, done)  # attempt 1's staged parts are gone


def middlemanager_of(stack_data_dir: Path) -> psutil.Process:
    """The MiddleManager JVM of the stack keeping its data in `stack_data_dir` (druid/run.sh
    runs it in `data_dir/druid`), and no other: another stack's may run on this machine."""
    home = (stack_data_dir / "druid").resolve()
    wanted = ["org.apache.druid.cli.Main", "server", "middleManager"]  # (peons: `internal peon`)
    for proc in psutil.process_iter(["cmdline", "cwd"]):
        if (proc.info["cmdline"] or [])[-3:] == wanted and proc.info["cwd"] == str(home):
            return proc
    raise AssertionError(
        f"no MiddleManager of the stack in {stack_data_dir} is running: this test kills only "
        "the MiddleManager of the stack its settings name (run it from that stack's checkout)"
    )


async def alone_in_druid(druid: DruidClient, druid_task_id: str) -> None:
    """Refuse to kill the MiddleManager while it serves anyone else: every task Druid runs,
    queues or holds back would be lost with it. (Druid's own maintenance, such as the `kill`
    tasks Sluice's maintenance job starts, is done again later: it does not count.)"""
    others = []
    for state in ("running", "pending", "waiting"):
        response = await druid.request(
            "GET", "overlord", "/druid/indexer/v1/tasks", params={"state": state}
        )
        response.raise_for_status()
        others += [
            t["id"]
            for t in response.json()
            if t["id"] != druid_task_id and t.get("type") not in MAINTENANCE_TASK_TYPES
        ]
    assert others == [], (
        f"Druid has other tasks ({', '.join(others[:5])}): killing its MiddleManager would "
        "kill them too. Run this test on a stack of your own (make test starts one)."
    )
