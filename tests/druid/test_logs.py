"""Log lines of every job kind that carries a task, on the real Druid: an upload validated,
submitted and tracked until queryable, then rolled back. Each line of a task's jobs names the
task, its workspace and, once submitted, its Druid task."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from arq.connections import ArqRedis

from core.settings import Settings
from tests.conftest import api_client, grant, run_worker
from tests.druid.conftest import _created_datasources
from tests.graphql_ops import get_task, rollback_upload, upload_file
from tests.integration.test_logs import json_logging, parsed, task_lines

pytestmark = pytest.mark.druid

CSV = b"ts,city,qty\n2024-05-01T08:00:00Z,Lyon,1\n2024-05-01T09:00:00Z,Oslo,2\n"


async def test_ingestion_tracking_and_rollback_lines_carry_task_and_workspace(
    druid_settings: Settings,
    druid: Any,
    redis: ArqRedis,
    db: Any,
    clean: None,
    capsys: pytest.CaptureFixture[str],
) -> None:
    with json_logging(druid_settings) as json_settings:
        await _ingest_and_roll_back(json_settings, redis, db, capsys)


async def _ingest_and_roll_back(
    json_settings: Settings, redis: ArqRedis, db: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    slug, name = f"logs-{uuid.uuid4().hex[:6]}", "sales"
    _created_datasources.add(f"{slug}__{name}")  # dropped after the session
    async with api_client(json_settings, await grant(db, workspace=slug)) as client:
        ingest = await upload_file(client, filename="s.csv", content=CSV, datasource=name)
        await run_worker(json_settings, redis)
        done = await get_task(client, ingest["id"])
        assert done["status"] == "SUCCEEDED", done["error"]
        rollback = await rollback_upload(client, ingest["id"])
        assert rollback["__typename"] == "IngestionTask", rollback
        await run_worker(json_settings, redis)
        undone = await get_task(client, rollback["id"])
        assert undone["status"] == "SUCCEEDED", undone["error"]

    lines = parsed(capsys.readouterr().err)
    for task in (done, undone):
        of_task = task_lines(lines, task["id"])
        assert all(line["workspace"] == slug for line in of_task), of_task
    jobs = " ".join(line["message"] for line in task_lines(lines, done["id"]))
    assert "process_task" in jobs and "track_task" in jobs  # arq's lines of both jobs
    druid_task = done["druidTaskId"]
    tracked = [line for line in task_lines(lines, done["id"]) if "INGESTING ->" in line["message"]]
    assert tracked and all(line["druid_task_id"] == druid_task for line in tracked)
    assert task_lines(lines, undone["id"])  # the rollback job logged, with its ids
