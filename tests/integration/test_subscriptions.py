"""A real WebSocket client (graphql-transport-ws) against a real uvicorn sees every state,
in order, and the last frame carries the whole history."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx

from tests.graphql_ops import TASK_UPDATES, connect, first_error, start, subscribe, upload_file

CSV = b"ts,v\n2024-01-01,1\n2024-01-02,2\n"


async def test_task_updates_streams_every_state_in_order_then_completes(
    live_server: str, worker: Any, auth: dict[str, str]
) -> None:
    async with httpx.AsyncClient(base_url=f"http://{live_server}", headers=auth) as client:
        task = await upload_file(client, filename="s.csv", content=CSV, datasource="live")
        received: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        subscription = asyncio.create_task(
            subscribe(live_server, TASK_UPDATES, {"id": task["id"]}, each=received, auth=auth)
        )
        # The worker starts only once the subscriber has the current state: the server
        # listens for changes before it sends that, so from then on none can be missed.
        await asyncio.wait_for(received.get(), 60)
        await worker()
        items = await asyncio.wait_for(subscription, 60)

    steps = ["QUEUED", "VALIDATING", "STAGING", "SUBMITTING", "FAILED"]
    statuses = [item["taskUpdates"]["status"] for item in items]
    assert statuses[0] == "QUEUED"  # the current state comes first
    assert statuses[-1] == "FAILED"
    # A subscriber gets the latest state of its task (core/broadcast.py): two changes that
    # arrive before it reads may come as one frame, but a state never comes back.
    order = [steps.index(s) for s in statuses]
    assert order == sorted(order), statuses
    # ... and the last frame carries every step the task went through.
    last = items[-1]["taskUpdates"]
    history = [e["status"] for e in last["events"]]
    assert [s for i, s in enumerate(history) if i == 0 or history[i - 1] != s] == steps
    assert last["error"]["code"] == "DRUID_UNAVAILABLE"


async def test_subscribing_to_a_finished_task_gets_its_state_and_completes(
    live_server: str, worker: Any, auth: dict[str, str]
) -> None:
    async with httpx.AsyncClient(base_url=f"http://{live_server}", headers=auth) as client:
        task = await upload_file(client, filename="s.csv", content=CSV, datasource="live")
        await worker()
    items = await subscribe(live_server, TASK_UPDATES, {"id": task["id"]}, auth=auth)
    assert [i["taskUpdates"]["status"] for i in items] == ["FAILED"]


async def test_an_unknown_task_gets_a_plain_not_found_error(
    live_server: str, auth: dict[str, str]
) -> None:
    async with connect(live_server, auth) as ws:
        await start(ws, TASK_UPDATES, {"id": "no-such-task"})
        error = await first_error(ws, "1", quiet_s=60)

    assert error["message"] == "There is no task no-such-task. Check the id."
    assert error["extensions"] == {"code": "NOT_FOUND"}
