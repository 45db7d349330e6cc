"""Fixtures shared by the integration and Druid tests: real PostgreSQL, Redis and S3.

Tests use their own database (`…_test`), Redis database and bucket, wiped per test, so they
never touch what `make run` shows.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx
import pytest
import uvicorn
from arq.connections import ArqRedis, RedisSettings, create_pool
from arq.worker import Worker
from starlette.types import ASGIApp

from api.app import create_app, in_process
from core.auth import Role
from core.auth.model import LEGACY_WORKSPACE
from core.auth.store import create_token, ensure_workspace
from core.db import create_pool as create_db_pool
from core.settings import Settings
from core.storage import S3ObjectStore
from tests.faults.stack import OwnRedis, free_port
from workers.settings import WorkerSettings

UNREACHABLE_DRUID = "http://127.0.0.1:9"  # the discard port: connection refused


def _test_settings(**overrides: Any) -> Settings:
    """The configured stack, one namespace over: database `…_test`, the next Redis database,
    bucket `…-test`, queue `…:test`. Derived from the settings (not fixed names), so two
    checkouts configured with different names can run their tests against one stack."""
    base = Settings()
    db = urlsplit(base.database_url)
    redis = urlsplit(base.redis_url)
    redis_db = int(redis.path.strip("/") or 0)
    return base.model_copy(
        update={
            "database_url": urlunsplit(db._replace(path=db.path + "_test")),
            "redis_url": urlunsplit(redis._replace(path=f"/{redis_db + 1}")),
            "s3_bucket": f"{base.s3_bucket}-test",
            "queue_name": f"{base.queue_name}:test",
            # httpx's test clients use these names ("sluice.test", "t").
            "allowed_hosts": [*base.allowed_hosts, "sluice.test", "t"],
            **overrides,
        }
    )


@pytest.fixture(scope="session")
def settings() -> Settings:
    """Test settings without Druid: submissions fail fast with DRUID_UNAVAILABLE."""
    return _test_settings(
        druid_overlord_url=UNREACHABLE_DRUID,
        druid_coordinator_url=UNREACHABLE_DRUID,
        druid_broker_url=UNREACHABLE_DRUID,
    )


@pytest.fixture(scope="session")
def druid_settings() -> Settings:
    """Test settings pointing at the real local Druid."""
    return _test_settings()


@pytest.fixture(scope="session")
async def db(settings: Settings) -> AsyncIterator[Any]:
    pool = await create_db_pool(settings.database_url)
    yield pool
    await pool.close()


@pytest.fixture(scope="session")
async def redis(settings: Settings) -> AsyncIterator[ArqRedis]:
    pool = await create_pool(
        RedisSettings.from_dsn(settings.redis_url), default_queue_name=settings.queue_name
    )
    yield pool
    await pool.aclose()


@pytest.fixture(scope="session")
async def store(settings: Settings) -> AsyncIterator[S3ObjectStore]:
    async with S3ObjectStore(settings) as s3:
        await s3.ensure_bucket()
        yield s3


@pytest.fixture
async def clean(db: Any, redis: ArqRedis, store: S3ObjectStore) -> None:
    """Wipe metadata, queue and objects, so each test starts from nothing."""
    await wipe(db, redis, store)


async def wipe(db: Any, redis: ArqRedis, store: S3ObjectStore) -> None:
    """Empty PostgreSQL (but the default workspace), Redis, the bucket and its unfinished
    multipart uploads."""
    await db.execute(
        "TRUNCATE task_events, dataset_columns, datasets, upload_sessions, tasks, uploads,"
        " sessions, api_tokens, memberships, users, workspaces RESTART IDENTITY CASCADE"
    )
    await db.execute(  # as migration 0005 leaves it
        "INSERT INTO workspaces (id, slug, druid_prefix) VALUES ($1, $2, $3)",
        LEGACY_WORKSPACE.id,
        LEGACY_WORKSPACE.slug,
        LEGACY_WORKSPACE.druid_prefix,
    )
    await redis.flushdb()
    await store.delete_prefix("")
    for upload in await store.unfinished_multiparts(""):  # parts of unfinished uploads
        await store.abort_multipart(upload.key, upload.upload_id)


async def grant(
    db: Any, *, workspace: str = LEGACY_WORKSPACE.slug, role: Role = Role.EDITOR
) -> dict[str, str]:
    """Headers of an API client with `role` in `workspace` (created if missing). The default
    workspace keeps Druid names unprefixed, so tests can name Druid datasources directly."""
    found = await ensure_workspace(db, workspace)
    _, token = await create_token(db, workspace_id=found.id, role=role, name=f"test {role}")
    return {"authorization": f"Bearer {token}", "x-sluice-csrf": "1"}


@pytest.fixture
async def auth(db: Any, clean: None) -> dict[str, str]:
    """An EDITOR's headers in the default workspace."""
    return await grant(db)


@pytest.fixture
async def app(settings: Settings, clean: None) -> AsyncIterator[ASGIApp]:
    """The app with its lifespan running, for several clients (see `client_of`)."""
    async with in_process(create_app(settings)) as asgi:
        yield asgi


def client_of(app: ASGIApp, headers: dict[str, str]) -> httpx.AsyncClient:
    """An in-process client of a running `app` sending `headers` (see `grant`)."""
    transport = httpx.ASGITransport(app=app)
    return httpx.AsyncClient(transport=transport, base_url="http://sluice.test", headers=headers)


@contextlib.asynccontextmanager
async def api_client(
    settings: Settings, headers: dict[str, str]
) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client talking to a fresh app (lifespan run) in process."""
    async with in_process(create_app(settings)) as asgi, client_of(asgi, headers) as http:
        yield http


@pytest.fixture
async def client(app: ASGIApp, auth: dict[str, str]) -> AsyncIterator[httpx.AsyncClient]:
    async with client_of(app, auth) as http:
        yield http


async def run_worker(settings: Settings, redis: ArqRedis | None = None) -> None:
    """Run an arq worker in burst mode: it works until the queue (incl. deferred jobs) is empty.

    The worker gets its own Redis pool, as a real worker process would (and arq closes it).
    """
    worker = Worker(
        functions=WorkerSettings.functions,
        redis_settings=RedisSettings.from_dsn(settings.redis_url),
        queue_name=settings.queue_name,
        burst=True,
        on_startup=WorkerSettings.on_startup,
        on_shutdown=WorkerSettings.on_shutdown,
        on_job_start=WorkerSettings.on_job_start,
        ctx={"settings": settings},
        poll_delay=0.05,
        max_jobs=4,
        handle_signals=False,
    )
    try:
        await worker.main()
    finally:
        await worker.close()


@pytest.fixture
def worker(settings: Settings, redis: ArqRedis, clean: None) -> Any:
    return lambda: run_worker(settings, redis)


@contextlib.contextmanager
def serving_http(settings: Settings) -> Iterator[str]:
    """A real uvicorn (its own thread and event loop) for WebSocket tests. Yields its
    host:port."""
    port = free_port()
    config = uvicorn.Config(
        create_app(settings),
        host="127.0.0.1",
        port=port,
        log_level="warning",
        ws="websockets-sansio",
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    for _ in range(200):
        if server.started:
            break
        threading.Event().wait(0.05)
    try:
        yield f"127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@pytest.fixture
async def own_redis(tmp_path: Path) -> AsyncIterator[OwnRedis]:
    """A redis-server of the test's own (never the shared one), to kill, pause or restart."""
    server = OwnRedis(tmp_path)
    await server.start()
    yield server
    if server.running:
        server.resume()  # (a paused one)
    server.kill()


@pytest.fixture
def live_server(settings: Settings, clean: None) -> Iterator[str]:
    with serving_http(settings) as url:
        yield url


def unique(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex[:8]}"


@contextlib.asynccontextmanager
async def timeout(seconds: float) -> AsyncIterator[None]:
    async with asyncio.timeout(seconds):
        yield
