"""REPLACE replaces exactly the file's time range (core/druid/replace.py), through the whole
pipeline on the real Druid: rows of the same day outside the range are kept."""

from __future__ import annotations

from typing import Any

import pytest

from tests.druid.test_pipeline import pipeline  # noqa: F401  (the fixture)

pytestmark = pytest.mark.druid

DAY = (
    "ts,city,qty\n"
    "2024-03-01T08:00:00Z,Lyon,1\n"
    "2024-03-01T10:00:00Z,Paris,2\n"
    "2024-03-01T11:00:00Z,Oslo,4\n"
    "2024-03-01T12:00:00Z,Lima,8\n"
    "2024-03-01T20:00:00Z,Kyoto,16\n"
    "2024-03-02T09:00:00Z,Rome,32\n"
)
MORNING = (
    "ts,city,qty\n"
    "2024-03-01T10:00:00Z,Paris,100\n"
    "2024-03-01T11:30:00Z,Bern,200\n"
    "2024-03-01T12:00:00Z,Lima,400\n"
)


@pytest.mark.timeout(900)  # two ingestions, the second with a subtask
async def test_replace_keeps_the_days_rows_outside_the_files_range(
    pipeline: Any,  # noqa: F811
    datasource: str,
    druid_sql: Any,
) -> None:
    first = await pipeline("day.csv", DAY.encode(), datasource)
    assert first["status"] == "SUCCEEDED", first["error"]

    task = await pipeline("morning.csv", MORNING.encode(), datasource, mode="REPLACE")

    assert task["status"] == "SUCCEEDED", task["error"]
    assert task["rowsIngested"] == 3
    rows = await druid_sql.rows(
        f"SELECT TIME_FORMAT(__time, 'HH:mm') AS t, city, qty, sluice_upload FROM \"{datasource}\" "
        "WHERE __time < TIMESTAMP '2024-03-02 00:00:00' ORDER BY __time"
    )
    assert [(r["t"], r["city"], r["qty"]) for r in rows] == [
        ("08:00", "Lyon", 1),
        ("10:00", "Paris", 100),
        ("11:30", "Bern", 200),
        ("12:00", "Lima", 400),
        ("20:00", "Kyoto", 16),
    ]
    kept = {r["t"]: r["sluice_upload"] for r in rows}
    assert kept["08:00"] == kept["20:00"] != kept["10:00"] == kept["11:30"]
    other_day = await druid_sql.one(f'SELECT COUNT(*) AS n, SUM(qty) AS q FROM "{datasource}"')
    assert other_day == {"n": 6, "q": 1 + 100 + 200 + 400 + 16 + 32}
