"""Redis restarts: the worker comes back by itself, and open subscriptions still deliver the
terminal state. Each test runs its own redis-server on a free port (never the shared one;
tests/faults/stack.py `OwnRedis`, the `own_redis` fixture of tests/conftest.py) and kills and
starts it."""

from __future__ import annotations

import asyncio
import contextlib
import os
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from redis.asyncio import Redis

from core import queue
from core.auth.model import LEGACY_WORKSPACE
from core.model import IngestOptions, TaskStatus
from core.services import Services, open_services
from core.settings import ROOT, Settings
from core.storage import S3ObjectStore
from tests.conftest import UNREACHABLE_DRUID, serving_http
from tests.faults.stack import OwnRedis
from tests.graphql_ops import TASK_FEED, TASK_UPDATES, subscribe

WorkerProcess = tuple[subprocess.Popen[bytes], Path]
CSV = b"ts,v\n2024-01-01,1\n2024-01-02,2\n"


@pytest.fixture
def mine(settings: Settings, own_redis: OwnRedis, clean: None) -> Settings:
    return settings.model_copy(update={"redis_url": own_redis.url})


async def _new_task(svc: Services, task_id: str = "t1") -> str:
    key = f"uploads/u-{task_id}/a.csv"
    await svc.store.put_stream(key, _chunks(CSV), max_bytes=1024, content_type="text/csv")
    task = await svc.tasks.create(
        upload_id=f"u-{task_id}",
        task_id=task_id,
        filename="a.csv",
        content_type="text/csv",
        size_bytes=len(CSV),
        sha256=None,
        raw_key=key,
        datasource="ds",
        options=IngestOptions(),
        workspace_id=LEGACY_WORKSPACE.id,
    )
    return task.id


async def _chunks(data: bytes) -> AsyncIterator[bytes]:
    yield data


async def _until(condition: Any, *, timeout_s: float = 60.0) -> None:
    """Wait for `condition()` (a coroutine function) to be true, looking twice a second."""
    async with asyncio.timeout(timeout_s):
        while not await condition():
            await asyncio.sleep(0.5)


@pytest.fixture
def worker_process(mine: Settings, tmp_path: Path) -> Iterator[WorkerProcess]:
    """`python -m workers` (what scripts/run-worker.sh runs) on the test namespace."""
    env = {
        **os.environ,
        "SLUICE_DATABASE_URL": mine.database_url,
        "SLUICE_REDIS_URL": mine.redis_url,
        # Our own Redis has no password: not the stack's generated one (.data/secrets).
        "SLUICE_REDIS_PASSWORD": "",
        "SLUICE_S3_BUCKET": mine.s3_bucket,
        "SLUICE_QUEUE_NAME": mine.queue_name,
        "SLUICE_DRUID_OVERLORD_URL": UNREACHABLE_DRUID,
        "SLUICE_DRUID_COORDINATOR_URL": UNREACHABLE_DRUID,
        "SLUICE_DRUID_BROKER_URL": UNREACHABLE_DRUID,
    }
    log = tmp_path / "worker.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "workers"], cwd=ROOT, env=env, stdout=out, stderr=out
        )
        yield process, log
        process.terminate()
        process.wait(timeout=30)


async def test_the_worker_comes_back_after_redis_restarts(
    mine: Settings,
    own_redis: OwnRedis,
    worker_process: WorkerProcess,
    store: S3ObjectStore,
) -> None:
    process, log = worker_process
    health_key = f"{mine.queue_name}:health-check"
    async with Redis.from_url(own_redis.url) as probe:
        await _until(lambda: probe.exists(health_key))  # the worker is up
    own_redis.kill()
    await _until(lambda: _contains(log, "worker lost Redis"))
    await own_redis.start()  # empty: the queue and the health key are gone

    async with open_services(mine) as svc:
        task_id = await _new_task(svc)
        await queue.enqueue(
            svc.redis,
            queue_name=mine.queue_name,
            function=queue.PROCESS,
            task_id=task_id,
            attempt=1,
        )
        await _until(lambda: _finished(svc, task_id))
        task = await svc.tasks.require(task_id)

    assert process.poll() is None  # the same process, still running
    assert task.error is not None and task.error.code == "DRUID_UNAVAILABLE"


async def _contains(path: Path, text: str) -> bool:
    return text in path.read_text(errors="replace")


async def _finished(svc: Services, task_id: str) -> bool:
    task = await svc.tasks.get(task_id)
    return task is not None and task.status.is_terminal


async def test_task_updates_survive_a_redis_restart_and_end_with_the_terminal_state(
    mine: Settings, own_redis: OwnRedis, auth: dict[str, str]
) -> None:
    async with open_services(mine) as svc:
        task_id = await _new_task(svc)
        with serving_http(mine) as url:
            received: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
            updates = asyncio.create_task(
                subscribe(url, TASK_UPDATES, {"id": task_id}, auth=auth, each=received)
            )
            first = await asyncio.wait_for(received.get(), 30)
            assert first["taskUpdates"]["status"] == "QUEUED"

            own_redis.kill()
            # Its announcement is lost with Redis; PostgreSQL has the change.
            await svc.tasks.fail(
                task_id, stage=TaskStatus.QUEUED, code="STALLED", message="gone", retryable=False
            )
            await own_redis.start()
            items = await asyncio.wait_for(updates, 60)

    assert items[-1]["taskUpdates"]["status"] == "FAILED"
    assert items[-1]["taskUpdates"]["error"]["code"] == "STALLED"


async def test_the_task_feed_catches_up_after_a_redis_restart(
    mine: Settings, own_redis: OwnRedis, auth: dict[str, str]
) -> None:
    async with open_services(mine) as svc:
        task_id = await _new_task(svc)
        with serving_http(mine) as url:
            received: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
            feed = asyncio.create_task(subscribe(url, TASK_FEED, {}, auth=auth, each=received))
            # Changes until the feed shows one: then it is surely subscribed.
            while received.empty():
                await svc.tasks.transition(task_id, TaskStatus.QUEUED, message="still here")
                await asyncio.sleep(0.2)

            own_redis.kill()
            await svc.tasks.fail(
                task_id, stage=TaskStatus.QUEUED, code="STALLED", message="gone", retryable=False
            )
            await own_redis.start()
            async with asyncio.timeout(60):
                while True:
                    item = (await received.get())["taskFeed"]
                    if item["status"] == "FAILED":
                        break
            feed.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await feed

    assert item == {"id": task_id, "status": "FAILED", "error": {"code": "STALLED"}}


async def test_subscribing_while_redis_is_down_still_ends_with_the_terminal_state(
    mine: Settings, own_redis: OwnRedis, auth: dict[str, str]
) -> None:
    async with open_services(mine) as svc:
        task_id = await _new_task(svc)
        with serving_http(mine) as url:
            own_redis.kill()
            received: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
            updates = asyncio.create_task(
                subscribe(url, TASK_UPDATES, {"id": task_id}, auth=auth, each=received)
            )
            first = await asyncio.wait_for(received.get(), 30)  # read from PostgreSQL
            assert first["taskUpdates"]["status"] == "QUEUED"
            await svc.tasks.fail(
                task_id, stage=TaskStatus.QUEUED, code="STALLED", message="gone", retryable=False
            )
            await own_redis.start()
            items = await asyncio.wait_for(updates, 60)

    assert [i["taskUpdates"]["status"] for i in items] == ["QUEUED", "FAILED"]
