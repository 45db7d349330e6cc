"""Live task events over Redis pub/sub. PostgreSQL stays the source of truth: a message only
says "task X changed"; subscribers re-read the task from PostgreSQL."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

from redis.asyncio import Redis

FEED_CHANNEL = "tasks"


def task_channel(task_id: str) -> str:
    return f"task:{task_id}"


async def publish_task_changed(redis: Redis, *, task_id: str, status: str, event_id: int) -> None:
    message = json.dumps({"task_id": task_id, "status": status, "event_id": event_id})
    await redis.publish(task_channel(task_id), message)
    await redis.publish(FEED_CHANNEL, message)


class Subscription:
    """Subscribed on `__aenter__`, so a caller can read the current state from PostgreSQL
    *after* subscribing and never miss a change in between."""

    def __init__(self, redis: Redis, channel: str, *, heartbeat_s: float = 15.0) -> None:
        self._pubsub = redis.pubsub()
        self._channel = channel
        self._heartbeat_s = heartbeat_s

    async def __aenter__(self) -> Subscription:
        await self._pubsub.subscribe(self._channel)
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self._pubsub.unsubscribe(self._channel)
        await self._pubsub.aclose()  # type: ignore[no-untyped-call]

    async def messages(self) -> AsyncIterator[dict[str, Any]]:
        """Yield each message; an empty dict every `heartbeat_s` of silence, so the caller
        can re-check state (and a dropped client is noticed)."""
        while True:
            message = await self._pubsub.get_message(
                ignore_subscribe_messages=True, timeout=self._heartbeat_s
            )
            yield json.loads(message["data"]) if message else {}
