"""JSON and compressed uploads on the real Druid: each lands with every row and exact values,
checked against what Polars reads from the same records."""

from __future__ import annotations

import bz2
import gzip
import io
import json
import lzma
import zipfile
from collections.abc import Callable
from typing import Any

import polars as pl
import pytest
import zstandard

from core.settings import Settings
from tests.conftest import api_client, grant
from tests.druid.conftest import Submission, ingest_together, new_datasource
from tests.druid.test_pipeline import _assert_succeeded, pipeline
from tests.hostile.cases import _wikiticker

pytestmark = pytest.mark.druid
__all__ = ["pipeline"]  # the fixture, shared with the CSV/XLSX/Parquet tests


def _zip(name: str) -> Callable[[bytes], bytes]:
    def pack(data: bytes) -> bytes:
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.writestr(name, data)
            archive.writestr("README.md", "exported rows")
        return buffer.getvalue()

    return pack


def _orders(n: int) -> list[dict[str, Any]]:
    return [
        {
            "ts": f"2024-04-{1 + i % 28:02d}T{i % 24:02d}:00:00Z",
            "order": {"id": i, "customer": {"country": ("FR", "DE", None)[i % 3]}},
            "amount": round(i * 0.75, 2),
            "qty": i % 7,
            "tags": ["a", i] if i % 2 else [],
        }
        for i in range(n)
    ]


async def test_druid_tutorial_shape_lands_with_every_row(
    pipeline: Any, datasource: str, druid_sql: Any
) -> None:
    """wikiticker: gzipped JSON Lines, flat fields, an ISO `time`, booleans and nulls."""
    text = _wikiticker(300)
    task = await pipeline(
        "wikiticker-2015-09-12-sampled.json.gz", gzip.compress(text.encode()), datasource
    )

    _assert_succeeded(task, 300)
    assert task["rowsIngested"] == 300
    assert task["profile"]["format"] == "json"
    assert task["profile"]["timestampColumn"] == "time"
    expected = pl.read_ndjson(io.BytesIO(text.encode()))
    await druid_sql.wait_for_table(datasource)
    got = await druid_sql.one(
        f"SELECT COUNT(*) AS n, SUM(added) AS added, SUM(delta) AS delta, "
        f'COUNT(cityName) AS cities, MIN(__time) AS tmin FROM "{datasource}"'
    )
    assert got == {
        "n": 300,
        "added": expected["added"].sum(),
        "delta": expected["delta"].sum(),
        "cities": expected["cityName"].count(),
        "tmin": "2015-09-12T00:00:00.000Z",
    }
    robots = await druid_sql.one(
        f"SELECT COUNT(*) AS n FROM \"{datasource}\" WHERE isRobot = 'true'"
    )
    assert robots["n"] == expected["isRobot"].sum()


# One compression per file; as an array, or as lines with one broken line among them
# (quarantined with its number, the rest lands).
COMPRESSIONS: list[tuple[str, Callable[[bytes], bytes], bool]] = [
    ("orders.jsonl.zst", zstandard.ZstdCompressor().compress, False),
    ("orders.json.xz", lzma.compress, True),
    ("orders.zip", _zip("orders.ndjson"), False),
    ("orders.json.bz2", bz2.compress, True),
]


def _orders_file(as_array: bool) -> tuple[list[dict[str, Any]], str]:
    rows = _orders(200)
    if as_array:
        return rows, json.dumps(rows, indent=1)
    lines = [json.dumps(r) for r in rows]
    lines.insert(50, '{"ts": "2024-04-01T00:00:00Z", "amount": ')
    return rows, "\n".join(lines) + "\n"


@pytest.mark.timeout(600)  # 4 ingestions on the shared cluster's slots
async def test_json_in_each_compression_lands_exactly(
    druid_settings: Settings, druid: Any, redis: Any, db: Any, clean: None, druid_sql: Any
) -> None:
    """The four files go to Druid together, so their tasks share the slots."""
    rows, text = {}, {}
    for filename, _, as_array in COMPRESSIONS:
        rows[filename], text[filename] = _orders_file(as_array)
    files = {
        name: Submission(name, pack(text[name].encode()), new_datasource())
        for name, pack, _ in COMPRESSIONS
    }
    async with api_client(druid_settings, await grant(db)) as client:
        tasks = await ingest_together(client, druid_settings, redis, files)

    for filename, _, as_array in COMPRESSIONS:
        task, datasource = tasks[filename], files[filename].datasource
        assert task["status"] == "SUCCEEDED", (filename, task["error"])
        await _lands_exactly(task, datasource, druid_sql, rows[filename], as_array=as_array)


async def _lands_exactly(
    task: dict[str, Any],
    datasource: str,
    druid_sql: Any,
    rows: list[dict[str, Any]],
    *,
    as_array: bool,
) -> None:
    total = 200 if as_array else 201
    _assert_succeeded(task, total)
    assert (task["rowsIngested"], task["rowsQuarantined"]) == (200, total - 200)
    await druid_sql.wait_for_table(datasource)
    got = await druid_sql.one(
        f'SELECT COUNT(*) AS n, SUM(amount) AS amount, SUM(qty) AS qty, SUM("order.id") AS ids, '
        f'COUNT("order.customer.country") AS countries FROM "{datasource}"'
    )
    assert got["n"] == 200
    assert got["amount"] == pytest.approx(sum(r["amount"] for r in rows), abs=1e-6)
    assert got["qty"] == sum(r["qty"] for r in rows)
    assert got["ids"] == sum(r["order"]["id"] for r in rows)
    assert got["countries"] == sum(r["order"]["customer"]["country"] is not None for r in rows)
    tags = await druid_sql.one(f'SELECT COUNT(*) AS n FROM "{datasource}" WHERE tags = \'["a",1]\'')
    assert tags["n"] == 1


async def test_compressed_csv_lands_exactly(pipeline: Any, datasource: str, druid_sql: Any) -> None:
    frame = pl.DataFrame(
        {"day": [f"2024-05-{1 + i % 30:02d}" for i in range(400)], "v": list(range(400))}
    )
    task = await pipeline("days.csv.gz", gzip.compress(frame.write_csv().encode()), datasource)

    _assert_succeeded(task, 400)
    assert task["profile"]["format"] == "csv"
    await druid_sql.wait_for_table(datasource)
    got = await druid_sql.one(f'SELECT COUNT(*) AS n, SUM(v) AS v FROM "{datasource}"')
    assert got == {"n": 400, "v": frame["v"].sum()}
