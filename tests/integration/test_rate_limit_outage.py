"""What the rate limits do while Redis hangs (core/auth/ratelimit.py, docs/decisions.md):
queries go on, counted as unchecked; sign-in is refused, saying why. The app runs on its own
redis-server (tests/faults/stack.py `OwnRedis`), paused with SIGSTOP as a hung Redis."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest

from api.app import create_app
from core import metrics
from core.auth import store
from core.settings import Settings
from tests.conftest import client_of, grant, in_process
from tests.faults.stack import OwnRedis
from tests.integration.test_security import SIGN_IN

HANG_GUARD_S = 30  # a request waiting on the hung Redis would never answer


@pytest.fixture
async def app_on_hung_redis(
    settings: Settings, own_redis: OwnRedis, clean: None
) -> AsyncIterator[Any]:
    mine = settings.model_copy(update={"redis_url": own_redis.url})
    async with in_process(create_app(mine)) as asgi:
        own_redis.pause()
        try:
            yield asgi
        finally:
            own_redis.resume()  # so the app's shutdown can close its Redis connections


async def test_queries_go_on_uncounted_while_redis_hangs(app_on_hung_redis: Any, db: Any) -> None:
    before = metrics.sample("sluice_rate_limit_unchecked_total", kind="query")
    async with client_of(app_on_hung_redis, await grant(db)) as client:
        async with asyncio.timeout(HANG_GUARD_S):
            answer = await client.post("/graphql", json={"query": "{ __typename }"})

    assert answer.status_code == 200 and answer.json() == {"data": {"__typename": "Query"}}
    assert metrics.sample("sluice_rate_limit_unchecked_total", kind="query") == before + 1


async def test_sign_in_is_refused_while_redis_cannot_count_attempts(
    app_on_hung_redis: Any, db: Any
) -> None:
    await store.create_user(db, email="ada@example.com", password="correct horse")
    async with client_of(app_on_hung_redis, {}) as browser:
        async with asyncio.timeout(HANG_GUARD_S):
            variables = {"e": "ada@example.com", "p": "correct horse"}
            answer = await browser.post("/graphql", json={"query": SIGN_IN, "variables": variables})

    refused = answer.json()["data"]["signIn"]
    assert refused["code"] == "RATE_LIMITED", refused
    assert "Redis" in refused["message"] and "Try again in a minute" in refused["message"]
    assert "set-cookie" not in answer.headers
