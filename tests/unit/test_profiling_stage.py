"""The staged CSV round-trips: what Druid reads is what was uploaded (time as epoch millis)."""

from __future__ import annotations

import csv
from datetime import UTC
from pathlib import Path

import polars as pl
import pytest

from core.model import ColumnType
from core.profiling import mainpass, stage
from tests.fixtures.uploads import column, mixed_frame, staged, validate, write_csv


def _typed(result, frame: pl.DataFrame) -> pl.DataFrame:  # type: ignore[no-untyped-def]
    """Staged text read back with the dtypes the profile promises."""
    dtypes = {
        ColumnType.LONG: pl.Int64,
        ColumnType.DOUBLE: pl.Float64,
        ColumnType.BOOLEAN: pl.Boolean,
        ColumnType.STRING: pl.String,
        ColumnType.TIMESTAMP: pl.Int64,
    }
    schema = {c.name: dtypes[c.type] for c in result.profile.columns}
    text = staged(result).write_csv().encode()  # what Druid reads, parsed with those types
    return pl.read_csv(text, schema=schema).select(frame.columns)


def _expected(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.with_columns(pl.col("ts").dt.replace_time_zone("UTC").dt.epoch("ms"))


@pytest.mark.parametrize("source", ["csv", "parquet", "xlsx"])
def test_round_trip(tmp_path: Path, source: str) -> None:
    frame = mixed_frame(3_000)
    path = tmp_path / f"in.{source}"
    if source == "csv":
        frame.with_columns(pl.col("ts").dt.strftime("%Y-%m-%dT%H:%M:%SZ")).write_csv(path)
    elif source == "parquet":
        frame.write_parquet(path)
    else:
        frame.write_excel(path)
    result = validate(path, tmp_path / "out")
    types = {c.name: c.type for c in result.profile.columns}
    assert types == {
        "id": ColumnType.LONG,
        "ts": ColumnType.TIMESTAMP,
        "city": ColumnType.STRING,
        "price": ColumnType.DOUBLE,
        "qty": ColumnType.LONG,
        "paid": ColumnType.BOOLEAN,
    }
    assert result.staged_columns == tuple(frame.columns)
    assert result.profile.timestamp.column == "ts"
    assert _typed(result, frame).equals(_expected(frame))
    assert result.quarantine_file is None
    profile = result.profile
    assert (profile.rows_total, profile.rows_valid) == (3_000, 3_000)
    assert column(result, "qty").null_count == frame["qty"].null_count()
    assert column(result, "city").null_count == frame["city"].null_count()
    assert column(result, "price").max == str(frame["price"].max())
    start = frame["ts"].min().replace(tzinfo=UTC)  # type: ignore[union-attr]
    assert profile.timestamp.min == f"{start:%Y-%m-%dT%H:%M:%S}.000Z"


def test_staged_file_is_rfc4180(tmp_path: Path) -> None:
    rows = [["text", "n"], ['say "hi", then leave', 1], ["plain", None], ["", 3], ["a\nb", 4]]
    result = validate(write_csv(tmp_path / "in.csv", rows), tmp_path / "out")
    raw = result.staged_files[0].read_text(encoding="utf-8")
    assert raw.splitlines()[0] == "text,n"
    with result.staged_files[0].open(newline="", encoding="utf-8") as f:
        assert list(csv.reader(f)) == [
            ["text", "n"],
            ['say "hi", then leave', "1"],
            ["plain", ""],
            ["", "3"],
        ]
    assert '"say ""hi"", then leave"' in raw
    # Druid reads CSV line by line: a value with a line break is quarantined, not staged.
    assert len(raw.splitlines()) == 4 and result.profile.rows_quarantined == 1


def test_large_output_is_split_into_parts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Parts are cut by the main pass, which a file with a bad row takes (a missing time).
    monkeypatch.setattr(stage, "PART_BYTES", 64 * 1024)
    monkeypatch.setattr(mainpass, "CHUNK_ROWS", 5_000)  # parts are cut between chunks
    frame = mixed_frame(40_001)
    frame = frame.with_columns(ts=pl.when(pl.col("id") == 40_000).then(None).otherwise("ts"))
    frame.write_parquet(tmp_path / "in.parquet")
    result = validate(tmp_path / "in.parquet", tmp_path / "out")
    assert result.profile.rows_quarantined == 1
    frame = frame.head(40_000)
    assert len(result.staged_files) > 1
    assert all(pl.read_csv(p).columns == list(frame.columns) for p in result.staged_files)
    assert _typed(result, frame).equals(_expected(frame))


def test_rerun_leaves_no_stale_parts(tmp_path: Path) -> None:
    # The first pass reads month-first; a late date forces a second pass (day-first).
    rows = [["date", "n"]] + [["01/02/2024", i] for i in range(11_000)] + [["31/12/2024", 0]]
    result = validate(write_csv(tmp_path / "in.csv", rows), tmp_path / "out")
    assert result.profile.timestamp.source_format == "%d/%m/%Y"
    assert staged(result).height == 11_001
    assert result.quarantine_file is None
