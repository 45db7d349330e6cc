"""Values CSV readers disagree on, through the whole pipeline on the real Druid: each lands
exactly (the task's reconciliation passes) or is quarantined with a reason, and Druid holds
the same values whether it reads the upload itself or a staged copy."""

from __future__ import annotations

from typing import Any

import pytest

from core.druid.spec import UPLOAD_DIMENSION
from tests.druid.conftest import _created_datasources
from tests.druid.test_pipeline import pipeline  # noqa: F401  (the fixture)

pytestmark = pytest.mark.druid

# id, ts, note, zip, big: one tricky value per row.
LINE_BREAKS = [
    ("1", "2024-03-01T10:00:00Z", '"line\nbreak"', "00501", "1"),
    ("2", "2024-03-01T10:01:00Z", '"lone\rreturn"', "02134", "2"),
]
ROWS = [
    ("3", "2024-03-01 12:02:00 +02:00", "zone with a space", "10001", "3"),
    ("4", "2016-12-31T23:59:60Z", "leap second", "10002", "4"),
    ("5", "2024-03-01T10:04:00Z", '""', "10003", "5"),
    ("6", "2024-03-01T10:05:00Z", "", "10004", "12345678901234567890"),
    ("7", "2024-03-01T10:06:00Z", "plain", "10005", "-9223372036854775809"),
]


def _file(delimiter: str, rows: list[tuple[str, ...]]) -> bytes:
    lines = [delimiter.join(("id", "ts", "note", "zip", "big"))]
    lines += [delimiter.join(row) for row in rows]
    return ("\n".join(lines) + "\n").encode()


async def _landed(druid_sql: Any, datasource: str) -> list[dict[str, Any]]:
    await druid_sql.wait_for_table(datasource)
    rows: list[dict[str, Any]] = await druid_sql.rows(f'SELECT * FROM "{datasource}"')
    for row in rows:
        row.pop(UPLOAD_DIMENSION)
    return sorted(rows, key=lambda row: str(row["id"]))


async def _both_paths(
    ingest: Any, datasource: str, druid_sql: Any, rows: list[tuple[str, ...]]
) -> None:
    """The file as uploaded (Druid may read it itself) and with semicolons (always staged)."""
    _created_datasources.add(f"{datasource}_staged")  # dropped at the end of the session
    as_uploaded = await ingest("edge.csv", _file(",", rows), datasource, timestampColumn="ts")
    staged = await ingest(
        "edge_semicolons.csv", _file(";", rows), f"{datasource}_staged", timestampColumn="ts"
    )
    for task in (as_uploaded, staged):
        # SUCCEEDED means Druid's rows matched the profile column by column.
        assert task["status"] == "SUCCEEDED", task["error"]
        assert task["rowsIngested"] + task["rowsQuarantined"] == len(rows)
        assert (task["rowsProcessedWithError"], task["rowsUnparseable"]) == (0, 0)
    assert as_uploaded["rowsQuarantined"] == staged["rowsQuarantined"]
    assert await _landed(druid_sql, datasource) == await _landed(druid_sql, f"{datasource}_staged")


@pytest.mark.timeout(900)  # two ingestions
async def test_tricky_values_land_exactly_or_are_quarantined_on_both_paths(
    pipeline: Any,  # noqa: F811
    datasource: str,
    druid_sql: Any,
) -> None:
    await _both_paths(pipeline, datasource, druid_sql, ROWS)


@pytest.mark.timeout(900)  # two ingestions
async def test_line_breaks_inside_values_land_exactly_or_are_quarantined(
    pipeline: Any,  # noqa: F811
    datasource: str,
    druid_sql: Any,
) -> None:
    # Druid 25's CSV reader ends a record at every line break (LF or lone CR), even inside
    # quotes, so such rows are quarantined by profiling on both paths; the rest lands exactly.
    await _both_paths(pipeline, datasource, druid_sql, LINE_BREAKS + ROWS)
