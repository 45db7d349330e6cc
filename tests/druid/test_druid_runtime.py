"""The real local Druid: staged CSV in S3 → spec → task → segments loaded → exact SQL answers.

Expected values come from Polars on the same file. Failure cases misconfigure Druid for a
single task: a task-context key `druid.indexer.fork.property.<name>` overrides that property
in the task's own JVM (Druid's ForkingTaskRunner), exactly as a wrong `druid.s3.*` setting
in runtime.properties would, without restarting the cluster.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import Any

import polars as pl
import pytest

from core.druid.client import DruidClient, DruidTaskReport
from core.druid.spec import build_ingestion_spec
from core.model import WriteMode
from core.settings import Settings
from tests.druid.conftest import (
    DruidSqlForTests,
    Staging,
    csv_text,
    final_report,
    wait_for_task,
    wait_until_loaded,
)

pytestmark = pytest.mark.druid

HEADER = ("ts", "city", "qty", "price")
CITIES = ("Lyon", "Paris", "Oslo", "Lima", "Kyoto")


def _rows(seed: int, *, days: list[int], per_day: int) -> list[tuple[Any, ...]]:
    """Rows on the given days of March 2024; every 7th price is empty (null)."""
    rnd = random.Random(seed)
    rows = []
    for day in days:
        start = datetime(2024, 3, day, tzinfo=UTC)
        for i in range(per_day):
            moment = start + timedelta(seconds=rnd.randrange(86_400))
            price = None if i % 7 == 0 else round(rnd.uniform(0, 500), 2)
            rows.append(
                (
                    moment.strftime("%Y-%m-%dT%H:%M:%SZ"),
                    rnd.choice(CITIES),
                    rnd.randrange(-50, 1000),
                    price,
                )
            )
    return rows


async def _ingest(
    druid: DruidClient,
    staging: Staging,
    settings: Settings,
    *,
    datasource: str,
    name: str,
    text: str,
    mode: WriteMode = WriteMode.APPEND,
    time_column: str | None = "ts",
    context: dict[str, Any] | None = None,
) -> tuple[str, str]:
    """Stage `text`, submit its spec; return (Druid task id, final state)."""
    uri = await staging.put_csv(name, text)
    task_id = f"sluice_test_{datasource}_{name}"
    spec = build_ingestion_spec(
        task_id=task_id,
        upload_id=task_id,
        datasource=datasource,
        profile=staging.profile(name, time_column=time_column),
        staged=staging.staged(name, uri),
        mode=mode,
        settings=settings,
    )
    if context:
        spec["context"] = context
    assert await druid.submit_task(spec) == task_id
    status = await wait_for_task(druid, task_id)
    return task_id, status.state


async def _ingest_ok(
    druid: DruidClient,
    staging: Staging,
    settings: Settings,
    *,
    datasource: str,
    name: str,
    text: str,
    **kw: Any,
) -> DruidTaskReport:
    task_id, state = await _ingest(
        druid, staging, settings, datasource=datasource, name=name, text=text, **kw
    )
    if state != "SUCCESS":
        explained = await druid.explain_task_failure(task_id)
        pytest.fail(f"task {task_id} {state}: {explained.code}: {explained.message}")
    await wait_until_loaded(druid, datasource)
    return await final_report(druid, task_id)


def _iso_ms(value: Any) -> str:
    assert isinstance(value, datetime)
    moment = value if value.tzinfo else value.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


async def _totals(sql: DruidSqlForTests, datasource: str) -> dict[str, Any]:
    return await sql.one(
        f'SELECT COUNT(*) AS "rows", SUM(qty) AS qty, SUM(price) AS price, '
        f"COUNT(*) FILTER (WHERE price IS NULL) AS null_prices, "
        f'MIN(__time) AS first, MAX(__time) AS last FROM "{datasource}"'
    )


def _expected_totals(frame: pl.DataFrame) -> dict[str, Any]:
    return {
        "rows": len(frame),
        "qty": frame["qty"].sum(),
        "price": frame["price"].sum(),
        "null_prices": frame["price"].null_count(),
        "first": _iso_ms(frame["ts"].min()),
        "last": _iso_ms(frame["ts"].max()),
    }


def _assert_totals(actual: dict[str, Any], expected: dict[str, Any]) -> None:
    assert actual["price"] == pytest.approx(expected["price"], rel=1e-12)
    assert {k: v for k, v in actual.items() if k != "price"} == {
        k: v for k, v in expected.items() if k != "price"
    }


async def test_a_staged_csv_lands_and_druid_sql_agrees_with_polars(
    druid: DruidClient,
    staging: Staging,
    druid_sql: DruidSqlForTests,
    runtime_settings: Settings,
    datasource: str,
) -> None:
    text = csv_text(HEADER, _rows(1, days=[1, 2, 3, 4], per_day=500))
    report = await _ingest_ok(
        druid, staging, runtime_settings, datasource=datasource, name="first", text=text
    )
    await druid_sql.wait_for_table(datasource)
    frame = staging.frame("first")

    assert (report.processed, report.processed_with_error) == (len(frame), 0)
    assert (report.unparseable, report.thrown_away) == (0, 0)
    assert report.segments_available is True  # the task waited for hand-off
    assert await druid.datasource_exists(datasource)
    _assert_totals(await _totals(druid_sql, datasource), _expected_totals(frame))
    by_city = await druid_sql.rows(
        f'SELECT city, COUNT(*) AS n, SUM(qty) AS qty FROM "{datasource}" '
        "GROUP BY city ORDER BY city"
    )
    expected = frame.group_by("city").agg(pl.len().alias("n"), pl.col("qty").sum()).sort("city")
    assert by_city == expected.to_dicts()
    # Typed dimensions: numbers are numbers in Druid, not strings.
    types = await druid_sql.rows(
        "SELECT COLUMN_NAME AS name, DATA_TYPE AS type FROM INFORMATION_SCHEMA.COLUMNS "
        "WHERE TABLE_NAME = ? ORDER BY ORDINAL_POSITION",
        datasource,
    )
    assert {row["name"]: row["type"] for row in types} == {
        "__time": "TIMESTAMP",
        "city": "VARCHAR",
        "qty": "BIGINT",
        "price": "DOUBLE",
    }


async def test_append_adds_exactly_the_new_file(
    druid: DruidClient,
    staging: Staging,
    druid_sql: DruidSqlForTests,
    runtime_settings: Settings,
    datasource: str,
) -> None:
    first = csv_text(HEADER, _rows(2, days=[1, 2], per_day=300))
    second = csv_text(HEADER, _rows(3, days=[2, 3], per_day=200))  # overlaps day 2
    await _ingest_ok(druid, staging, runtime_settings, datasource=datasource, name="a1", text=first)
    await druid_sql.wait_for_table(datasource)
    before = await _totals(druid_sql, datasource)
    report = await _ingest_ok(
        druid, staging, runtime_settings, datasource=datasource, name="a2", text=second
    )
    both = pl.concat([staging.frame("a1"), staging.frame("a2")])

    assert report.rows_ingested == len(staging.frame("a2"))
    assert before["rows"] == len(staging.frame("a1"))
    _assert_totals(await _totals(druid_sql, datasource), _expected_totals(both))


async def test_replace_overwrites_only_the_days_the_file_covers(
    druid: DruidClient,
    staging: Staging,
    druid_sql: DruidSqlForTests,
    runtime_settings: Settings,
    datasource: str,
) -> None:
    old = csv_text(HEADER, _rows(4, days=[1, 2, 3, 4, 5], per_day=100))
    # The new file has rows on days 2 and 4 only: day 3 lies inside its range, so it is
    # emptied too; days 1 and 5 keep their old rows.
    new = csv_text(HEADER, _rows(5, days=[2, 4], per_day=70))
    await _ingest_ok(druid, staging, runtime_settings, datasource=datasource, name="r1", text=old)
    await _ingest_ok(
        druid,
        staging,
        runtime_settings,
        datasource=datasource,
        name="r2",
        text=new,
        mode=WriteMode.REPLACE,
    )
    await druid_sql.wait_for_table(datasource)
    old_frame, new_frame = staging.frame("r1"), staging.frame("r2")
    kept = old_frame.filter(pl.col("ts").dt.day().is_in([1, 5]))
    expected = pl.concat([kept, new_frame])

    _assert_totals(await _totals(druid_sql, datasource), _expected_totals(expected))
    per_day = await druid_sql.rows(
        f"SELECT TIME_FORMAT(TIME_FLOOR(__time, 'P1D'), 'd') AS \"day\", COUNT(*) AS n "
        f'FROM "{datasource}" GROUP BY 1 ORDER BY 1'
    )
    assert per_day == [
        {"day": "1", "n": 100},
        {"day": "2", "n": 70},
        {"day": "4", "n": 70},
        {"day": "5", "n": 100},
    ]


async def test_a_file_without_time_column_gets_the_constant_time(
    druid: DruidClient,
    staging: Staging,
    druid_sql: DruidSqlForTests,
    runtime_settings: Settings,
    datasource: str,
) -> None:
    text = csv_text(("sku", "stock"), [(f"sku-{i}", i * 3) for i in range(250)])
    await _ingest_ok(
        druid,
        staging,
        runtime_settings,
        datasource=datasource,
        name="notime",
        text=text,
        time_column=None,
    )
    await druid_sql.wait_for_table(datasource)
    row = await druid_sql.one(
        f"SELECT COUNT(*) AS n, SUM(stock) AS stock, MIN(__time) AS t0, MAX(__time) AS t1, "
        f'COUNT(DISTINCT sku) AS skus FROM "{datasource}"'
    )
    frame = staging.frame("notime")
    assert row == {
        "n": 250,
        "stock": frame["stock"].sum(),
        "skus": 250,
        "t0": "2000-01-01T00:00:00.000Z",
        "t1": "2000-01-01T00:00:00.000Z",
    }


async def test_bad_rows_are_counted_in_the_report_not_fatal(
    druid: DruidClient,
    staging: Staging,
    druid_sql: DruidSqlForTests,
    runtime_settings: Settings,
    datasource: str,
) -> None:
    good = _rows(6, days=[1], per_day=40)
    # Staged files should be clean; if one is not, Druid must say so in numbers.
    text = csv_text(HEADER, good) + "not-a-time,Lyon,1,1.0\n2024-03-01T12:00:00Z,Oslo,many,2.5\n"
    name = "badrows"
    uri = await staging.put_csv(name, text)
    task_id = f"sluice_test_{datasource}_{name}"
    # Polars cannot read this file typed; describe it as the profiler would for the good rows.
    good_name = "badrows_good"
    await staging.put_csv(good_name, csv_text(HEADER, good))
    spec = build_ingestion_spec(
        task_id=task_id,
        upload_id=task_id,
        datasource=datasource,
        profile=staging.profile(good_name, time_column="ts"),
        staged=staging.staged(good_name, uri),
        mode=WriteMode.APPEND,
        settings=runtime_settings,
    )
    await druid.submit_task(spec)
    assert (await wait_for_task(druid, task_id)).state == "SUCCESS"
    await wait_until_loaded(druid, datasource)
    report = await final_report(druid, task_id)

    assert (report.processed, report.processed_with_error) == (40, 1)
    assert (report.unparseable, report.thrown_away) == (1, 0)
    assert "1 unparseable" in report.reason_summary()
    assert "not-a-time" in report.reason_summary()
    await druid_sql.wait_for_table(datasource)
    row = await druid_sql.one(
        f'SELECT COUNT(*) AS n, COUNT(*) FILTER (WHERE qty IS NULL) AS null_qty FROM "{datasource}"'
    )
    assert row == {"n": 41, "null_qty": 1}  # the bad number became null, the row stayed


async def test_resubmitting_the_same_task_id_is_idempotent(
    druid: DruidClient,
    staging: Staging,
    druid_sql: DruidSqlForTests,
    runtime_settings: Settings,
    datasource: str,
) -> None:
    name = "twice"
    uri = await staging.put_csv(name, csv_text(HEADER, _rows(7, days=[9], per_day=30)))
    spec = build_ingestion_spec(
        task_id=f"sluice_test_{datasource}",
        upload_id=datasource,
        datasource=datasource,
        profile=staging.profile(name, time_column="ts"),
        staged=staging.staged(name, uri),
        mode=WriteMode.APPEND,
        settings=runtime_settings,
    )
    first = await druid.submit_task(spec)
    second = await druid.submit_task(spec)  # e.g. a worker retry after a lost response
    assert first == second == spec["id"]
    assert (await wait_for_task(druid, first)).state == "SUCCESS"
    await wait_until_loaded(druid, datasource)
    await druid_sql.wait_for_table(datasource)
    assert (await druid_sql.one(f'SELECT COUNT(*) AS n FROM "{datasource}"'))["n"] == 30


# --- S3 problems: a FAILED task whose explanation names the S3 problem ---


@pytest.mark.parametrize(
    "override,code,words",
    [
        ({"druid.s3.secretKey": "not-the-secret"}, "S3_CREDENTIALS_INVALID", ["secret key"]),
        ({"druid.s3.accessKey": "nobody"}, "S3_CREDENTIALS_INVALID", ["access key"]),
        (
            {"druid.s3.endpoint.url": "http://127.0.0.1:9"},
            "S3_ENDPOINT_UNREACHABLE",
            ["127.0.0.1:9", "connect"],
        ),
    ],
    ids=["wrong-secret", "unknown-access-key", "wrong-endpoint"],
)
async def test_wrong_s3_configuration_in_druid_fails_with_a_named_reason(
    druid: DruidClient,
    staging: Staging,
    runtime_settings: Settings,
    datasource: str,
    override: dict[str, str],
    code: str,
    words: list[str],
) -> None:
    context = {f"druid.indexer.fork.property.{key}": value for key, value in override.items()}
    text = csv_text(HEADER, _rows(8, days=[1], per_day=10))
    task_id, state = await _ingest(
        druid,
        staging,
        runtime_settings,
        datasource=datasource,
        name=f"s3cfg_{code.lower()}",
        text=text,
        context=context,
    )
    assert state == "FAILED"
    explained = await druid.explain_task_failure(task_id)
    assert explained.code == code
    for word in words:
        assert word in explained.message
    assert "S3" in explained.message
    assert not await druid.datasource_exists(datasource)


async def test_a_missing_staged_file_fails_with_a_named_reason(
    druid: DruidClient,
    staging: Staging,
    runtime_settings: Settings,
    datasource: str,
) -> None:
    name = "vanished"
    uri = await staging.put_csv(name, csv_text(HEADER, _rows(9, days=[1], per_day=5)))
    await staging.store.delete(f"{staging.prefix}{name}.csv")
    task_id = f"sluice_test_{datasource}_{name}"
    spec = build_ingestion_spec(
        task_id=task_id,
        upload_id=task_id,
        datasource=datasource,
        profile=staging.profile(name, time_column="ts"),
        staged=staging.staged(name, uri),
        mode=WriteMode.APPEND,
        settings=runtime_settings,
    )
    await druid.submit_task(spec)
    assert (await wait_for_task(druid, task_id)).state == "FAILED"
    explained = await druid.explain_task_failure(task_id)
    assert (explained.code, explained.retryable) == ("S3_OBJECT_MISSING", False)
    assert uri in explained.message
    log = await druid.task_log(task_id)
    assert log is not None and "NoSuchKey" in log  # the log itself is readable through the API
