"""Per-token (or per-address) rate limits in Redis: a one-minute window per key, opened by
its first request.

Shared by every API process, so N processes behind a load balancer keep one limit.

When Redis does not answer within `CHECK_TIMEOUT_S` (down, or hung), a limit is not enforced
but counted (`sluice_rate_limit_unchecked_total`) and logged: queries, websockets and
subscriptions go on (the per-process subscription cap, core/broadcast.py, still bounds
those), while sign-in is refused, because an uncounted password guess is the one thing a
limit here must stop (docs/decisions.md).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from redis.asyncio import Redis
from redis.exceptions import RedisError

from core import metrics
from core.auth import Caller
from core.settings import Settings

log = logging.getLogger(__name__)

# A healthy Redis answers in well under a millisecond; a hung one (a paused process, a full
# network buffer) never does, and without this bound every request would wait with it.
CHECK_TIMEOUT_S = 0.5
# The kinds refused, rather than let through, when Redis cannot count them.
FAIL_CLOSED = frozenset({"sign-in"})
UNCHECKED = (
    "Sign-in is not possible for a moment: the service that counts attempts (Redis) is not "
    "answering, and unlimited password attempts are not allowed. Try again in a minute; if it "
    "keeps happening, tell the operator that Redis is down."
)


class Sparse:
    """Says whether to log now: the first time, then at most once per `every_s`, with how many
    were left unlogged in between (a burst of 10,000 connections while Redis is slow would
    otherwise write 10,000 identical warnings)."""

    def __init__(self, every_s: float = 10.0, clock: Callable[[], float] = time.monotonic) -> None:
        self._every_s, self._clock = every_s, clock
        self._last: float | None = None
        self._held = 0

    def due(self) -> int | None:
        """None: stay quiet; else how many were held back since the last one logged."""
        now = self._clock()
        if self._last is not None and now - self._last < self._every_s:
            self._held += 1
            return None
        held, self._last, self._held = self._held, now, 0
        return held


_unchecked_log = Sparse()


def address_of(connection: object) -> str | None:
    """The client address of a Starlette request or websocket (None in some test clients)."""
    client = getattr(connection, "client", None)
    return client.host if client else None


def rate_key(kind: str, *, caller: Caller | None, address: str | None) -> str:
    who = f"token:{caller.token_id}" if caller and caller.token_id else None
    if who is None and caller and caller.user_id:
        who = f"user:{caller.user_id}"
    return f"sluice:rate:{kind}:{who or f'ip:{address}'}"


@dataclass(frozen=True, slots=True)
class Refusal:
    """Why a call is refused: the sentence for the caller, and when to try again."""

    message: str
    retry_after: int  # seconds until the caller's window ends


async def wait_needed(redis: Redis, key: str, *, per_minute: int) -> int | None:
    """Count one more request under `key`: 0 while the minute's budget lasts, else the
    seconds until its window ends; None when Redis did not answer in time (not counted)."""
    try:
        async with asyncio.timeout(CHECK_TIMEOUT_S), redis.pipeline(transaction=True) as pipe:
            pipe.set(key, 0, ex=60, nx=True)  # the window opens with its first request
            pipe.incr(key)
            pipe.ttl(key)
            _, count, ttl = await pipe.execute()
    except (RedisError, OSError, TimeoutError) as exc:
        held = _unchecked_log.due()
        if held is not None:
            log.warning(
                "rate limit %s not checked: Redis did not answer (%r); %d more not logged",
                key,
                exc,
                held,
            )
        return None
    return 0 if int(count) <= per_minute else max(1, int(ttl))


async def refusal(
    redis: Redis,
    *,
    kind: str,
    what: str,
    per_minute: int,
    caller: Caller | None,
    address: str | None,
) -> Refusal | None:
    """Why this caller (its token, else its user, else its address) may not make one more
    call of `kind` now, or None."""
    key = rate_key(kind, caller=caller, address=address)
    wait = await wait_needed(redis, key, per_minute=per_minute)
    if wait is None:
        metrics.rate_limit_unchecked(kind)
        return Refusal(UNCHECKED, 60) if kind in FAIL_CLOSED else None
    return Refusal(too_many(what, per_minute, retry_after=wait), wait) if wait else None


async def upload_refusal(
    redis: Redis, settings: Settings, *, caller: Caller, address: str | None
) -> str | None:
    """Why this caller may not start another upload now (streamed or resumable), or None."""
    refused = await refusal(
        redis,
        kind="upload",
        what="uploads",
        per_minute=settings.upload_rate_per_minute,
        caller=caller,
        address=address,
    )
    return refused.message if refused else None


def too_many(what: str, per_minute: int, *, retry_after: int = 60) -> str:
    return (
        f"Too many {what} in the last minute (the limit is {per_minute} per minute). Try "
        f"again in {retry_after} seconds; an administrator can raise the limit in the settings."
    )
