"""Live updates fan out in memory: one Redis subscription and one PostgreSQL read per change
per process, however many subscribers; several API processes on one Redis all deliver; the
subscription caps answer with a clear error."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator, Sequence
from datetime import datetime
from typing import Any

import websockets

from core.auth.model import LEGACY_WORKSPACE
from core.broadcast import Broadcaster, Watcher
from core.model import Task, TaskStatus
from core.services import open_services
from core.settings import Settings
from core.tasks import TaskStore
from tests.conftest import grant, serving_http
from tests.graphql_ops import TASK_FEED, TASK_UPDATES, subscribe
from tests.tasks import new_task


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


async def _until_failed(watcher: Watcher) -> list[TaskStatus]:
    """The states the watcher is handed until FAILED (a resync may hand out QUEUED first)."""
    seen: list[TaskStatus] = []
    while TaskStatus.FAILED not in seen:
        seen += [task.status for task in (await watcher.next()).tasks]
    return seen


async def test_every_api_process_on_one_redis_delivers(
    settings: Settings, clean: None, db: Any
) -> None:
    auth = await grant(db)
    async with open_services(settings) as svc:
        task_id = await new_task(svc, "t1")
        with serving_http(settings) as one, serving_http(settings) as two:
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


async def _first_failed(feed: asyncio.Queue[dict[str, Any]]) -> dict[str, Any]:
    async with asyncio.timeout(30):
        while True:
            item: dict[str, Any] = (await feed.get())["taskFeed"]
            if item["status"] == "FAILED":
                return item


@contextlib.asynccontextmanager
async def _connection(url: str, auth: dict[str, str]) -> AsyncIterator[Any]:
    async with websockets.connect(
        f"ws://{url}/graphql", subprotocols=["graphql-transport-ws"]
    ) as ws:
        payload = {"authorization": auth["authorization"]}
        await ws.send(json.dumps({"type": "connection_init", "payload": payload}))
        assert json.loads(await ws.recv())["type"] == "connection_ack"
        yield ws


async def _start_feed(ws: Any, operation_id: str) -> None:
    message = {"id": operation_id, "type": "subscribe", "payload": {"query": TASK_FEED}}
    await ws.send(json.dumps(message))


async def _refusal(ws: Any, operation_id: str) -> str:
    """The first error the server sends for `operation_id` (a refused subscription)."""
    async with asyncio.timeout(30):
        while True:
            message = json.loads(await ws.recv())
            if message.get("id") != operation_id:
                continue
            assert message["type"] in {"next", "error"}, message
            errors = (
                message["payload"]
                if message["type"] == "error"
                else message["payload"].get("errors")
            )
            assert errors, message
            return str(errors[0]["message"])


async def test_one_connection_over_its_cap_is_told_why(
    settings: Settings, clean: None, db: Any
) -> None:
    auth = await grant(db)
    capped = settings.model_copy(update={"subscriptions_max_per_connection": 1})
    with serving_http(capped) as url:
        async with _connection(url, auth) as ws:
            await _start_feed(ws, "1")
            await _start_feed(ws, "2")
            message = await _refusal(ws, "2")

    assert "already has 1 live subscriptions" in message
    assert "Stop one you no longer need" in message


async def test_a_process_over_its_cap_is_told_why(settings: Settings, clean: None, db: Any) -> None:
    auth = await grant(db)
    capped = settings.model_copy(update={"subscriptions_max_per_process": 1})
    async with open_services(settings) as svc:
        task_id = await new_task(svc, "t1")
    with serving_http(capped) as url:
        async with _connection(url, auth) as first, _connection(url, auth) as second:
            payload = {"query": TASK_UPDATES, "variables": {"id": task_id}}
            await first.send(json.dumps({"id": "1", "type": "subscribe", "payload": payload}))
            assert json.loads(await first.recv())["type"] == "next"  # it is live
            await _start_feed(second, "2")
            message = await _refusal(second, "2")

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
