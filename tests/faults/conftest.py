"""Fixtures of the crash and outage matrix (tests/faults, marker `faults`).

Each test runs Sluice as real processes (API: uvicorn, worker: `python -m workers`) on this
layer's own PostgreSQL and Redis, the shared S3 (its own bucket) and the shared Druid (its own
datasources, dropped afterwards), then kills or pauses one of them at a chosen point.

A point of the pipeline is hit deterministically, not by timing: see tests/faults/hold.py.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import os
import shutil
import tempfile
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import asyncpg
import httpx
import polars as pl
import pytest

from core import resumable
from core.druid.ready import wait_until_ready
from core.model import Task, TaskStatus
from core.services import Services, open_services
from core.settings import Settings
from tests.conftest import grant
from tests.conftest import wipe as wipe_all
from tests.druid.conftest import DruidSqlForTests
from tests.faults.stack import OwnPostgres, OwnRedis, SluiceProcess
from tests.graphql_ops import upload_file
from workers.pipeline import staged_prefix
from workers.watchdog import UNFINISHED

RUN_ID = uuid.uuid4().hex[:6]
WAIT_S = 600.0  # bound on any wait (never asserted on): the shared Druid may be busy


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/faults/" in str(item.path).replace(os.sep, "/"):
            item.add_marker(pytest.mark.faults)
            item.add_marker(pytest.mark.druid)
            # Above the waits' bound: a busy shared Druid queues our tasks behind others'.
            item.add_marker(pytest.mark.timeout(2 * WAIT_S))


@pytest.fixture(scope="session")
async def own_pg() -> AsyncIterator[OwnPostgres]:
    server = OwnPostgres()
    await server.init()
    yield server
    server.remove()


@pytest.fixture(scope="session")
async def own_redis() -> AsyncIterator[OwnRedis]:
    workdir = Path(tempfile.mkdtemp(prefix="sluice-faults-redis-"))
    server = OwnRedis(workdir)
    await server.start()
    yield server
    server.kill()
    shutil.rmtree(workdir, ignore_errors=True)


@pytest.fixture(scope="session")
def fault_settings(own_pg: OwnPostgres, own_redis: OwnRedis) -> Iterator[Settings]:
    """Short leases and deadlines and a watchdog every second, so a stalled task is resumed
    within seconds instead of minutes; for the clean-up the tests run themselves (`no_orphans`),
    any unfinished multipart upload counts as orphaned."""
    base = Settings()
    settings = base.model_copy(
        update={
            "database_url": own_pg.url,
            "redis_url": own_redis.url,
            "s3_bucket": f"{base.s3_bucket}-faults",
            "queue_name": "sluice:faults",
            "data_dir": Path(tempfile.mkdtemp(prefix="sluice-faults-data-")),
            "lease_ttl_s": 3.0,
            "deadline_queued_s": 20.0,
            "deadline_validating_s": 3.0,
            "deadline_staging_s": 3.0,
            "deadline_submitting_s": 3.0,
            "deadline_ingesting_s": 3.0,
            "deadline_publishing_s": 3.0,
            "watchdog_interval_s": 1,
            "orphan_multipart_age_s": 0.0,
            "s3_part_size": 5 * 1024 * 1024,
            # No kill task of ours may reach a MiddleManager a test has just killed
            # (Settings.druid_kill_unused).
            "druid_kill_unused": False,
        }
    )
    yield settings
    shutil.rmtree(settings.data_dir, ignore_errors=True)  # work files and process logs


# Not `orphan_multipart_age_s`: a worker runs the clean-up as it starts, and with the layer's 0
# it aborted the multipart upload an API was still writing (NoSuchUpload, the upload answered
# 500), the S3-pause test's upload most of all, which stays open through the pause.
SUBPROCESS_SETTINGS = (
    "database_url",
    "redis_url",
    "s3_endpoint_url",
    "s3_bucket",
    "s3_access_key",
    "s3_secret_key",
    "s3_part_size",
    "queue_name",
    "data_dir",
    "lease_ttl_s",
    "watchdog_interval_s",
    "druid_overlord_url",
    "druid_coordinator_url",
    "druid_broker_url",
    "druid_kill_unused",
)


def process_env(settings: Settings) -> dict[str, str]:
    """The environment that gives a subprocess `settings` (it wins over .env)."""
    names = [*SUBPROCESS_SETTINGS, *(f"deadline_{s.value.lower()}_s" for s in UNFINISHED)]
    env = {k: v for k, v in os.environ.items() if not k.startswith("SLUICE_")}
    env.update({f"SLUICE_{name.upper()}": str(getattr(settings, name)) for name in names})
    # The layer's own PostgreSQL and Redis have no password (the stack's secrets are not
    # theirs).
    env.update(SLUICE_POSTGRES_PASSWORD="", SLUICE_REDIS_PASSWORD="")
    return env


@pytest.fixture(scope="session")
async def druid_ready(fault_settings: Settings) -> None:
    await wait_until_ready(fault_settings, timeout_s=WAIT_S)


@pytest.fixture
async def svc(fault_settings: Settings, druid_ready: None) -> AsyncIterator[Services]:
    """The layer's services, wiped: no tasks, no queue, no objects, no multipart uploads."""
    async with open_services(fault_settings) as services:
        await wipe(services)
        yield services


async def wipe(svc: Services) -> None:
    await wipe_all(svc.db, svc.redis, svc.store)


@pytest.fixture
async def auth(svc: Services) -> dict[str, str]:
    """An EDITOR's headers in the default workspace (Druid names unprefixed)."""
    return await grant(svc.db)


@pytest.fixture
async def new_datasource(svc: Services) -> AsyncIterator[Callable[[], str]]:
    """Makes datasource names unique to this run; drops them from Druid afterwards."""
    names: list[str] = []

    def make() -> str:
        names.append(f"faults_{RUN_ID}_{uuid.uuid4().hex[:6]}")
        return names[-1]

    yield make
    for name in names:
        await svc.druid.drop_datasource(name)


@pytest.fixture
def datasource(new_datasource: Callable[[], str]) -> str:
    return new_datasource()


@pytest.fixture
async def druid_sql(fault_settings: Settings) -> AsyncIterator[DruidSqlForTests]:
    async with httpx.AsyncClient() as http:
        yield DruidSqlForTests(http, fault_settings.druid_broker_url)


@dataclass
class Processes:
    """Starts Sluice processes for one test (logs in its tmp_path); kills them at the end."""

    env: dict[str, str]
    logs: Path
    started: list[SluiceProcess]

    def worker(self) -> SluiceProcess:
        return self._start("worker")

    async def api(self) -> SluiceProcess:
        api = self._start("api")
        await api.wait_ready()
        return api

    def _start(self, kind: str) -> SluiceProcess:
        process = SluiceProcess(kind, self.env, self.logs / f"{kind}-{len(self.started)}.log")
        process.start()
        self.started.append(process)
        return process


@pytest.fixture
def sluice(fault_settings: Settings, request: pytest.FixtureRequest) -> Iterator[Processes]:
    # Logs beside the layer's data, not in tmp_path: pytest keeps only its last three runs'
    # tmp_path, and other test runs on the machine rotate those away.
    logs = fault_settings.data_dir / "logs" / request.node.name
    logs.mkdir(parents=True, exist_ok=True)
    processes = Processes(process_env(fault_settings), logs, [])
    yield processes
    for process in processes.started:
        process.kill()


@dataclass
class Case:
    """What a test of the pipeline works with: the layer's services, Sluice's processes, an
    EDITOR's headers, a datasource of its own (dropped afterwards) and Druid SQL."""

    svc: Services
    sluice: Processes
    auth: dict[str, str]
    datasource: str
    druid_sql: DruidSqlForTests

    async def submit(self, rows: Rows) -> tuple[SluiceProcess, SluiceProcess, str]:
        """Start an API and a worker, and upload `rows` through the API: (api, worker, task id)."""
        api = await self.sluice.api()
        worker = self.sluice.worker()
        return api, worker, await upload(api, self.auth, rows, self.datasource)

    async def landed_once(self, task_id: str, rows: Rows) -> Task:
        return await landed_once(self.svc, self.druid_sql, task_id, self.datasource, rows)


@pytest.fixture
def case(
    svc: Services,
    sluice: Processes,
    auth: dict[str, str],
    datasource: str,
    druid_sql: DruidSqlForTests,
) -> Case:
    return Case(svc, sluice, auth, datasource, druid_sql)


# --- the file and what must land ----------------------------------------------------------


@dataclass(frozen=True)
class Rows:
    """A CSV whose `id` column is unique: Druid's COUNT(*) and SUM(id) prove each row landed
    exactly once."""

    content: bytes
    count: int
    id_sum: int


def rows_csv(count: int, *, first_id: int = 1, delimiter: str = ",") -> Rows:
    """`count` rows on 2024-01-01. A ';' file has its values quoted, so it is staged (Druid
    reads other delimiters than commas as uploaded only without quotes) and the staging
    step has parts to write."""
    start = datetime(2024, 1, 1, tzinfo=UTC)
    ids = range(first_id, first_id + count)
    frame = pl.DataFrame(
        {
            "ts": [start + timedelta(seconds=i) for i in range(count)],
            "id": list(ids),
            "city": [("Paris", "Lyon", "Nice")[i % 3] for i in range(count)],
        }
    )
    buffer = io.BytesIO()
    frame.write_csv(
        buffer, separator=delimiter, quote_style="necessary" if delimiter == "," else "always"
    )
    return Rows(content=buffer.getvalue(), count=count, id_sum=sum(ids))


async def upload(
    api: SluiceProcess, auth: dict[str, str], rows: Rows, datasource: str, name: str = "f.csv"
) -> str:
    """Upload through the API process as `auth`; returns the task id."""
    async with httpx.AsyncClient(base_url=api.url, headers=auth, timeout=120) as client:
        task = await upload_file(client, filename=name, content=rows.content, datasource=datasource)
    assert task["__typename"] == "IngestionTask", task
    return str(task["id"])


async def until(condition: Callable[[], Awaitable[bool]], *, timeout_s: float = WAIT_S) -> None:
    """Wait for `condition()` to be true, looking every 50 ms."""
    async with asyncio.timeout(timeout_s):
        while not await condition():
            await asyncio.sleep(0.05)


async def in_status(svc: Services, task_id: str, status: TaskStatus) -> None:
    async def there() -> bool:
        task = await svc.tasks.get(task_id)
        return task is not None and task.status == status

    await until(there)


async def finished(svc: Services, task_id: str) -> Task:
    """The task once it is terminal."""
    task: Task | None = None

    async def done() -> bool:
        nonlocal task
        # (a PostgreSQL outage may be under way: look again)
        with contextlib.suppress(OSError, asyncpg.PostgresError, asyncpg.InterfaceError):
            task = await svc.tasks.get(task_id)
        return task is not None and task.status.is_terminal

    try:
        await until(done)
    except TimeoutError:
        events = await svc.tasks.events(task_id)
        timeline = "\n".join(f"{e.at:%H:%M:%S} {e.status.value} {e.message}" for e in events)
        raise AssertionError(f"task {task_id} did not finish:\n{timeline}") from None
    assert task is not None
    return task


async def succeeded_once(svc: Services, task_id: str) -> Task:
    """The task once it ended; it must have SUCCEEDED, and only once."""
    task = await finished(svc, task_id)
    events = await svc.tasks.events(task_id)
    timeline = "\n".join(f"{e.at:%H:%M:%S.%f} {e.status.value} {e.message}" for e in events)
    assert task.status == TaskStatus.SUCCEEDED, f"{task.error}\n{timeline}"
    assert [e.status for e in events].count(TaskStatus.SUCCEEDED) == 1, timeline
    return task


async def druid_holds(druid_sql: DruidSqlForTests, datasource: str, *rows: Rows) -> None:
    """Druid holds every row of `rows` exactly once (no row lost, none appended twice)."""
    await druid_sql.wait_for_table(datasource)
    totals = await druid_sql.one(f'SELECT COUNT(*) AS n, SUM(id) AS ids FROM "{datasource}"')
    assert totals == {"n": sum(r.count for r in rows), "ids": sum(r.id_sum for r in rows)}


async def landed_once(
    svc: Services, druid_sql: DruidSqlForTests, task_id: str, datasource: str, rows: Rows
) -> Task:
    """The task SUCCEEDED once and Druid holds each of its rows exactly once."""
    task = await succeeded_once(svc, task_id)
    await druid_holds(druid_sql, datasource, rows)
    return task


async def has_multipart(svc: Services) -> bool:
    """Whether an upload into S3 is under way (or was left unfinished)."""
    return bool(await svc.store.unfinished_multiparts("uploads/"))


async def no_orphans(svc: Services, *tasks: Task) -> None:
    """After the hourly clean-up job, S3 holds each task's upload, its current attempt's staged
    parts and its quarantine file: no part of a dead attempt, no unfinished multipart upload."""
    await resumable.abort_orphans(svc)
    assert await svc.store.unfinished_multiparts("") == []
    allowed: set[str] = set()
    prefixes = []
    for task in tasks:
        allowed.add(task.raw_key)
        if task.quarantine_key:
            allowed.add(task.quarantine_key)
        prefixes.append(staged_prefix(task))
    stray = [
        key
        for key in await svc.store.list_keys("")
        if key not in allowed and not key.startswith(tuple(prefixes))
    ]
    assert stray == []
