"""Rolling back one upload on the real Druid (core/rollback.py): the dataset holds exactly
what it held before that upload, counted row by row."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import run_worker
from tests.druid.conftest import DruidApi
from tests.druid.test_replace import DAY  # the same day of rows: 08:00 to 20:00 and the next day
from tests.graphql_ops import get_task, rollback_upload

pytestmark = pytest.mark.druid

MORNING = (  # same day as DAY: APPEND shares its chunk, REPLACE rewrites it
    "ts,city,qty\n"
    "2024-03-01T10:00:00Z,Paris,100\n"
    "2024-03-01T11:30:00Z,Bern,200\n"
    "2024-03-01T12:00:00Z,Lima,400\n"
)
DAY_ROWS = [
    ("08:00", "Lyon", 1),
    ("10:00", "Paris", 2),
    ("11:00", "Oslo", 4),
    ("12:00", "Lima", 8),
    ("20:00", "Kyoto", 16),
    ("09:00", "Rome", 32),
]


class Undo(DruidApi):
    async def rollback(self, task_id: str) -> dict[str, Any]:
        queued = await rollback_upload(self.client, task_id)
        if queued["__typename"] != "IngestionTask":
            return queued
        assert queued["kind"] == "ROLLBACK" and queued["targetTaskId"] == task_id
        await run_worker(self.settings, self.redis)
        return await get_task(self.client, queued["id"])


@pytest.fixture
def undo(druid_api: DruidApi) -> Undo:
    return Undo(druid_api.client, druid_api.settings, druid_api.redis)


async def _rows(druid_sql: Any, datasource: str) -> list[tuple[str, str, int]]:
    rows = await druid_sql.rows(
        f"SELECT TIME_FORMAT(__time, 'HH:mm') AS t, city, qty FROM \"{datasource}\" ORDER BY __time"
    )
    return [(r["t"], r["city"], r["qty"]) for r in rows]


@pytest.mark.timeout(900)
async def test_rolling_back_an_append_leaves_exactly_the_rows_before_it(
    undo: Undo, datasource: str, druid_sql: Any
) -> None:
    await undo.ingest(DAY, datasource)
    morning = await undo.ingest(MORNING, datasource)
    assert len(await _rows(druid_sql, datasource)) == 9

    rollback = await undo.rollback(morning["id"])

    assert rollback["status"] == "SUCCEEDED", rollback["error"]
    assert rollback["rowsRemoved"] == 3 and rollback["rowsTotal"] == 9
    assert await _rows(druid_sql, datasource) == DAY_ROWS
    again = await undo.rollback(morning["id"])
    assert again["__typename"] == "TaskActionRejected" and again["code"] == "ALREADY_ROLLED_BACK"
    # Rolled back, the same file is no duplicate: it can be loaded again.
    await undo.ingest(MORNING, datasource)
    assert len(await _rows(druid_sql, datasource)) == 9


@pytest.mark.timeout(900)
async def test_rolling_back_a_replace_brings_the_replaced_rows_back(
    undo: Undo, datasource: str, druid_sql: Any
) -> None:
    await undo.ingest(DAY, datasource)
    replace = await undo.ingest(MORNING, datasource, mode="REPLACE")
    assert [r[1] for r in await _rows(druid_sql, datasource)] == [
        "Lyon", "Paris", "Bern", "Lima", "Kyoto", "Rome",
    ]  # fmt: skip

    rollback = await undo.rollback(replace["id"])

    assert rollback["status"] == "SUCCEEDED", rollback["error"]
    assert rollback["rowsRemoved"] == 3
    assert await _rows(druid_sql, datasource) == DAY_ROWS
