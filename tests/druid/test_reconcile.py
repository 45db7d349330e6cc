"""Reconciliation and clean-up on the real Druid: an upload's rows read back per column
(core/reconcile.py) and, when they differ, taken out again without touching anything else
(core/druid/segments.py), for APPEND and for REPLACE."""

from __future__ import annotations

import asyncio
import dataclasses
import time
from typing import Any

import httpx
import polars as pl
import pytest

from core.druid.broker import DruidBroker
from core.druid.client import DruidClient
from core.druid.segments import remove_upload
from core.druid.spec import task_intervals
from core.model import ColumnType, Profile, WriteMode
from core.reconcile import RowDifference, reconcile_upload
from core.reconcile_rows import SentRows, first_differences
from core.settings import Settings
from tests.druid.conftest import QUERYABLE_TIMEOUT_S, DruidSqlForTests, Staging, csv_text
from tests.druid.test_druid_runtime import HEADER, Lab, _rows

pytestmark = pytest.mark.druid


@pytest.fixture
async def broker(runtime_settings: Settings) -> Any:
    async with httpx.AsyncClient() as http:
        yield DruidBroker.from_settings(http, runtime_settings)


def _with_statistics(profile: Profile, frame: pl.DataFrame) -> Profile:
    """The column statistics the profiler computes (sum, non-empty, total length), by Polars."""
    columns = []
    for column in profile.columns:
        values = frame[column.name].drop_nulls()
        extra: dict[str, Any] = {}
        if column.type == ColumnType.LONG:
            extra = {"sum": str(int(values.sum())), "min": str(values.min()),
                     "max": str(values.max())}  # fmt: skip
        elif column.type == ColumnType.DOUBLE:
            extra = {"sum": repr(float(values.sum())), "min": repr(values.min()),
                     "max": repr(values.max())}  # fmt: skip
        elif column.type == ColumnType.STRING:
            extra = {"non_empty": int((values != "").sum()),
                     "total_length": int(values.str.len_chars().sum())}  # fmt: skip
        columns.append(dataclasses.replace(column, **extra))
    return dataclasses.replace(profile, columns=tuple(columns))


async def _upload_rows(druid_sql: DruidSqlForTests, datasource: str, upload_id: str) -> int:
    row = await druid_sql.one(
        f'SELECT COUNT(*) AS n FROM "{datasource}" WHERE sluice_upload = ?', upload_id
    )
    return int(row["n"])


async def _until_gone(druid_sql: DruidSqlForTests, datasource: str, upload_id: str) -> None:
    """Marked-unused segments leave the Broker at the Coordinator's next run."""
    deadline = time.monotonic() + QUERYABLE_TIMEOUT_S
    while await _upload_rows(druid_sql, datasource, upload_id):
        if time.monotonic() > deadline:
            pytest.fail(f"rows of {upload_id} still served after {QUERYABLE_TIMEOUT_S} s")
        await asyncio.sleep(0.5)


async def _totals(druid_sql: DruidSqlForTests, datasource: str) -> dict[str, Any]:
    return await druid_sql.one(f'SELECT COUNT(*) AS n, SUM(qty) AS qty FROM "{datasource}"')


async def test_append_reconciles_and_a_mismatch_takes_out_only_its_own_rows(
    druid: DruidClient,
    broker: DruidBroker,
    staging: Staging,
    druid_settings: Settings,
    druid_sql: DruidSqlForTests,
    datasource: str,
) -> None:
    lab = Lab(druid, staging, druid_sql, druid_settings, datasource)
    base_rows, extra_rows = _rows(1, days=[1, 2], per_day=40), _rows(2, days=[2], per_day=25)
    await lab.land("base", csv_text(HEADER, base_rows))
    await lab.land("extra", csv_text(HEADER, extra_rows))
    await druid_sql.wait_for_table(datasource)
    extra_id = f"sluice_test_{datasource}_extra"
    profile = _with_statistics(staging.profile("extra", time_column="ts"), staging.frame("extra"))

    verdict = await reconcile_upload(
        broker, datasource=datasource, upload_id=extra_id, profile=profile, rows=25
    )
    assert verdict.matches, verdict.message()
    assert verdict.rows_found == 25

    qty = next(c for c in profile.columns if c.name == "qty")
    wrong = dataclasses.replace(
        profile,
        columns=tuple(
            dataclasses.replace(c, sum=str(int(c.sum or 0) + 1)) if c is qty else c
            for c in profile.columns
        ),
    )
    verdict = await reconcile_upload(
        broker, datasource=datasource, upload_id=extra_id, profile=wrong, rows=25
    )
    assert [(d.column, d.what) for d in verdict.differences] == [("qty", "sum")]
    assert f"column qty: sum {qty.sum} in Druid" in verdict.message()

    removed = await remove_upload(druid, broker, datasource=datasource, upload_id=extra_id,
                                  replaced_since=None, intervals=[])  # fmt: skip
    assert removed >= 1
    await _until_gone(druid_sql, datasource, extra_id)
    totals = await _totals(druid_sql, datasource)
    assert totals == {"n": 80, "qty": sum(r[2] for r in base_rows)}


async def test_a_failed_replace_brings_back_what_it_had_replaced(
    druid: DruidClient,
    broker: DruidBroker,
    staging: Staging,
    druid_settings: Settings,
    druid_sql: DruidSqlForTests,
    datasource: str,
) -> None:
    lab = Lab(druid, staging, druid_sql, druid_settings, datasource)
    base_rows = _rows(3, days=[1, 2, 3], per_day=30)
    await lab.land("old", csv_text(HEADER, base_rows))
    new_rows = _rows(4, days=[2], per_day=10)
    await lab.land("new", csv_text(HEADER, new_rows), mode=WriteMode.REPLACE)
    await druid_sql.wait_for_table(datasource)
    new_id = f"sluice_test_{datasource}_new"
    assert await _upload_rows(druid_sql, datasource, new_id) == 10
    assert (await _totals(druid_sql, datasource))["n"] == 70  # day 2's 30 rows replaced by 10

    profile = staging.profile("new", time_column="ts")
    status = await druid.task_status(new_id)
    await remove_upload(
        druid, broker, datasource=datasource, upload_id=new_id,
        replaced_since=status.created_time,
        intervals=task_intervals(profile, staging.staged("new", ""), WriteMode.REPLACE),
    )  # fmt: skip
    await _until_gone(druid_sql, datasource, new_id)
    deadline = time.monotonic() + QUERYABLE_TIMEOUT_S
    while (totals := await _totals(druid_sql, datasource))["n"] != 90:
        if time.monotonic() > deadline:
            pytest.fail(f"day 2's old rows not back: {totals}")
        await asyncio.sleep(0.5)
    assert totals == {"n": 90, "qty": sum(r[2] for r in base_rows)}


@pytest.fixture
def lab(
    druid: DruidClient,
    staging: Staging,
    druid_settings: Settings,
    druid_sql: DruidSqlForTests,
    datasource: str,
) -> Lab:
    return Lab(druid, staging, druid_sql, druid_settings, datasource)


async def test_a_mismatch_names_the_first_row_druid_reads_differently(
    lab: Lab, broker: DruidBroker, staging: Staging, druid_sql: DruidSqlForTests
) -> None:
    # The test's spec types `zip` by Polars' reading (LONG), so Druid drops leading zeros;
    # Sluice's profile keeps the column as text.
    zips = ["10001", "00501", "02134", "10002"]
    rows = [(f"2024-03-01T10:0{i}:00Z", z, i) for i, z in enumerate(zips)]
    datasource = lab.datasource
    await lab.land("zips", csv_text(("ts", "zip", "qty"), rows))
    await druid_sql.wait_for_table(datasource)
    upload_id = f"sluice_test_{datasource}_zips"
    profile = _with_statistics(staging.profile("zips", time_column="ts"), staging.frame("zips"))
    as_text = dataclasses.replace(
        profile,
        columns=tuple(
            dataclasses.replace(c, type=ColumnType.STRING, sum=None, min=None, max=None,
                                non_empty=len(zips), total_length=sum(map(len, zips)))
            if c.name == "zip" else c
            for c in profile.columns
        ),
    )  # fmt: skip
    verdict = await reconcile_upload(
        broker, datasource=datasource, upload_id=upload_id, profile=as_text, rows=len(rows)
    )
    assert verdict.columns == ("zip",)

    sent = SentRows(paths=(staging.work_dir / "zips.csv",), columns=("ts", "zip", "qty"))
    found = await first_differences(
        broker, datasource=datasource, upload_id=upload_id, profile=as_text, sent=sent,
        columns=verdict.columns,
    )  # fmt: skip
    assert found == [RowDifference("zip", rows=2, row=2, value="00501", found="501", told=True)]
    message = dataclasses.replace(verdict, rows=tuple(found)).message()
    assert "column zip: 2 values differ; first: row 2 `00501` → `501`" in message
    # Rows set aside before it shift the row number to the upload's own.
    found = await first_differences(
        broker, datasource=datasource, upload_id=upload_id, profile=as_text,
        sent=dataclasses.replace(sent, quarantined=(1, 5)), columns=verdict.columns,
    )  # fmt: skip
    assert found[0].row == 3
