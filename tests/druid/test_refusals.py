"""Druid's refusals and deadlines end a task with a clear, specific error (real Druid)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from core import queue
from core.druid.client import DruidClient
from core.model import ColumnProfile, ColumnType, Profile, StagedData, TaskStatus, TimestampInfo
from core.services import open_services
from core.settings import Settings
from core.task_rows import TaskUpdate
from tests.conftest import api_client, grant, run_worker
from tests.graphql_ops import get_task, upload_file

pytestmark = pytest.mark.druid

DAY_ONE = "2024-05-01T00:00:00Z"
CSV = b"ts,city,qty\n2024-05-01T00:00:00Z,Paris,1\n2024-05-02T00:00:00Z,Lyon,2\n"


async def test_a_spec_druid_refuses_ends_the_task_as_druid_rejected(
    druid_settings: Settings,
    druid: DruidClient,
    db: Any,
    redis: Any,
    clean: None,
    datasource: str,
) -> None:
    """A task recorded before its file was checked (say, by an older Sluice) reaches Druid with
    a non-time column named `__time`: Druid answers 400 at submission, and the task says why
    in plain words."""
    async with (
        api_client(druid_settings, await grant(db)) as client,
        open_services(druid_settings) as svc,
    ):
        task = await upload_file(client, filename="t.csv", content=CSV, datasource=datasource)
        await redis.flushdb()  # its job is not needed: the task is moved on by hand
        columns = ("ts", "__time", "qty")
        profile = Profile(
            format="csv",
            encoding="utf-8",
            delimiter=",",
            sheet=None,
            rows_total=2,
            rows_valid=2,
            rows_quarantined=0,
            columns=tuple(ColumnProfile(c, ColumnType.STRING, 0, 2) for c in columns),
            timestamp=TimestampInfo(column="ts", min=DAY_ONE, max=DAY_ONE),
        )
        staged = StagedData(uris=("s3://b/never-read.csv",), format="csv", columns=columns, rows=2)
        update = TaskUpdate(profile=profile, staged=staged, rows_total=2)
        await svc.tasks.transition(task["id"], TaskStatus.SUBMITTING, update=update)
        await queue.enqueue(
            redis,
            queue_name=druid_settings.queue_name,
            function=queue.PROCESS,
            task_id=task["id"],
            attempt=1,
        )
        await run_worker(druid_settings, redis)
        done = await get_task(client, task["id"])

    error = done["error"]
    assert (done["status"], error["code"]) == ("FAILED", "DRUID_REJECTED")
    assert error["stage"] == "SUBMITTING"
    assert error["retryable"] is False
    assert "column named '__time'" in error["message"]
    assert "org.apache" not in error["message"] and "Exception" not in error["message"]


async def test_tracking_gives_up_after_its_deadline_and_stops_the_druid_task(
    druid_settings: Settings,
    druid: DruidClient,
    db: Any,
    redis: Any,
    clean: None,
    datasource: str,
) -> None:
    hurried = druid_settings.model_copy(update={"tracking_timeout_s": 0.0})
    async with api_client(hurried, await grant(db)) as client:
        task = await upload_file(client, filename="t.csv", content=CSV, datasource=datasource)
        await run_worker(hurried, redis)
        done = await get_task(client, task["id"])

    error = done["error"]
    assert (done["status"], error["stage"], error["retryable"]) == ("FAILED", "INGESTING", True)
    assert error["code"] in ("DRUID_NO_CAPACITY", "DRUID_TIMEOUT"), error
    assert "Druid" in error["message"] and " s" in error["message"]
    # The Druid task was asked to stop, so it does not hold a slot.
    async with asyncio.timeout(120):
        while not (await druid.task_status(done["druidTaskId"])).is_finished:
            await asyncio.sleep(1)
    assert (await druid.task_status(done["druidTaskId"])).state == "FAILED"
