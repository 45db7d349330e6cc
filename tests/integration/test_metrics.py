"""GET /metrics on the real stack: who may read it, and the numbers moving as uploads go
through the in-process app and a burst worker (one process: one registry)."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from pydantic import SecretStr
from websockets.asyncio.client import connect
from websockets.typing import Subprotocol

from core.metrics import render, sample, serve_worker
from core.settings import Settings
from tests.conftest import api_client, serving_http
from tests.graphql_ops import TASK_UPDATES, upload_file

TOKEN = "metrics-test-token-5d1c"
CSV = b"ts,city,amount\n2024-01-01T00:00:00Z,Paris,10.5\n2024-01-02T00:00:00Z,Lyon,20\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 100


@pytest.fixture
def metrics_settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"metrics_token": SecretStr(TOKEN)})


@pytest.fixture
async def client(
    metrics_settings: Settings, auth: dict[str, str]
) -> AsyncIterator[httpx.AsyncClient]:
    async with api_client(metrics_settings, auth) as http:
        yield http


async def _scrape(client: httpx.AsyncClient) -> dict[str, float]:
    response = await client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain")
    values = {}
    for line in response.text.splitlines():
        if line and not line.startswith("#"):
            series, value = line.rsplit(" ", 1)
            values[series] = float(value)
    return values


@pytest.mark.parametrize("header", [None, "Bearer wrong-token", f"Basic {TOKEN}"])
async def test_metrics_answer_only_the_metrics_token(
    client: httpx.AsyncClient, header: str | None
) -> None:
    headers = {"Authorization": header} if header else {}
    response = await client.get("/metrics", headers=headers)
    assert response.status_code == 401
    assert "SLUICE_METRICS_TOKEN" in response.text
    assert "sluice_" not in response.text


@pytest.mark.parametrize("configured", [None, SecretStr("")])
async def test_without_a_configured_token_nobody_reads_metrics(
    settings: Settings, clean: None, configured: SecretStr | None
) -> None:
    unset = settings.model_copy(update={"metrics_token": configured})
    async with api_client(unset, {}) as http:
        response = await http.get("/metrics", headers={"Authorization": "Bearer "})
    assert response.status_code == 401


async def test_metrics_move_as_uploads_go_through(client: httpx.AsyncClient, worker: Any) -> None:
    before = await _scrape(client)
    accepted = {"result": "ACCEPTED"}
    uploads_before = sample("sluice_uploads_total", **accepted)
    bytes_before = sample("sluice_upload_bytes_total", **accepted)
    rejected_before = sample("sluice_uploads_total", result="UNSUPPORTED_FORMAT")
    failed = {"status": "FAILED", "code": "DRUID_UNAVAILABLE"}
    failed_before = sample("sluice_tasks_finished_total", **failed)
    stages_before = {
        stage: sample("sluice_stage_duration_seconds_count", stage=stage)
        for stage in ("QUEUED", "VALIDATING", "STAGING", "SUBMITTING")
    }
    upload_op = {"operation": "Upload", "type": "mutation"}
    ops_before = sample("sluice_graphql_operations_total", **upload_op, outcome="ok")
    timed_before = sample("sluice_graphql_operation_duration_seconds_count", **upload_op)

    task = await upload_file(client, filename="sales.csv", content=CSV, datasource="sales")
    assert task["__typename"] == "IngestionTask"
    rejected = await upload_file(client, filename="x.csv", content=PNG, datasource="sales")
    assert rejected["code"] == "UNSUPPORTED_FORMAT"

    queued = await _scrape(client)
    assert queued['sluice_queue_jobs{state="waiting"}'] == 1
    assert queued["sluice_queue_oldest_job_age_seconds"] >= 0
    assert sample("sluice_uploads_total", **accepted) == uploads_before + 1
    assert sample("sluice_upload_bytes_total", **accepted) == bytes_before + len(CSV)
    assert sample("sluice_uploads_total", result="UNSUPPORTED_FORMAT") == rejected_before + 1
    assert sample("sluice_graphql_operations_total", **upload_op, outcome="ok") == ops_before + 2
    assert (
        sample("sluice_graphql_operation_duration_seconds_count", **upload_op) == timed_before + 2
    )

    await worker()

    after = await _scrape(client)
    assert after['sluice_queue_jobs{state="waiting"}'] == 0
    assert after["sluice_queue_oldest_job_age_seconds"] == 0
    assert sample("sluice_tasks_finished_total", **failed) == failed_before + 1
    for stage, count in stages_before.items():
        assert sample("sluice_stage_duration_seconds_count", stage=stage) == count + 1, stage
    # What an operator reads: failures by code, from the endpoint itself.
    series = 'sluice_tasks_finished_total{code="DRUID_UNAVAILABLE",status="FAILED"}'
    assert after[series] == before.get(series, 0) + 1
    assert 'sluice_stage_duration_seconds_bucket{le="+Inf",stage="VALIDATING"}' in after


async def test_graphql_errors_are_counted_by_outcome(client: httpx.AsyncClient) -> None:
    labels = {"operation": "Broken", "type": "query", "outcome": "error"}
    before = sample("sluice_graphql_operations_total", **labels)
    response = await client.post("/graphql", json={"query": "query Broken { nope }"})
    assert response.json()["errors"]
    # A document that fails validation never executes, but is still an operation that failed.
    assert sample("sluice_graphql_operations_total", **labels) == before + 1


async def test_open_websockets_and_subscriptions_are_gauged(
    metrics_settings: Settings, client: httpx.AsyncClient, auth: dict[str, str]
) -> None:
    task = await upload_file(client, filename="sales.csv", content=CSV, datasource="sales")
    labels = {"operation": "Updates"}
    sockets_before = sample("sluice_websocket_connections")
    subs_before = sample("sluice_subscriptions", **labels)
    with serving_http(metrics_settings) as address:
        async with connect(
            f"ws://{address}/graphql", subprotocols=[Subprotocol("graphql-transport-ws")]
        ) as socket:
            init = {"type": "connection_init", "payload": {"authorization": auth["authorization"]}}
            await socket.send(json.dumps(init))
            assert json.loads(await socket.recv())["type"] == "connection_ack"
            payload = {"query": TASK_UPDATES, "variables": {"id": task["id"]}}
            await socket.send(json.dumps({"id": "1", "type": "subscribe", "payload": payload}))
            first = json.loads(await socket.recv())
            assert first["type"] == "next"  # the current state: the subscription is running
            assert sample("sluice_websocket_connections") == sockets_before + 1
            assert sample("sluice_subscriptions", **labels) == subs_before + 1
        await _until(lambda: sample("sluice_websocket_connections") == sockets_before)
        await _until(lambda: sample("sluice_subscriptions", **labels) == subs_before)


async def _until(condition: Any, *, within_s: float = 10.0) -> None:
    """Wait for a condition another thread makes true (the server closing its side)."""
    async with asyncio.timeout(within_s):
        while not condition():
            await asyncio.sleep(0.02)


async def test_a_worker_serves_its_own_metrics(settings: Settings) -> None:
    with serve_worker(settings.model_copy(update={"worker_metrics_port": 0})) as port:
        assert port
        async with httpx.AsyncClient() as http:
            response = await http.get(f"http://127.0.0.1:{port}/metrics")
    assert response.status_code == 200
    assert "# TYPE sluice_stage_duration_seconds histogram" in response.text


def test_several_processes_are_read_from_the_multiprocess_dir(
    settings: Settings, tmp_path: Path
) -> None:
    """Two processes in multiprocess mode (as `uvicorn --workers 2`): one /metrics shows both."""
    count = "import core.metrics as m; m.upload_received('ACCEPTED', 10)"
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(tmp_path)}
    for _ in range(2):
        subprocess.run([sys.executable, "-c", count], env=env, check=True, timeout=60)
    text, _ = render(settings.model_copy(update={"metrics_multiproc_dir": tmp_path}))
    assert 'sluice_uploads_total{result="ACCEPTED"} 2.0' in text.decode()
    assert 'sluice_upload_bytes_total{result="ACCEPTED"} 20.0' in text.decode()
