"""The whole path on real services and a real Druid: upload → validate → stage → submit →
ingest → queryable. Every number is checked against what Polars computes on the source."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import polars as pl
import pytest

from core.services import open_services
from core.settings import Settings
from tests.conftest import api_client, grant, run_worker
from tests.graphql_ops import get_task, upload_file
from workers.watchdog import watch_tasks

pytestmark = pytest.mark.druid


@pytest.fixture
async def pipeline(
    druid_settings: Settings, druid: Any, redis: Any, db: Any, clean: None
) -> AsyncIterator[Any]:
    """Upload through the ASGI app and run the worker until the task is finished."""
    async with api_client(druid_settings, await grant(db)) as client:

        async def ingest(
            filename: str, content: bytes, datasource: str, **options: Any
        ) -> dict[str, Any]:
            task = await upload_file(
                client,
                filename=filename,
                content=content,
                datasource=datasource,
                options=options or None,
            )
            assert task["__typename"] == "IngestionTask", task
            await run_worker(druid_settings, redis)
            return await get_task(client, task["id"])

        yield ingest


def _csv(frame: pl.DataFrame) -> bytes:
    buffer = io.BytesIO()
    frame.write_csv(buffer)
    return buffer.getvalue()


def _sales(rows: int, *, start: datetime, seed: int = 0) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "ts": [start + timedelta(hours=i * 7 + seed) for i in range(rows)],
            "country": [("FR", "DE", "US", "JP", None)[(i + seed) % 5] for i in range(rows)],
            "amount": [round((i * 37 + seed) % 1000 * 0.25, 2) for i in range(rows)],
            "qty": [(i + seed) % 9 for i in range(rows)],
        }
    )


async def _druid_totals(druid_sql: Any, datasource: str) -> dict[str, Any]:
    await druid_sql.wait_for_table(datasource)
    return await druid_sql.one(
        f"SELECT COUNT(*) AS n, SUM(amount) AS amount, SUM(qty) AS qty, "
        f'MIN(__time) AS tmin, MAX(__time) AS tmax FROM "{datasource}"'
    )


async def _assert_totals(druid_sql: Any, datasource: str, frame: pl.DataFrame) -> None:
    """Druid holds `frame`'s rows (a `_sales` table): count, sums and time range."""
    totals = await _druid_totals(druid_sql, datasource)
    assert totals["n"] == frame.height
    assert totals["amount"] == pytest.approx(frame["amount"].sum(), abs=1e-6)
    assert totals["qty"] == frame["qty"].sum()
    assert totals["tmin"] == _iso_ms(frame["ts"].min())
    assert totals["tmax"] == _iso_ms(frame["ts"].max())


def _iso_ms(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def _read_as_uploaded(task: dict[str, Any]) -> bool:
    """Whether Druid read the upload itself (no staged copy), as the task's events say."""
    return any("reads the file as uploaded" in e["message"] for e in task["events"])


def _assert_succeeded(task: dict[str, Any], rows: int) -> None:
    assert task["status"] == "SUCCEEDED", task["error"]
    assert task["rowsTotal"] == rows
    assert task["rowsIngested"] + task["rowsQuarantined"] + task["rowsThrownAway"] == rows


async def test_csv_lands_with_exact_numbers(pipeline: Any, datasource: str, druid_sql: Any) -> None:
    frame = _sales(500, start=datetime(2024, 1, 1, tzinfo=UTC))
    task = await pipeline("sales.csv", _csv(frame), datasource)

    _assert_succeeded(task, 500)
    assert task["rowsIngested"] == 500
    await _assert_totals(druid_sql, datasource, frame)
    country = await druid_sql.one(f'SELECT COUNT(*) AS n FROM "{datasource}" WHERE country IS NULL')
    assert country["n"] == frame["country"].null_count()


async def test_xlsx_with_excel_dates_lands(pipeline: Any, datasource: str, druid_sql: Any) -> None:
    frame = pl.DataFrame(
        {
            "day": [date(2023, 5, 1) + timedelta(days=i) for i in range(120)],
            "store": [f"s{i % 4}" for i in range(120)],
            "amount": [float(i % 17) * 1.5 for i in range(120)],
            "qty": [i % 5 for i in range(120)],
        }
    )
    buffer = io.BytesIO()
    frame.write_excel(buffer, worksheet="sales")
    task = await pipeline("sales.xlsx", buffer.getvalue(), datasource)

    _assert_succeeded(task, 120)
    assert task["profile"]["format"] == "xlsx"
    assert task["profile"]["timestampColumn"] == "day"
    totals = await _druid_totals(druid_sql, datasource)
    assert totals["n"] == 120
    assert totals["amount"] == pytest.approx(frame["amount"].sum())
    assert totals["qty"] == frame["qty"].sum()
    assert totals["tmin"] == "2023-05-01T00:00:00.000Z"
    assert totals["tmax"] == f"{date(2023, 5, 1) + timedelta(days=119)}T00:00:00.000Z"


async def test_parquet_lands(pipeline: Any, datasource: str, druid_sql: Any) -> None:
    frame = _sales(300, start=datetime(2024, 6, 1, tzinfo=UTC), seed=3)
    buffer = io.BytesIO()
    frame.write_parquet(buffer)
    task = await pipeline("sales.parquet", buffer.getvalue(), datasource)

    _assert_succeeded(task, 300)
    assert task["profile"]["format"] == "parquet"
    totals = await _druid_totals(druid_sql, datasource)
    assert totals["n"] == 300
    assert totals["amount"] == pytest.approx(frame["amount"].sum(), abs=1e-6)
    assert totals["tmin"] == _iso_ms(frame["ts"].min())


async def test_bad_rows_are_quarantined_and_the_rest_lands(
    pipeline: Any, datasource: str, druid_sql: Any
) -> None:
    good = _sales(50, start=datetime(2024, 2, 1, tzinfo=UTC))
    lines = _csv(good).decode().splitlines()
    lines.insert(10, "not-a-date,FR,1.0,1")
    lines.insert(20, "2024-02-30T00:00:00,FR,1.0,1")
    lines.insert(30, "2024-02-03T00:00:00,FR,1.0,1,surplus")
    task = await pipeline("mixed.csv", ("\n".join(lines) + "\n").encode(), datasource)

    _assert_succeeded(task, 53)
    assert task["rowsQuarantined"] == 3
    assert task["rowsIngested"] == 50
    totals = await _druid_totals(druid_sql, datasource)
    assert totals["n"] == 50
    assert totals["amount"] == pytest.approx(good["amount"].sum(), abs=1e-6)


async def test_file_without_a_time_column_lands(
    pipeline: Any, datasource: str, druid_sql: Any
) -> None:
    frame = pl.DataFrame(
        {"name": [f"n{i}" for i in range(40)], "amount": [float(i) for i in range(40)]}
    )
    task = await pipeline("plain.csv", _csv(frame), datasource)

    _assert_succeeded(task, 40)
    assert task["profile"]["timestampColumn"] is None
    await druid_sql.wait_for_table(datasource)
    totals = await druid_sql.one(f'SELECT COUNT(*) AS n, SUM(amount) AS s FROM "{datasource}"')
    assert totals == {"n": 40, "s": pytest.approx(frame["amount"].sum())}


async def test_append_adds_exactly_the_new_rows_and_replace_replaces(
    pipeline: Any, datasource: str, druid_sql: Any
) -> None:
    first = _sales(100, start=datetime(2024, 3, 1, tzinfo=UTC))
    second = _sales(60, start=datetime(2024, 3, 2, tzinfo=UTC), seed=1)
    _assert_succeeded(await pipeline("a.csv", _csv(first), datasource), 100)
    _assert_succeeded(await pipeline("b.csv", _csv(second), datasource), 60)
    totals = await _druid_totals(druid_sql, datasource)
    assert totals["n"] == 160
    assert totals["qty"] == first["qty"].sum() + second["qty"].sum()

    # Replace with a file spanning almost the same time range as both.
    latest = max(first["ts"].max(), second["ts"].max())
    replacement = pl.concat(
        [
            _sales(30, start=datetime(2024, 3, 1, tzinfo=UTC), seed=2),
            _sales(1, start=latest, seed=5),
        ]
    )
    task = await pipeline("c.csv", _csv(replacement), datasource, mode="REPLACE")
    _assert_succeeded(task, 31)
    # Exactly the replacement's time range is replaced: older rows before it stay.
    low, high = replacement["ts"].min(), replacement["ts"].max()
    kept = pl.concat([first, second]).filter((pl.col("ts") < low) | (pl.col("ts") > high))
    assert kept.height == 1
    totals = await _druid_totals(druid_sql, datasource)
    assert totals["n"] == 31 + kept.height
    assert totals["qty"] == replacement["qty"].sum() + kept["qty"].sum()


async def test_a_worker_dying_after_submitting_does_not_ingest_twice(
    druid_settings: Settings,
    druid: Any,
    redis: Any,
    db: Any,
    clean: None,
    datasource: str,
    druid_sql: Any,
) -> None:
    """The worker submitted to Druid and died before recording it: the state in PostgreSQL
    still says SUBMITTING, and its job is gone. The watchdog resumes the task under a new job
    id, the same deterministic Druid task id is resubmitted, and the rows land once."""
    frame = _sales(200, start=datetime(2024, 4, 1, tzinfo=UTC))
    async with (
        api_client(druid_settings, await grant(db)) as client,
        open_services(druid_settings) as svc,
    ):
        task = await upload_file(
            client, filename="once.csv", content=_csv(frame), datasource=datasource
        )
        await run_worker(druid_settings, redis)
        done = await get_task(client, task["id"])
        _assert_succeeded(done, 200)

        # Rewind to the moment before the worker recorded its submission, its lease run out
        # and its job lost; the watchdog finds it past the SUBMITTING deadline.
        await db.execute(
            "UPDATE tasks SET status = 'SUBMITTING', druid_task_id = NULL, lease_owner = 'x',"
            " lease_until = now() - interval '1 minute', updated_at = now() - interval '1 hour'"
            " WHERE id = $1",
            task["id"],
        )
        await redis.flushdb()
        assert await watch_tasks({"services": svc}) == 1
        await run_worker(druid_settings, redis)
        again = await get_task(client, task["id"])

    assert again["status"] == "SUCCEEDED"
    assert again["druidTaskId"] == done["druidTaskId"] == druid_task_id_for(task["id"])
    totals = await _druid_totals(druid_sql, datasource)
    assert totals["n"] == 200  # not 400


@pytest.mark.parametrize("status", ["VALIDATING", "STAGING"])
async def test_a_task_whose_worker_died_mid_step_is_resumed_and_lands_once(
    druid_settings: Settings,
    druid: Any,
    redis: Any,
    db: Any,
    clean: None,
    datasource: str,
    druid_sql: Any,
    status: str,
) -> None:
    """The worker died while validating or staging: its lease ran out, its job is gone. The
    watchdog resumes the task; the step runs again from that state and the rows land once."""
    frame = _sales(150, start=datetime(2024, 6, 1, tzinfo=UTC))
    async with (
        api_client(druid_settings, await grant(db)) as client,
        open_services(druid_settings) as svc,
    ):
        task = await upload_file(
            client, filename="died.csv", content=_csv(frame), datasource=datasource
        )
        await redis.flushdb()
        await db.execute(
            "UPDATE tasks SET status = $2, lease_owner = 'process:dead',"
            " lease_until = now() - interval '1 minute', updated_at = now() - interval '1 hour'"
            " WHERE id = $1",
            task["id"],
            status,
        )
        assert await watch_tasks({"services": svc}) == 1
        await run_worker(druid_settings, redis)
        done = await get_task(client, task["id"])

    _assert_succeeded(done, 150)
    assert [e["status"] for e in done["events"]].count("SUBMITTING") == 1
    totals = await _druid_totals(druid_sql, datasource)
    assert totals["n"] == 150


def druid_task_id_for(task_id: str, attempt: int = 1) -> str:
    return f"sluice_{task_id}_{attempt}"


# Text that CSV readers disagree on: backslashes (some readers take them for escapes),
# doubled quotes, delimiters and spaces inside fields, non-ASCII. Druid must hold exactly
# what Polars reads from the upload.
TRICKY_TEXT = (
    r"C:\path\to\file",
    "ends with a backslash \\",
    'she said "hi"',
    r"escaped \"quote\" the other way",
    "comma, inside",
    " leading and trailing spaces ",
    "é 漢字 🎉",
    "plain",
)
ISO_MS = "yyyy-MM-dd''T''HH:mm:ss.SSS''Z''"  # Joda pattern, quoted for Druid SQL
TIME_FORMS = (
    "2024-03-01T10:00:00.123Z",
    "2024-03-01T10:00:00Z",
    "2024-03-01T12:00:00+02:00",
    "2024-03-01T10:00:00.5Z",
)


def _tricky_csv(rows: int) -> tuple[bytes, pl.DataFrame]:
    frame = pl.DataFrame(
        {
            "ts": [
                TIME_FORMS[i % len(TIME_FORMS)].replace("01T", f"{1 + i % 28:02d}T")
                for i in range(rows)
            ],
            "label": [TRICKY_TEXT[i % len(TRICKY_TEXT)] for i in range(rows)],
            "n": list(range(rows)),
            "x": [None if i % 5 == 0 else i * 0.5 for i in range(rows)],
        }
    )
    content = _csv(frame)
    expected = pl.read_csv(
        content, schema={"ts": pl.String, "label": pl.String, "n": pl.Int64, "x": pl.Float64}
    )
    expected = expected.with_columns(
        ts=pl.col("ts")
        .str.to_datetime("%Y-%m-%dT%H:%M:%S%.f%#z", time_unit="ms")
        .dt.convert_time_zone("UTC")
        .dt.strftime("%Y-%m-%dT%H:%M:%S.%3fZ")
    )
    return content, expected


async def test_text_and_times_land_exactly_as_read(
    pipeline: Any, datasource: str, druid_sql: Any
) -> None:
    content, expected = _tricky_csv(200)
    task = await pipeline("tricky.csv", content, datasource)

    _assert_succeeded(task, 200)
    assert task["rowsIngested"] == 200
    assert _read_as_uploaded(task)
    await druid_sql.wait_for_table(datasource)
    rows = await druid_sql.rows(
        f"SELECT TIME_FORMAT(__time, '{ISO_MS}') AS ts, label, n, x FROM \"{datasource}\""
    )
    got = pl.DataFrame(
        rows,
        schema={"ts": pl.String, "label": pl.String, "n": pl.Int64, "x": pl.Float64},
        orient="row",
    )
    mismatches = got.join(expected, on="n", suffix="_expected").filter(
        (pl.col("ts") != pl.col("ts_expected"))
        | (pl.col("label") != pl.col("label_expected"))
        | (pl.col("x").ne_missing(pl.col("x_expected")))
    )
    assert mismatches.is_empty(), mismatches.head(10)
    assert got.height == 200


async def test_a_clean_file_druid_cannot_read_as_is_is_staged_and_lands(
    pipeline: Any, datasource: str, druid_sql: Any
) -> None:
    # Semicolons and day-first dates without seconds: clean, but only a staged copy (epoch
    # milliseconds) reads the same in Druid. Staged by one Polars sink (stage.stage_all).
    frame = _sales(300, start=datetime(2024, 4, 1, tzinfo=UTC), seed=4)
    text = frame.with_columns(pl.col("ts").dt.strftime("%d/%m/%Y %H:%M")).write_csv(separator=";")
    task = await pipeline("semicolons.csv", text.encode(), datasource)

    _assert_succeeded(task, 300)
    assert not _read_as_uploaded(task)
    assert task["profile"]["delimiter"] == ";"
    await _assert_totals(druid_sql, datasource, frame)


async def test_broken_quoting_costs_a_row_not_the_file(
    pipeline: Any, datasource: str, druid_sql: Any
) -> None:
    frame = _sales(60, start=datetime(2024, 5, 1, tzinfo=UTC), seed=6)
    lines = _csv(frame).decode().splitlines()
    lines[5] = lines[5].replace(",", ',27" monitor ', 1)  # a quote inside an unquoted value
    lines[9] = lines[9].replace(",", ',"never closed ', 1)
    task = await pipeline("quotes.csv", ("\n".join(lines) + "\n").encode(), datasource)

    _assert_succeeded(task, 60)
    assert (task["rowsIngested"], task["rowsQuarantined"]) == (59, 1)
    await druid_sql.wait_for_table(datasource)
    monitor = await druid_sql.one(
        f'SELECT COUNT(*) AS n FROM "{datasource}" WHERE country LIKE \'27" monitor %\''
    )
    assert monitor["n"] == 1


async def test_times_in_year_9999_land(pipeline: Any, datasource: str, druid_sql: Any) -> None:
    """The last chunk of such a file ends in year 10000, which Python's datetime cannot hold
    (the spec builder once crashed on it) but Druid's time library can."""
    content = b"ts,qty\n2024-01-01T00:00:00Z,1\n9999-12-31T23:59:59Z,2\n"
    task = await pipeline("far.csv", content, datasource)
    _assert_succeeded(task, 2)
    await druid_sql.wait_for_table(datasource)
    row = await druid_sql.one(f'SELECT COUNT(*) AS n, MAX(__time) AS tmax FROM "{datasource}"')
    assert row["n"] == 2
    assert str(row["tmax"]).startswith("9999-12-31T23:59:59")
