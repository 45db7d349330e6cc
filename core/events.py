"""Live task events over Redis pub/sub. PostgreSQL stays the source of truth: a message only
says "task X changed"; subscribers re-read the task from PostgreSQL."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncIterator
from typing import Any

from redis.asyncio import Redis
from redis.exceptions import RedisError

log = logging.getLogger(__name__)

# The channel when none is configured; processes use `Settings.task_events_channel`.
FEED_CHANNEL = "tasks"
# Yielded after Redis came back: messages may have been lost, so re-read everything.
RESYNC: dict[str, Any] = {"resync": True}


async def publish_task_changed(
    redis: Redis, *, channel: str = FEED_CHANNEL, task_id: str, status: str, event_id: int
) -> None:
    """One message per change on the one channel every API process listens to
    (core/broadcast.py); subscribers of one task are found in memory, not by channel."""
    message = json.dumps({"task_id": task_id, "status": status, "event_id": event_id})
    await redis.publish(channel, message)


class Subscription:
    """Subscribed on `__aenter__`, so a caller can read the current state from PostgreSQL
    *after* subscribing and never miss a change in between.

    A lost Redis connection does not end the subscription: it subscribes again with
    back-off (`retry_s` doubling up to `max_retry_s`), yields `{}` after each failed try
    and `RESYNC` once it is back, so the caller re-reads PostgreSQL meanwhile and after.
    """

    def __init__(
        self,
        redis: Redis,
        channel: str,
        *,
        heartbeat_s: float = 15.0,
        retry_s: float = 0.5,
        max_retry_s: float = 10.0,
    ) -> None:
        self._redis = redis
        self._pubsub = redis.pubsub()
        self._channel = channel
        self._heartbeat_s = heartbeat_s
        self._retry_s, self._max_retry_s = retry_s, max_retry_s
        self._connected = True

    async def __aenter__(self) -> Subscription:
        try:
            await self._pubsub.subscribe(self._channel)
        except (RedisError, OSError) as exc:  # Redis is away: `messages` keeps trying
            log.warning("cannot subscribe to %s yet (%s)", self._channel, exc)
            self._connected = False
        return self

    async def __aexit__(self, *exc: object) -> None:
        with contextlib.suppress(RedisError, OSError):  # Redis may be away right now
            await self._pubsub.unsubscribe(self._channel)
        await self._pubsub.aclose()  # type: ignore[no-untyped-call]

    async def messages(self) -> AsyncIterator[dict[str, Any]]:
        """Yield each message; an empty dict every `heartbeat_s` of silence, so the caller
        can re-check state (and a dropped client is noticed)."""
        if not self._connected:
            async for gap in self._resubscribe():
                yield gap
            yield RESYNC
        while True:
            try:
                message = await self._pubsub.get_message(
                    ignore_subscribe_messages=True, timeout=self._heartbeat_s
                )
            except (RedisError, OSError) as exc:
                log.warning("lost Redis pub/sub on %s (%s); subscribing again", self._channel, exc)
                async for gap in self._resubscribe():
                    yield gap
                yield RESYNC
                continue
            yield json.loads(message["data"]) if message else {}

    async def _resubscribe(self) -> AsyncIterator[dict[str, Any]]:
        delay = self._retry_s
        while True:
            with contextlib.suppress(RedisError, OSError):
                await self._pubsub.aclose()  # type: ignore[no-untyped-call]
            self._pubsub = self._redis.pubsub()
            try:
                await self._pubsub.subscribe(self._channel)
                return
            except (RedisError, OSError):
                yield {}  # still away: let the caller look at PostgreSQL meanwhile
                await asyncio.sleep(delay)  # back-off before the next try
                delay = min(delay * 2, self._max_retry_s)
