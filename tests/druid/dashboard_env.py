"""Load the dashboard test CSV into the real Druid once, and catalog it in a throwaway database.

The file goes the way Sluice stages files: into S3 under `staged/`, then an `index_parallel`
task built by `core.druid.spec` reads it from there.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import httpx
import polars as pl

from core import catalog
from core.db import create_pool
from core.druid.broker import DruidBroker
from core.druid.client import DruidClient
from core.druid.spec import build_ingestion_spec
from core.model import ColumnProfile, ColumnType, Profile, StagedData, TimestampInfo, WriteMode
from core.settings import Settings
from core.storage import S3ObjectStore
from tests.druid.dashboard_data import ROWS, make_csv, read_frame

COLUMNS = (
    ("ts", ColumnType.TIMESTAMP),
    ("city", ColumnType.STRING),
    ("device", ColumnType.STRING),
    ("amount", ColumnType.DOUBLE),
    ("qty", ColumnType.LONG),
    ("user_id", ColumnType.STRING),
)


@dataclass(frozen=True)
class Loaded:
    datasource: str
    task_id: str


def dashboard_settings() -> Settings:
    """Real Druid, S3 and PostgreSQL; a database of our own so other tests cannot wipe it."""
    base = Settings()
    url = urlsplit(base.database_url)
    return base.model_copy(
        update={"database_url": urlunsplit(url._replace(path=url.path + "_dashboard_test"))}
    )


async def catalog_pool(settings: Settings) -> asyncpg.Pool:
    """A migrated pool on the throwaway database, emptied of earlier runs."""
    pool = await create_pool(settings.database_url)
    await pool.execute("TRUNCATE task_events, dataset_columns, datasets, tasks, uploads CASCADE")
    return pool


def _profile(data: bytes) -> tuple[Profile, TimestampInfo]:
    stamp = TimestampInfo(
        column="ts",
        druid_format="iso",
        min="2024-01-01T00:00:00Z",
        max="2024-03-31T23:59:59Z",
    )
    columns = tuple(ColumnProfile(name, kind, 0, 0) for name, kind in COLUMNS)
    profile = Profile("csv", "utf-8", ",", None, ROWS, ROWS, 0, columns, stamp)
    return profile, stamp


async def ingest(data: bytes, *, settings: Settings, pool: asyncpg.Pool) -> Loaded:
    """Stage `data` in S3, ingest it into a fresh datasource, wait until the broker serves
    every row, then record it in the catalog as the worker would."""
    datasource = f"dashq_{uuid.uuid4().hex[:10]}"
    task_id = f"t_{uuid.uuid4().hex[:12]}"
    key = f"staged/{datasource}/{task_id}/part-0.csv"
    async with S3ObjectStore(settings) as store:
        await store.ensure_bucket()
        await store.put_stream(key, _chunks(data), max_bytes=len(data), content_type="text/csv")
        uri = store.uri(key)
    profile, _ = _profile(data)
    staged = StagedData((uri,), "csv", tuple(name for name, _ in COLUMNS), ROWS)
    spec = build_ingestion_spec(
        task_id=f"sluice_{task_id}",
        upload_id=task_id,
        datasource=datasource,
        profile=profile,
        staged=staged,
        mode=WriteMode.APPEND,
        settings=settings,
    )
    async with httpx.AsyncClient(timeout=30) as http:
        await _run_task(DruidClient.from_settings(http, settings), spec)
        broker = DruidBroker.from_settings(http, settings)
        await _wait_until_served(broker, datasource)
        await _record_task(pool, task_id=task_id, datasource=datasource, key=key)
        await catalog.refresh_dataset_from_druid(pool, broker, datasource, task_id=task_id)
    return Loaded(datasource, task_id)


async def _chunks(data: bytes) -> AsyncIterator[bytes]:
    yield data


async def _run_task(druid: DruidClient, spec: dict[str, Any]) -> None:
    druid_task = await druid.submit_task(spec)
    async with asyncio.timeout(600):
        while not (status := await druid.task_status(druid_task)).is_finished:
            await asyncio.sleep(1)
    if status.state != "SUCCESS":
        explanation = await druid.explain_task_failure(druid_task)
        raise AssertionError(f"ingestion failed: {status.error_message}: {explanation}")


async def _wait_until_served(broker: DruidBroker, datasource: str) -> None:
    quoted = '"' + datasource.replace('"', '""') + '"'
    async with asyncio.timeout(180):
        while True:
            try:
                result = await broker.sql(f"SELECT COUNT(*) FROM {quoted}")
                if result.rows[0][0] == ROWS:
                    return
            except Exception:  # not yet known to the broker
                pass
            await asyncio.sleep(1)


async def _record_task(pool: asyncpg.Pool, *, task_id: str, datasource: str, key: str) -> None:
    async with pool.acquire() as conn, conn.transaction():
        await conn.execute(
            "INSERT INTO uploads (id, filename, size_bytes, sha256, raw_key, workspace_id)"
            " VALUES ($1, 'sales.csv', 1, 'x', $2, 'legacy')",
            task_id,
            key,
        )
        await conn.execute(
            "INSERT INTO tasks (id, upload_id, datasource, status, rows_total, created_at,"
            " workspace_id) VALUES ($1, $1, $2, 'SUCCEEDED', $3, $4, 'legacy')",
            task_id,
            datasource,
            ROWS,
            datetime.now(UTC),
        )


async def drop(settings: Settings, datasource: str) -> None:
    """Drop the test datasource so test runs leave nothing queryable behind."""
    async with httpx.AsyncClient(timeout=30) as http:
        await DruidClient.from_settings(http, settings).drop_datasource(datasource)


@dataclass(frozen=True)
class DashboardEnv:
    """What the dashboard query tests share: settings, the catalog pool and the datasource."""

    settings: Settings
    pool: asyncpg.Pool
    loaded: Loaded
    http: httpx.AsyncClient
    broker: DruidBroker
    frame: pl.DataFrame  # the file as Polars reads it: the expected answers come from here


_SHARED: list[DashboardEnv] = []
_USERS: list[object] = []


async def acquire() -> DashboardEnv:
    """The environment, set up on first use in this test process: one ingestion per session,
    whichever test module asks first. Pair every call with `release()`."""
    if not _SHARED:
        data = make_csv()
        settings = dashboard_settings()
        pool = await catalog_pool(settings)
        loaded = await ingest(data, settings=settings, pool=pool)
        http = httpx.AsyncClient(timeout=30)
        broker = DruidBroker.from_settings(http, settings)
        _SHARED.append(DashboardEnv(settings, pool, loaded, http, broker, read_frame(data)))
    _USERS.append(object())
    return _SHARED[0]


async def release() -> None:
    """Tear down after the last user: drop the datasource, close the pool."""
    _USERS.pop()
    if _USERS or not _SHARED:
        return
    env = _SHARED.pop()
    await drop(env.settings, env.loaded.datasource)
    await env.http.aclose()
    await env.pool.close()
