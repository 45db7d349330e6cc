"""Fixtures for tests against the real local Druid (druid/run.sh, `make run`).

Druid must already be running: these fixtures wait for it (bounded) and fail, naming the
service that is not ready, rather than skip. Files are staged under
`s3://{settings.s3_bucket}/staged/_druid_tests/{run}/` and datasources are named
`druidtest_{run}_…`; both are removed at the end of the session.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import polars as pl
import pytest
from arq.connections import ArqRedis

from core.druid.client import DruidClient, DruidTaskReport, DruidTaskStatus
from core.druid.errors import DruidUnavailable
from core.druid.ready import wait_until_ready
from core.model import ColumnProfile, ColumnType, Profile, StagedData, TimestampInfo
from core.settings import Settings
from core.storage import S3ObjectStore
from tests.conftest import api_client, grant, run_worker
from tests.graphql_ops import get_task, upload_file

RUN_ID = uuid.uuid4().hex[:8]
# Generous bounds so a slow CI machine does not fail a correct cluster; never asserted on.
READY_TIMEOUT_S = 240.0
TASK_TIMEOUT_S = 300.0
QUERYABLE_TIMEOUT_S = 120.0

_POLARS_TYPES = {
    pl.Int64: ColumnType.LONG,
    pl.Float64: ColumnType.DOUBLE,
    pl.Boolean: ColumnType.BOOLEAN,
}


@pytest.fixture(scope="session")
def runtime_settings() -> Settings:
    """The local stack's settings: the same Druid, S3 and buckets `make run` uses."""
    return Settings()


@pytest.fixture(scope="session")
async def druid(runtime_settings: Settings) -> AsyncIterator[DruidClient]:
    """A DruidClient on a ready cluster; drops the test datasources afterwards."""
    try:
        await wait_until_ready(runtime_settings, timeout_s=READY_TIMEOUT_S)
    except DruidUnavailable as exc:
        pytest.fail(f"{exc} Start Druid first: `make run` or `make stack-up`.")
    async with httpx.AsyncClient() as http:
        client = DruidClient.from_settings(http, runtime_settings)
        yield client
        for datasource in sorted(_created_datasources):
            await client.drop_datasource(datasource)


_created_datasources: set[str] = set()


def new_datasource() -> str:
    """A datasource name unique to this test run, dropped at the end of the session."""
    name = f"druidtest_{RUN_ID}_{uuid.uuid4().hex[:6]}"
    _created_datasources.add(name)
    return name


@pytest.fixture
def datasource() -> str:
    """A datasource name unique to this test run."""
    return new_datasource()


@dataclass
class Staging:
    """Puts CSV files where the worker stages them and says how Polars sees them."""

    store: S3ObjectStore
    work_dir: Path
    prefix: str
    keys: list[str] = field(default_factory=list)

    async def put_csv(self, name: str, text: str) -> str:
        """Upload `text` as `…/{name}.csv`; return its s3:// URI."""
        path = self.work_dir / f"{name}.csv"
        path.write_text(text, encoding="utf-8")
        key = f"{self.prefix}{name}.csv"
        await self.store.put_file(key, path, content_type="text/csv")
        self.keys.append(key)
        return self.store.uri(key)

    def frame(self, name: str) -> pl.DataFrame:
        """The staged file as Polars reads it (the expected values of every assertion)."""
        return pl.read_csv(self.work_dir / f"{name}.csv", try_parse_dates=True)

    def staged(self, name: str, uri: str) -> StagedData:
        frame = self.frame(name)
        return StagedData(uris=(uri,), format="csv", columns=tuple(frame.columns), rows=len(frame))

    def profile(self, name: str, *, time_column: str | None) -> Profile:
        """A validation profile computed by Polars, as the profiler would produce it."""
        frame = self.frame(name)
        columns = tuple(
            ColumnProfile(
                name=column,
                type=_column_type(frame[column].dtype),
                null_count=frame[column].null_count(),
                distinct_count=frame[column].n_unique(),
            )
            for column in frame.columns
        )
        if time_column is None:
            timestamp = TimestampInfo(column=None)
        else:
            times = frame[time_column]
            timestamp = TimestampInfo(
                column=time_column, druid_format="iso", min=_iso(times.min()), max=_iso(times.max())
            )
        return Profile(
            format="csv",
            encoding="utf-8",
            delimiter=",",
            sheet=None,
            rows_total=len(frame),
            rows_valid=len(frame),
            rows_quarantined=0,
            columns=columns,
            timestamp=timestamp,
        )


def _column_type(dtype: Any) -> ColumnType:
    if isinstance(dtype, pl.Datetime):
        return ColumnType.TIMESTAMP
    return _POLARS_TYPES.get(dtype, ColumnType.STRING)


def _iso(value: Any) -> str:
    assert isinstance(value, datetime)
    moment = value if value.tzinfo else value.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@pytest.fixture(scope="session")
async def staging(
    runtime_settings: Settings, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Staging]:
    async with S3ObjectStore(runtime_settings) as store:
        await store.ensure_bucket()
        helper = Staging(
            store=store,
            work_dir=tmp_path_factory.mktemp("staged"),
            prefix=f"staged/_druid_tests/{RUN_ID}/",
        )
        yield helper
        await store.delete_prefix(helper.prefix)


async def wait_for_task(druid: DruidClient, task_id: str) -> DruidTaskStatus:
    """Poll until the task finishes (bounded); the report and log explain a timeout."""
    deadline = time.monotonic() + TASK_TIMEOUT_S
    while True:
        status = await druid.task_status(task_id)
        if status.is_finished:
            return status
        if time.monotonic() > deadline:
            log = await druid.task_log(task_id, tail_bytes=4000)
            pytest.fail(f"task {task_id} still {status.state} after {TASK_TIMEOUT_S} s:\n{log}")
        await asyncio.sleep(0.5)


async def wait_until_loaded(druid: DruidClient, datasource: str) -> None:
    """Poll the Coordinator (bounded) until every used segment is loaded."""
    deadline = time.monotonic() + QUERYABLE_TIMEOUT_S
    while not await druid.segments_loaded(datasource):
        if time.monotonic() > deadline:
            pytest.fail(f"segments of {datasource} not loaded after {QUERYABLE_TIMEOUT_S} s")
        await asyncio.sleep(0.5)


async def final_report(druid: DruidClient, task_id: str) -> DruidTaskReport:
    """The finished task's report (it can lag the status by a moment)."""
    for _ in range(40):
        report = await druid.task_report(task_id)
        if report is not None and report.ingestion_state not in (None, "BUILD_SEGMENTS"):
            return report
        await asyncio.sleep(0.25)
    pytest.fail(f"no final report for task {task_id}")


class DruidSqlForTests:
    """Test helper: Druid SQL over plain httpx, for assertions only (the product's SQL client
    is core.druid.broker). Values are passed as dynamic parameters."""

    def __init__(self, http: httpx.AsyncClient, broker_url: str) -> None:
        self._http, self._url = http, broker_url.rstrip("/") + "/druid/v2/sql"

    async def rows(self, query: str, *parameters: Any) -> list[dict[str, Any]]:
        body = {
            "query": query,
            "parameters": [_sql_param(value) for value in parameters],
            "resultFormat": "object",
            # Exact answers, so they can equal what Polars computes.
            "context": {"useApproximateCountDistinct": False, "useApproximateTopN": False},
        }
        response = await self._http.post(self._url, json=body, timeout=30)
        assert response.status_code == 200, f"Druid SQL failed: {response.text}\n{query}"
        result: list[dict[str, Any]] = response.json()
        return result

    async def one(self, query: str, *parameters: Any) -> dict[str, Any]:
        rows = await self.rows(query, *parameters)
        assert len(rows) == 1, rows
        return rows[0]

    async def wait_for_table(self, datasource: str) -> None:
        """New tables reach the Broker's SQL schema shortly after their segments load."""
        query = "SELECT COUNT(*) AS n FROM INFORMATION_SCHEMA.TABLES WHERE TABLE_NAME = ?"
        deadline = time.monotonic() + QUERYABLE_TIMEOUT_S
        while (await self.one(query, datasource))["n"] == 0:
            if time.monotonic() > deadline:
                pytest.fail(f"{datasource} not visible to Druid SQL after {QUERYABLE_TIMEOUT_S} s")
            await asyncio.sleep(0.2)


def _sql_param(value: Any) -> dict[str, Any]:
    if isinstance(value, bool):
        return {"type": "BOOLEAN", "value": value}
    if isinstance(value, int):
        return {"type": "BIGINT", "value": value}
    if isinstance(value, float):
        return {"type": "DOUBLE", "value": value}
    return {"type": "VARCHAR", "value": str(value)}


@pytest.fixture(scope="session")
async def druid_sql(runtime_settings: Settings) -> AsyncIterator[DruidSqlForTests]:
    async with httpx.AsyncClient() as http:
        yield DruidSqlForTests(http, runtime_settings.druid_broker_url)


def csv_text(header: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """A CSV document; None becomes an empty field."""
    lines = [",".join(header)]
    lines += [",".join("" if v is None else str(v) for v in row) for row in rows]
    return "\n".join(lines) + "\n"


@dataclass
class DruidApi:
    """An editor's API client on the real Druid, and the worker that carries its tasks."""

    client: httpx.AsyncClient
    settings: Settings
    redis: ArqRedis

    async def ingest(self, content: str, datasource: str, **options: Any) -> dict[str, Any]:
        """Upload `content` as f.csv and run the worker; the task must have SUCCEEDED."""
        task = await upload_file(
            self.client, filename="f.csv", content=content.encode(), datasource=datasource,
            options=options or None,
        )  # fmt: skip
        assert task["__typename"] == "IngestionTask", task
        await run_worker(self.settings, self.redis)
        done = await get_task(self.client, task["id"])
        assert done["status"] == "SUCCEEDED", done["error"]
        return done


@pytest.fixture
async def druid_api(
    druid_settings: Settings, druid: Any, redis: ArqRedis, db: Any, clean: None
) -> AsyncIterator[DruidApi]:
    async with api_client(druid_settings, await grant(db)) as client:
        yield DruidApi(client, druid_settings, redis)


@dataclass(frozen=True)
class Submission:
    """One file to upload: as `filename`, into `datasource`, with upload `options`."""

    filename: str
    content: bytes
    datasource: str
    options: dict[str, Any] | None = None


async def ingest_together(
    client: httpx.AsyncClient, settings: Settings, redis: ArqRedis, files: dict[str, Submission]
) -> dict[str, dict[str, Any]]:
    """Upload every file first, then run one worker until all are finished: their Druid
    tasks run side by side in the cluster's task slots instead of one after another. Returns
    each finished task by the key of its file."""
    task_ids = {}
    for key, file in files.items():
        task = await upload_file(
            client, filename=file.filename, content=file.content, datasource=file.datasource,
            options=file.options,
        )  # fmt: skip
        assert task["__typename"] == "IngestionTask", (key, task)
        task_ids[key] = task["id"]
    _created_datasources.update(file.datasource for file in files.values())
    await run_worker(settings, redis)  # until every task is finished
    return {key: await get_task(client, task_id) for key, task_id in task_ids.items()}
