"""A websocket is authenticated at connection_init (graphql-transport-ws): refused with 4403
and a close reason that says what to do, before it holds anything (no rate-limit window in
Redis, no subscription). A real uvicorn, real PostgreSQL and Redis (api/graphql.py)."""

from __future__ import annotations

import json
from typing import Any

import websockets
from websockets.exceptions import ConnectionClosed

from core import metrics
from tests.graphql_ops import TASK_FEED

FORGED = "Bearer sluice_not-a-real-token"


async def _closed_by_server(url: str, *messages: dict[str, Any]) -> tuple[int, str]:
    """Send `messages`, then wait for the server to close: its code and reason."""
    async with websockets.connect(
        f"ws://{url}/graphql", subprotocols=["graphql-transport-ws"]
    ) as ws:
        for message in messages:
            await ws.send(json.dumps(message))
        try:
            answer = await ws.recv()
        except ConnectionClosed as closed:
            assert closed.rcvd is not None
            return closed.rcvd.code, closed.rcvd.reason
    raise AssertionError(f"not closed; the server answered {answer!r}")


def _init(authorization: str | None = None) -> dict[str, Any]:
    payload = {"authorization": authorization} if authorization else {}
    return {"type": "connection_init", "payload": payload}


async def _rate_keys(redis: Any) -> list[bytes]:
    return [key async for key in redis.scan_iter(match="sluice:rate:*")]


async def test_an_anonymous_websocket_is_told_to_sign_in_and_holds_nothing(
    live_server: str, redis: Any
) -> None:
    subscriptions = metrics.sample("sluice_subscriptions", operation="Feed")

    anonymous = await _closed_by_server(live_server, _init())
    forged = await _closed_by_server(live_server, _init(FORGED))
    early = await _closed_by_server(
        live_server, {"id": "1", "type": "subscribe", "payload": {"query": TASK_FEED}}
    )

    code, reason = anonymous
    assert code == 4403 and "sign in" in reason.lower() and "token" in reason, reason
    code, reason = forged
    assert code == 4403 and "unknown, expired or revoked" in reason, reason
    assert early[0] == 4401  # subscribe before connection_init: the protocol's Unauthorized
    assert await _rate_keys(redis) == []  # refused before any limit was counted
    assert metrics.sample("sluice_subscriptions", operation="Feed") == subscriptions
