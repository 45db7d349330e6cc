"""Live updates fan out in memory: one Redis subscription and one PostgreSQL read per change
per process, however many subscribers; several API processes on one Redis all deliver; the
subscription caps answer with a clear error."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx

from core.auth.model import LEGACY_WORKSPACE, Role
from core.auth.store import ensure_workspace
from core.broadcast import Broadcaster, Watcher
from core.model import Task, TaskStatus
from core.services import open_services
from core.settings import Settings
from core.tasks import TaskStore
from tests.conftest import free_port, grant, serving_http
from tests.graphql_ops import TASK_FEED, TASK_UPDATES, connect, first_error, start, subscribe
from tests.tasks import new_task

ROOT = Path(__file__).resolve().parents[2]


class CountingTaskStore(TaskStore):
    """The real store, counting the tasks the broadcaster reads."""

    reads = 0

    async def with_workspaces(
        self, *, task_ids: Sequence[str] | None = None, since: datetime | None = None
    ) -> list[tuple[Task, str]]:
        self.reads += len(task_ids or ())
        return await super().with_workspaces(task_ids=task_ids, since=since)


async def test_a_change_is_read_once_for_all_watchers_of_a_process(
    settings: Settings, clean: None
) -> None:
    async with open_services(settings) as svc:
        task_id = await new_task(svc, "t1")
        channel = settings.task_events_channel
        store = CountingTaskStore(svc.db, svc.redis, channel=channel)
        broadcaster = Broadcaster(
            svc.redis, store, channel=channel, max_subscriptions=1000, max_per_connection=1000
        )
        async with contextlib.AsyncExitStack() as stack:
            watchers = [
                await stack.enter_async_context(broadcaster.watch(connection=svc))
                for _ in range(300)
            ]
            watchers.append(
                await stack.enter_async_context(broadcaster.watch(connection=svc, task_id=task_id))
            )
            await svc.tasks.fail(
                task_id, stage=TaskStatus.QUEUED, code="STALLED", message="gone", retryable=False
            )
            statuses = await asyncio.wait_for(asyncio.gather(*map(_until_failed, watchers)), 30)
        await broadcaster.close()

    assert all(seen[-1] == TaskStatus.FAILED for seen in statuses)
    assert store.reads == 1


async def test_a_hand_out_lets_the_event_loop_run_other_work_between_batches(
    settings: Settings, clean: None
) -> None:
    async with open_services(settings) as svc:
        task_id = await new_task(svc, "t1")
        broadcaster = Broadcaster(
            svc.redis,
            svc.tasks,
            channel=settings.task_events_channel,
            max_subscriptions=1000,
            max_per_connection=1000,
            hand_out_batch=10,
        )
        async with contextlib.AsyncExitStack() as stack:
            watchers = [
                await stack.enter_async_context(broadcaster.watch(connection=svc))
                for _ in range(100)
            ]
            # Another coroutine, one step per turn of the loop, watches the hand-out.
            woken_seen = asyncio.create_task(_woken_per_turn(watchers))
            await svc.tasks.fail(
                task_id, stage=TaskStatus.QUEUED, code="STALLED", message="gone", retryable=False
            )
            seen = await asyncio.wait_for(woken_seen, 30)
        await broadcaster.close()

    assert {0, 10, 50, 90, 100} <= seen  # between batches of 10, never all at once


async def _woken_per_turn(watchers: list[Watcher]) -> set[int]:
    """How many watchers had been offered a change, at each turn of the loop until all."""
    seen: set[int] = set()
    while len(watchers) not in seen:
        seen.add(sum(w._wake.is_set() for w in watchers))
        await asyncio.sleep(0)
    return seen


async def _until_failed(watcher: Watcher) -> list[TaskStatus]:
    """The states the watcher is handed until FAILED (a resync may hand out QUEUED first)."""
    seen: list[TaskStatus] = []
    while TaskStatus.FAILED not in seen:
        seen += [task.status for task in (await watcher.next()).tasks]
    return seen


@contextlib.contextmanager
def api_process(settings: Settings) -> Iterator[str]:
    """The API as a process of its own (uvicorn, as scripts/run-api.sh starts it) on the
    test's PostgreSQL, Redis and queue; yields its host:port once it answers."""
    port = free_port()
    env = {
        **os.environ,
        "SLUICE_DATABASE_URL": settings.database_url,
        "SLUICE_REDIS_URL": settings.redis_url,
        "SLUICE_QUEUE_NAME": settings.queue_name,
        "SLUICE_S3_BUCKET": settings.s3_bucket,
    }
    command = [sys.executable, "-m", "uvicorn", "api.app:create_app", "--factory"]
    command += ["--host", "127.0.0.1", "--port", str(port), "--ws", "websockets-sansio"]
    command += ["--ws-per-message-deflate", "false", "--log-level", "warning"]
    process = subprocess.Popen(command, cwd=ROOT, env=env)
    try:
        deadline = time.monotonic() + 60
        while True:
            assert process.poll() is None, "the second API process exited"
            try:
                httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=5)
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline, "the second API process never answered"
                time.sleep(0.1)
        yield f"127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=30)


async def test_every_api_process_on_one_redis_delivers(
    settings: Settings, clean: None, db: Any
) -> None:
    auth = await grant(db)
    async with open_services(settings) as svc:
        task_id = await new_task(svc, "t1")
        with serving_http(settings) as one, api_process(settings) as two:
            feeds = [asyncio.Queue[dict[str, Any]]() for _ in range(2)]
            subscriptions = [
                asyncio.create_task(subscribe(url, TASK_FEED, {}, auth=auth, each=feed))
                for url, feed in zip((one, two), feeds, strict=True)
            ]
            updates = [
                asyncio.create_task(subscribe(url, TASK_UPDATES, {"id": task_id}, auth=auth))
                for url in (one, two)
            ]
            # Changes until both feeds show one: then both are surely subscribed.
            while any(feed.empty() for feed in feeds):
                await svc.tasks.transition(task_id, TaskStatus.QUEUED, message="still here")
                await asyncio.sleep(0.2)
            await svc.tasks.fail(
                task_id, stage=TaskStatus.QUEUED, code="STALLED", message="gone", retryable=False
            )
            finals = [await _first_failed(feed) for feed in feeds]
            completed = await asyncio.wait_for(asyncio.gather(*updates), 30)
            for subscription in subscriptions:
                subscription.cancel()
            await asyncio.gather(*subscriptions, return_exceptions=True)

    assert finals == [{"id": task_id, "status": "FAILED", "error": {"code": "STALLED"}}] * 2
    assert [items[-1]["taskUpdates"]["status"] for items in completed] == ["FAILED"] * 2


async def test_feeds_in_two_workspaces_and_roles_get_only_their_own_frames(
    settings: Settings, clean: None, db: Any
) -> None:
    other = await ensure_workspace(db, "fanout-other")
    auths = {
        "viewer": await grant(db, role=Role.VIEWER),
        "admin": await grant(db, role=Role.ADMIN),
        "elsewhere": await grant(db, workspace=other.slug, role=Role.VIEWER),
    }
    async with open_services(settings) as svc:
        own = {
            "viewer": await new_task(svc, "t-mine"),
            "elsewhere": await new_task(svc, "t-theirs", workspace_id=other.id),
        }
        own["admin"] = own["viewer"]
        with serving_http(settings) as url:
            # Two subscribers per caller (one process renders each change once per workspace
            # and role), each with its own operation id (`subscribe` checks every frame's).
            feeds = {(who, n): asyncio.Queue[dict[str, Any]]() for who in auths for n in (1, 2)}
            subscriptions = [
                asyncio.create_task(
                    subscribe(url, TASK_FEED, {}, auth=auths[who], each=feed, op=f"{who}-{n}")
                )
                for (who, n), feed in feeds.items()
            ]
            items: dict[tuple[str, int], list[dict[str, Any]]] = {key: [] for key in feeds}
            while any(not items[key] for key in feeds):  # until every feed is surely live
                for task_id in set(own.values()):
                    await svc.tasks.transition(task_id, TaskStatus.QUEUED, message="still here")
                await asyncio.sleep(0.2)
                _drain(feeds, items)
            for task_id in set(own.values()):
                await svc.tasks.fail(
                    task_id, stage=TaskStatus.QUEUED, code="STALLED", message="x", retryable=False
                )
            async with asyncio.timeout(30):
                for key, feed in feeds.items():
                    while items[key][-1]["status"] != "FAILED":
                        items[key].append((await feed.get())["taskFeed"])
            for subscription in subscriptions:
                subscription.cancel()
            await asyncio.gather(*subscriptions, return_exceptions=True)

    for (who, _), seen in items.items():
        assert {item["id"] for item in seen} == {own[who]}, who
        assert seen[-1]["status"] == "FAILED"


def _drain(
    feeds: dict[tuple[str, int], asyncio.Queue[dict[str, Any]]],
    items: dict[tuple[str, int], list[dict[str, Any]]],
) -> None:
    for key, feed in feeds.items():
        while not feed.empty():
            items[key].append(feed.get_nowait()["taskFeed"])


async def _first_failed(feed: asyncio.Queue[dict[str, Any]]) -> dict[str, Any]:
    async with asyncio.timeout(30):
        while True:
            item: dict[str, Any] = (await feed.get())["taskFeed"]
            if item["status"] == "FAILED":
                return item


async def test_one_connection_over_its_cap_is_told_why(
    settings: Settings, clean: None, db: Any
) -> None:
    auth = await grant(db)
    capped = settings.model_copy(update={"subscriptions_max_per_connection": 1})
    with serving_http(capped) as url:
        async with connect(url, auth) as ws:
            await start(ws, TASK_FEED, op="1")
            await start(ws, TASK_FEED, op="2")
            message = (await first_error(ws, "2"))["message"]

    assert "already has 1 live subscriptions" in message
    assert "Stop one you no longer need" in message


async def test_a_process_over_its_cap_is_told_why(settings: Settings, clean: None, db: Any) -> None:
    auth = await grant(db)
    capped = settings.model_copy(update={"subscriptions_max_per_process": 1})
    async with open_services(settings) as svc:
        task_id = await new_task(svc, "t1")
    with serving_http(capped) as url:
        async with connect(url, auth) as first, connect(url, auth) as second:
            await start(first, TASK_UPDATES, {"id": task_id})
            assert json.loads(await first.recv())["type"] == "next"  # it is live
            await start(second, TASK_FEED, op="2")
            message = (await first_error(second, "2"))["message"]

    assert "serving its limit of 1 live subscriptions" in message
    assert "SLUICE_SUBSCRIPTIONS_MAX_PER_PROCESS" in message


async def test_an_unreadable_message_does_not_stop_the_fan_out(
    settings: Settings, clean: None
) -> None:
    async with open_services(settings) as svc:
        task_id = await new_task(svc, "t1")
        async with svc.broadcaster.watch(connection=svc, task_id=task_id) as watcher:
            await svc.redis.publish(settings.task_events_channel, b"\xff not json")
            await svc.tasks.fail(
                task_id, stage=TaskStatus.QUEUED, code="STALLED", message="gone", retryable=False
            )
            await asyncio.wait_for(_until_failed(watcher), 30)


async def test_a_watcher_gets_only_its_workspace_tasks(settings: Settings, clean: None) -> None:
    async with open_services(settings) as svc:
        task_id = await new_task(svc, "t1")
        broadcaster = svc.broadcaster
        async with (
            broadcaster.watch(connection=svc, workspace_id="elsewhere") as other,
            broadcaster.watch(connection=svc, workspace_id=LEGACY_WORKSPACE.id) as mine,
        ):
            await svc.tasks.fail(
                task_id, stage=TaskStatus.QUEUED, code="STALLED", message="gone", retryable=False
            )
            await asyncio.wait_for(_until_failed(mine), 30)
            # the same hand-out reached `mine`; `other` got nothing
            assert not other._pending and not other._wake.is_set()
