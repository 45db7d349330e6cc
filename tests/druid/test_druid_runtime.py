"""The real local Druid: staged CSV in S3 → spec → task → segments loaded → exact SQL answers.

Expected values come from Polars on the same file. Failure cases misconfigure Druid for a
single task: a task-context key `druid.indexer.fork.property.<name>` overrides that property
in the task's own JVM (Druid's ForkingTaskRunner), exactly as a wrong `druid.s3.*` setting
in runtime.properties would, without restarting the cluster.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
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


@dataclass
class Lab:
    """Stage a CSV, build its spec, submit it, wait for Druid: the steps every test shares."""

    druid: DruidClient
    staging: Staging
    sql: DruidSqlForTests
    settings: Settings
    datasource: str

    async def ingest(
        self,
        name: str,
        text: str,
        *,
        mode: WriteMode = WriteMode.APPEND,
        time_column: str | None = "ts",
        context: dict[str, Any] | None = None,
        described_by: str | None = None,
        vanish: bool = False,
        submissions: int = 1,
    ) -> Ingested:
        """Run one task to its end and return its id and final state.

        `described_by`: a CSV whose profile describes the file (for a file Polars cannot
        read typed); `vanish`: delete the staged file before submitting; `submissions`:
        submit the same spec that many times (each must answer with the same task id).
        """
        uri = await self.staging.put_csv(name, text)
        described = name
        if described_by is not None:
            described = f"{name}_described"
            await self.staging.put_csv(described, described_by)
        if vanish:
            await self.staging.store.delete(f"{self.staging.prefix}{name}.csv")
        task_id = f"sluice_test_{self.datasource}_{name}"
        spec = build_ingestion_spec(
            task_id=task_id,
            upload_id=task_id,
            datasource=self.datasource,
            profile=self.staging.profile(described, time_column=time_column),
            staged=self.staging.staged(described, uri),
            mode=mode,
            settings=self.settings,
        )
        if context:
            spec["context"] = context
        for _ in range(submissions):
            assert await self.druid.submit_task(spec) == task_id
        status = await wait_for_task(self.druid, task_id)
        return Ingested(task_id=task_id, state=status.state, uri=uri)

    async def land(self, name: str, text: str, **options: Any) -> DruidTaskReport:
        """Ingest; the task must succeed and its rows be queryable by Druid SQL."""
        ingested = await self.ingest(name, text, **options)
        if ingested.state != "SUCCESS":
            explained = await self.druid.explain_task_failure(ingested.task_id)
            pytest.fail(
                f"task {ingested.task_id} {ingested.state}: {explained.code}: {explained.message}"
            )
        await wait_until_loaded(self.druid, self.datasource)
        report = await final_report(self.druid, ingested.task_id)
        await self.sql.wait_for_table(self.datasource)
        return report


@dataclass(frozen=True)
class Ingested:
    task_id: str
    state: str
    uri: str


@pytest.fixture
def lab(
    druid: DruidClient,
    staging: Staging,
    druid_sql: DruidSqlForTests,
    runtime_settings: Settings,
    datasource: str,
) -> Lab:
    return Lab(druid, staging, druid_sql, runtime_settings, datasource)


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


async def test_a_staged_csv_lands_and_druid_sql_agrees_with_polars(lab: Lab) -> None:
    report = await lab.land("first", csv_text(HEADER, _rows(1, days=[1, 2, 3, 4], per_day=500)))
    frame, datasource = lab.staging.frame("first"), lab.datasource

    assert (report.processed, report.processed_with_error) == (len(frame), 0)
    assert (report.unparseable, report.thrown_away) == (0, 0)
    assert report.segments_available is True  # the task waited for hand-off
    assert await lab.druid.datasource_exists(datasource)
    _assert_totals(await _totals(lab.sql, datasource), _expected_totals(frame))
    by_city = await lab.sql.rows(
        f'SELECT city, COUNT(*) AS n, SUM(qty) AS qty FROM "{datasource}" '
        "GROUP BY city ORDER BY city"
    )
    expected = frame.group_by("city").agg(pl.len().alias("n"), pl.col("qty").sum()).sort("city")
    assert by_city == expected.to_dicts()
    # Typed dimensions: numbers are numbers in Druid, not strings.
    types = await lab.sql.rows(
        "SELECT COLUMN_NAME AS name, DATA_TYPE AS type FROM INFORMATION_SCHEMA.COLUMNS "
        "WHERE TABLE_NAME = ? ORDER BY ORDINAL_POSITION",
        datasource,
    )
    assert {row["name"]: row["type"] for row in types} == {
        "__time": "TIMESTAMP",
        "city": "VARCHAR",
        "qty": "BIGINT",
        "price": "DOUBLE",
        "sluice_upload": "VARCHAR",  # the upload id every row carries
    }


async def test_append_adds_exactly_the_new_file(lab: Lab) -> None:
    await lab.land("a1", csv_text(HEADER, _rows(2, days=[1, 2], per_day=300)))
    before = await _totals(lab.sql, lab.datasource)
    # Overlaps day 2.
    report = await lab.land("a2", csv_text(HEADER, _rows(3, days=[2, 3], per_day=200)))
    both = pl.concat([lab.staging.frame("a1"), lab.staging.frame("a2")])

    assert report.rows_ingested == len(lab.staging.frame("a2"))
    assert before["rows"] == len(lab.staging.frame("a1"))
    _assert_totals(await _totals(lab.sql, lab.datasource), _expected_totals(both))


async def test_replace_overwrites_only_the_days_the_file_covers(lab: Lab) -> None:
    await lab.land("r1", csv_text(HEADER, _rows(4, days=[1, 2, 3, 4, 5], per_day=100)))
    # The new file has rows on days 2 and 4 only: day 3 lies inside its range, so it is
    # emptied too; days 1 and 5 keep their old rows.
    new = csv_text(HEADER, _rows(5, days=[2, 4], per_day=70))
    await lab.land("r2", new, mode=WriteMode.REPLACE)
    old_frame, new_frame = lab.staging.frame("r1"), lab.staging.frame("r2")
    kept = old_frame.filter(pl.col("ts").dt.day().is_in([1, 5]))
    expected = pl.concat([kept, new_frame])

    _assert_totals(await _totals(lab.sql, lab.datasource), _expected_totals(expected))
    per_day = await lab.sql.rows(
        f"SELECT TIME_FORMAT(TIME_FLOOR(__time, 'P1D'), 'd') AS \"day\", COUNT(*) AS n "
        f'FROM "{lab.datasource}" GROUP BY 1 ORDER BY 1'
    )
    assert per_day == [
        {"day": "1", "n": 100},
        {"day": "2", "n": 70},
        {"day": "4", "n": 70},
        {"day": "5", "n": 100},
    ]


async def test_a_file_without_time_column_gets_the_constant_time(lab: Lab) -> None:
    text = csv_text(("sku", "stock"), [(f"sku-{i}", i * 3) for i in range(250)])
    await lab.land("notime", text, time_column=None)
    row = await lab.sql.one(
        f"SELECT COUNT(*) AS n, SUM(stock) AS stock, MIN(__time) AS t0, MAX(__time) AS t1, "
        f'COUNT(DISTINCT sku) AS skus FROM "{lab.datasource}"'
    )
    assert row == {
        "n": 250,
        "stock": lab.staging.frame("notime")["stock"].sum(),
        "skus": 250,
        "t0": "2000-01-01T00:00:00.000Z",
        "t1": "2000-01-01T00:00:00.000Z",
    }


async def test_bad_rows_are_counted_in_the_report_not_fatal(lab: Lab) -> None:
    good = csv_text(HEADER, _rows(6, days=[1], per_day=40))
    # Staged files should be clean; if one is not, Druid must say so in numbers. Polars
    # cannot read this file typed: it is described as the profiler would the good rows.
    bad = good + "not-a-time,Lyon,1,1.0\n2024-03-01T12:00:00Z,Oslo,many,2.5\n"
    report = await lab.land("badrows", bad, described_by=good)

    assert (report.processed, report.processed_with_error) == (40, 1)
    assert (report.unparseable, report.thrown_away) == (1, 0)
    assert "1 unparseable" in report.reason_summary()
    assert "not-a-time" in report.reason_summary()
    row = await lab.sql.one(
        "SELECT COUNT(*) AS n, COUNT(*) FILTER (WHERE qty IS NULL) AS null_qty "
        f'FROM "{lab.datasource}"'
    )
    assert row == {"n": 41, "null_qty": 1}  # the bad number became null, the row stayed


async def test_resubmitting_the_same_task_id_is_idempotent(lab: Lab) -> None:
    # Submitted twice, e.g. a worker retry after a lost response: each answers the same id.
    text = csv_text(HEADER, _rows(7, days=[9], per_day=30))
    await lab.land("twice", text, submissions=2)
    assert (await lab.sql.one(f'SELECT COUNT(*) AS n FROM "{lab.datasource}"'))["n"] == 30


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
    lab: Lab, override: dict[str, str], code: str, words: list[str]
) -> None:
    context = {f"druid.indexer.fork.property.{key}": value for key, value in override.items()}
    text = csv_text(HEADER, _rows(8, days=[1], per_day=10))
    ingested = await lab.ingest(f"s3cfg_{code.lower()}", text, context=context)

    assert ingested.state == "FAILED"
    explained = await lab.druid.explain_task_failure(ingested.task_id)
    assert explained.code == code
    for word in words:
        assert word in explained.message
    assert "S3" in explained.message
    assert not await lab.druid.datasource_exists(lab.datasource)


async def test_a_missing_staged_file_fails_with_a_named_reason(lab: Lab) -> None:
    text = csv_text(HEADER, _rows(9, days=[1], per_day=5))
    ingested = await lab.ingest("vanished", text, vanish=True)

    assert ingested.state == "FAILED"
    explained = await lab.druid.explain_task_failure(ingested.task_id)
    assert (explained.code, explained.retryable) == ("S3_OBJECT_MISSING", False)
    assert ingested.uri in explained.message
    log = await lab.druid.task_log(ingested.task_id)
    assert log is not None and "NoSuchKey" in log  # the log itself is readable through the API
