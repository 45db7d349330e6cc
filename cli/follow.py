"""Following tasks live: `taskUpdates` subscriptions over one WebSocket (graphql-transport-ws).

The server sends a task's current state first, then every change, and completes after the
final state, so (re)subscribing at any moment misses nothing. A dropped connection is opened
again a few times before giving up.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import InvalidStatus, WebSocketException
from websockets.typing import Subprotocol

from cli import operations as ops
from cli.client import SluiceClient, SluiceError

FINAL = frozenset({"SUCCEEDED", "FAILED", "CANCELLED"})
PROTOCOL = Subprotocol("graphql-transport-ws")
RECONNECTS = 5

OnUpdate = Callable[[dict[str, Any]], None]


async def follow(
    client: SluiceClient, tasks: list[dict[str, Any]], on_update: OnUpdate
) -> dict[str, dict[str, Any]]:
    """Each task's final state, by id, calling `on_update` with every state on the way."""
    latest = {task["id"]: task for task in tasks}
    for attempt in range(RECONNECTS + 1):
        waiting = [task_id for task_id, task in latest.items() if task["status"] not in FINAL]
        if not waiting:
            break
        try:
            await _follow_once(client, waiting, latest, on_update)
        except (OSError, WebSocketException) as exc:
            if isinstance(exc, InvalidStatus) and exc.response.status_code in (401, 403):
                raise SluiceError(
                    "Sluice refused the live updates: set SLUICE_TOKEN to a valid token."
                ) from exc
            if attempt == RECONNECTS:
                raise SluiceError(
                    f"Lost the live updates from {client.config.url} ({exc}). The tasks go on "
                    "on the server: see them with `sluice task ID`."
                ) from exc
            await asyncio.sleep(min(2**attempt, 10))  # back off before connecting again
    return latest


async def _follow_once(
    client: SluiceClient,
    task_ids: list[str],
    latest: dict[str, dict[str, Any]],
    on_update: OnUpdate,
) -> None:
    async with connect(
        client.websocket_url,
        subprotocols=[PROTOCOL],
        additional_headers=client.auth_headers,
        open_timeout=30,
    ) as socket:
        await _send(socket, {"type": "connection_init", "payload": client.auth_headers})
        await _acknowledged(socket)
        open_ids = {str(n): task_id for n, task_id in enumerate(task_ids, 1)}
        for sub_id, task_id in open_ids.items():
            variables = {"id": task_id}
            payload = {"query": ops.TASK_UPDATES, "variables": variables}
            await _send(socket, {"id": sub_id, "type": "subscribe", "payload": payload})
        async for raw in socket:
            message = json.loads(raw)
            kind, sub_id = message.get("type"), message.get("id")
            if kind == "ping":
                await _send(socket, {"type": "pong"})
            elif kind == "next":
                task = _task_of(message["payload"])
                latest[task["id"]] = task
                on_update(task)
            elif kind == "error":
                text = "; ".join(e.get("message", str(e)) for e in message.get("payload", []))
                raise SluiceError(f"The server refused to follow task {open_ids[sub_id]}: {text}")
            elif kind == "complete":
                open_ids.pop(sub_id, None)
                if not open_ids:
                    return


async def _send(socket: ClientConnection, message: dict[str, Any]) -> None:
    await socket.send(json.dumps(message))


async def _acknowledged(socket: ClientConnection) -> None:
    async with asyncio.timeout(30):
        while True:
            message = json.loads(await socket.recv())
            if message.get("type") == "connection_ack":
                return
            if message.get("type") == "ping":
                await _send(socket, {"type": "pong"})


def _task_of(payload: dict[str, Any]) -> dict[str, Any]:
    if payload.get("errors"):
        raise SluiceError("; ".join(e.get("message", str(e)) for e in payload["errors"]))
    return payload["data"]["taskUpdates"]  # type: ignore[no-any-return]
