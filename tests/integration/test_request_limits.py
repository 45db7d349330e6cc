"""What one GraphQL request may cost, and how many a caller may send a minute, on the real
API (schema/cost.py, api/graphql.py)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import websockets

from api.app import create_app, in_process
from core.auth import Role
from core.settings import Settings
from tests.conftest import api_client, client_of, grant, serving_http
from tests.graphql_ops import TASK_FEED
from tests.unit.test_cost import group_by, thirty_aliases

TOKENS = "{ apiTokens { name } }"
CREATE_TOKEN = (
    'mutation { createToken(name: "made", role: VIEWER) { ... on CreatedToken { token } } }'
)


def _refusal(body: dict[str, Any]) -> dict[str, Any]:
    assert body.get("data") is None, body
    error: dict[str, Any] = body["errors"][0]
    return error


# --- cost ----------------------------------------------------------------------------------


async def test_the_thirty_alias_request_is_refused_with_its_cost(
    settings: Settings, db: Any, clean: None
) -> None:
    async with api_client(settings, await grant(db)) as client:
        response = await client.post("/graphql", json={"query": thirty_aliases()})
    error = _refusal(response.json())
    assert error["extensions"]["code"] == "COST_LIMIT"
    assert error["extensions"]["limit"] == settings.graphql_max_cost
    assert f"the limit is {settings.graphql_max_cost:,} per request" in error["message"]
    assert error["extensions"]["cost"] > settings.graphql_max_cost


async def test_nothing_runs_when_a_request_is_over_budget(
    settings: Settings, db: Any, clean: None
) -> None:
    admin = await grant(db, role=Role.ADMIN)
    stingy = settings.model_copy(update={"graphql_max_cost": 0})
    async with api_client(stingy, admin) as client:
        refused = await client.post("/graphql", json={"query": CREATE_TOKEN})
    async with api_client(settings, admin) as client:
        tokens = (await client.post("/graphql", json={"query": TOKENS})).json()
    assert _refusal(refused.json())["extensions"]["code"] == "COST_LIMIT"
    assert [t["name"] for t in tokens["data"]["apiTokens"]] == ["test ADMIN"]


async def test_a_request_within_budget_is_answered(
    settings: Settings, db: Any, clean: None
) -> None:
    exact = settings.model_copy(update={"graphql_max_cost": 3})  # a page of 2 items
    query = "{ tasks(first: 2) { ... on TaskPage { items { id } } } }"
    async with api_client(exact, await grant(db)) as client:
        response = await client.post("/graphql", json={"query": query})
        over = await client.post("/graphql", json={"query": query.replace("2", "3")})
    assert response.json() == {"data": {"tasks": {"items": []}}}
    assert _refusal(over.json())["extensions"]["code"] == "COST_LIMIT"


async def test_a_big_group_by_runs_and_an_abusive_one_is_refused(
    settings: Settings, db: Any, clean: None
) -> None:
    async with api_client(settings, await grant(db, role=Role.VIEWER)) as client:
        sensible = await client.post("/graphql", json={"query": group_by(2, 2)})
        abusive = await client.post("/graphql", json={"query": group_by(10, 20)})
    # (no such dataset: the query ran, and said so as a typed result)
    assert sensible.json() == {"data": {"groupBy": {"__typename": "UnknownDatasource"}}}
    assert _refusal(abusive.json())["extensions"]["code"] == "COST_LIMIT"


@asynccontextmanager
async def _socket(url: str, auth: dict[str, str]) -> AsyncIterator[Any]:
    async with websockets.connect(
        f"ws://{url}/graphql", subprotocols=["graphql-transport-ws"]
    ) as ws:
        init = {"type": "connection_init", "payload": {"authorization": auth["authorization"]}}
        await ws.send(json.dumps(init))
        assert json.loads(await ws.recv())["type"] == "connection_ack"
        yield ws


async def _start(ws: Any, operation_id: str) -> None:
    message = {"id": operation_id, "type": "subscribe", "payload": {"query": TASK_FEED}}
    await ws.send(json.dumps(message))


async def _error_for(ws: Any, operation_id: str) -> dict[str, Any]:
    async with asyncio.timeout(30):
        while True:
            message = json.loads(await ws.recv())
            if message.get("id") == operation_id:
                assert message["type"] == "error", message
                error: dict[str, Any] = message["payload"][0]
                return error


async def _second_feed_refusal(settings: Settings, db: Any, **update: int) -> dict[str, Any]:
    """Start two feeds on one connection of an API with `update`d settings: the error the
    second gets, once the connection has shown it is still open (a ping answered)."""
    auth = await grant(db)
    with serving_http(settings.model_copy(update=update)) as url:
        async with _socket(url, auth) as ws:
            await _start(ws, "1")
            await _start(ws, "2")
            error = await _error_for(ws, "2")
            await ws.send(json.dumps({"type": "ping"}))
            while (message := json.loads(await ws.recv()))["type"] != "pong":
                assert message.get("id") == "1", message  # only the first one's messages
    return error


async def test_a_subscription_over_budget_is_refused(
    settings: Settings, db: Any, clean: None
) -> None:
    error = await _second_feed_refusal(settings, db, graphql_max_cost=0)
    assert error["extensions"]["code"] == "COST_LIMIT"


# --- rate ----------------------------------------------------------------------------------


async def test_queries_are_rate_limited_per_token_and_per_address(
    settings: Settings, db: Any, clean: None
) -> None:
    tight = settings.model_copy(update={"query_rate_per_minute": 2})
    query = {"query": "{ __typename }"}
    async with in_process(create_app(tight)) as app:
        async with client_of(app, await grant(db)) as first:
            answers = [await first.post("/graphql", json=query) for _ in range(3)]
        async with client_of(app, await grant(db)) as second:  # another token, its own budget
            other = await second.post("/graphql", json=query)
        async with client_of(app, {}) as anonymous:  # no token: counted by address
            anonymous_codes = [
                (await anonymous.get("/graphql", params=query)).status_code for _ in range(3)
            ]
    assert [a.status_code for a in answers] == [200, 200, 429]
    refused = answers[2]
    assert 1 <= int(refused.headers["retry-after"]) <= 60
    error = refused.json()["errors"][0]
    assert error["extensions"]["code"] == "RATE_LIMITED"
    assert "limit is 2 per minute" in error["message"]
    assert f"{refused.headers['retry-after']} seconds" in error["message"]
    assert other.status_code == 200
    assert anonymous_codes == [200, 200, 429]


async def test_subscriptions_are_rate_limited_and_the_connection_stays(
    settings: Settings, db: Any, clean: None
) -> None:
    error = await _second_feed_refusal(settings, db, subscription_rate_per_minute=1)
    assert error["extensions"]["code"] == "RATE_LIMITED"
    assert 1 <= error["extensions"]["retryAfter"] <= 60
