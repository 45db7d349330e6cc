"""Per-token (or per-address) rate limits in Redis: a one-minute window per key, opened by
its first request.

Shared by every API process, so N processes behind a load balancer keep one limit.
"""

from __future__ import annotations

import logging

from redis.asyncio import Redis
from redis.exceptions import RedisError

from core.auth import Caller
from core.settings import Settings

log = logging.getLogger(__name__)


def rate_key(kind: str, *, caller: Caller | None, address: str | None) -> str:
    who = f"token:{caller.token_id}" if caller and caller.token_id else None
    if who is None and caller and caller.user_id:
        who = f"user:{caller.user_id}"
    return f"sluice:rate:{kind}:{who or f'ip:{address}'}"


async def allow(redis: Redis, key: str, *, per_minute: int) -> bool:
    """Count one more request under `key`; False once the minute's budget is spent.

    While Redis is unreachable the limit is not enforced (logged): a subscription must still
    open and read PostgreSQL then, and an upload fails anyway when it cannot be queued."""
    try:
        async with redis.pipeline(transaction=True) as pipe:
            pipe.set(key, 0, ex=60, nx=True)  # the window opens with its first request
            pipe.incr(key)
            _, count = await pipe.execute()
    except (RedisError, OSError) as exc:
        log.warning("rate limit %s not checked: Redis is unreachable (%s)", key, exc)
        return True
    return int(count) <= per_minute


async def upload_refusal(
    redis: Redis, settings: Settings, *, caller: Caller, address: str | None
) -> str | None:
    """Why this caller may not start another upload now (streamed or resumable), or None."""
    key = rate_key("upload", caller=caller, address=address)
    if await allow(redis, key, per_minute=settings.upload_rate_per_minute):
        return None
    return too_many("uploads", settings.upload_rate_per_minute)


def too_many(what: str, per_minute: int) -> str:
    return (
        f"Too many {what} in the last minute (the limit is {per_minute} per minute). Wait a "
        "minute and try again; an administrator can raise the limit in the settings."
    )
