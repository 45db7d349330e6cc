"""The realistic file shapes of `ingest.py`'s matrix, each generated from one base table.

The base: id, ISO-8601 time with milliseconds, a user, a country with 10% nulls, a decimal
amount, a quantity with 14% nulls, a boolean, a note (10% quoted with a comma and quotes)
and a date. Each shape changes one thing about it, the way real exports differ. Sizes are
those of the base CSV: a shape has as many rows as the base CSV of `size_mb` has (so a
Parquet file is smaller on disk, a wide one has fewer rows of more columns).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import polars as pl

_START_MS = 1_700_000_000_000
_XLSX_ROWS = 50_000  # writing a spreadsheet is slow; its size is fixed, stated in the table


@dataclass(frozen=True)
class Shape:
    """One row of the matrix: how its file is made and how raw Polars reads it."""

    name: str
    what: str
    change: Callable[[pl.LazyFrame], pl.LazyFrame] = lambda frame: frame
    kind: str = "csv"  # csv, parquet or xlsx
    separator: str = ","


def _time_as(fmt: str) -> Callable[[pl.LazyFrame], pl.LazyFrame]:
    moment = (pl.lit(_START_MS) + pl.col("id") * 997).cast(pl.Datetime("ms"))
    return lambda frame: frame.with_columns(event_time=moment.dt.strftime(fmt))


def _epoch_ms(frame: pl.LazyFrame) -> pl.LazyFrame:
    return frame.with_columns(event_time=pl.lit(_START_MS) + pl.col("id") * 997)


def _last_nulls(frame: pl.LazyFrame) -> pl.LazyFrame:
    return frame.with_columns(
        comment=pl.when(pl.col("qty").is_null()).then(None).otherwise(pl.lit("ok"))
    )


def _bad_rows(*, every: int, after: int) -> Callable[[pl.LazyFrame], pl.LazyFrame]:
    bad = (pl.col("id") >= after) & (pl.col("id") % every == every - 1)
    return lambda frame: frame.with_columns(
        event_time=pl.when(bad).then(pl.lit("not a time")).otherwise("event_time")
    )


def _unquoted(frame: pl.LazyFrame) -> pl.LazyFrame:
    return frame.with_columns(note=pl.col("note").str.replace_all('"', "", literal=True))


def _quoted_newlines(frame: pl.LazyFrame) -> pl.LazyFrame:
    spans = pl.col("id") % 1000 == 999
    return frame.with_columns(
        note=pl.when(spans).then(pl.format("two\nlines {}", pl.col("id"))).otherwise("note")
    )


def _wide(frame: pl.LazyFrame) -> pl.LazyFrame:
    h = pl.col("id").hash(7)
    extra = {f"m{i:03d}": (h // (i + 1)) % (10 ** (1 + i % 5)) for i in range(70)}
    extra |= {f"t{i:03d}": pl.format("v{}", (h // (i + 3)) % 97) for i in range(70)}
    return frame.with_columns(**extra)


def _long_strings(frame: pl.LazyFrame) -> pl.LazyFrame:
    return frame.with_columns(note=pl.concat_str([pl.col("note")] * 24, separator=" | "))


SHAPES: tuple[Shape, ...] = (
    Shape("iso", "ISO-8601 times `2023-11-14T22:13:20.000Z` (the base)"),
    Shape(
        "spaced",
        "times `2023-11-14 22:13:20` (SQL clients, spreadsheets)",
        _time_as("%Y-%m-%d %H:%M:%S"),
    ),
    Shape(
        "day_first", "times `14/11/2023 22:13:20` (day/month order)", _time_as("%d/%m/%Y %H:%M:%S")
    ),
    Shape("epoch_ms", "times as epoch milliseconds", _epoch_ms),
    Shape("last_nulls", "a nullable last column (empty last fields)", _last_nulls),
    Shape("tsv", "tab-separated (10% of notes quoted)", separator="\t"),
    Shape(
        "tsv_plain",
        "tab-separated without quotes (as database exports write it)",
        _unquoted,
        separator="\t",
    ),
    Shape("semicolon", "semicolon-separated", separator=";"),
    Shape(
        "quoted_newlines", "1 row in 1,000 with a line break in a quoted value", _quoted_newlines
    ),
    Shape(
        "bad_early",
        "1 row in 1,000 with an unreadable time, from the start",
        _bad_rows(every=1000, after=0),
    ),
    Shape(
        "bad_late",
        "the same, but only after row 50,000 (past the sample)",
        _bad_rows(every=1000, after=50_000),
    ),
    Shape("wide", "149 columns", _wide),
    Shape("long_strings", "notes of about 600 characters", _long_strings),
    Shape("parquet", "the base as Parquet (zstd)", kind="parquet"),
    Shape("xlsx", f"the base as XLSX, {_XLSX_ROWS:,} rows whatever the size", kind="xlsx"),
)


def base(rows: int) -> pl.LazyFrame:
    """The base table with `rows` rows (deterministic)."""
    moment = (pl.lit(_START_MS) + pl.col("id") * 997).cast(pl.Datetime("ms"))
    return (
        pl.LazyFrame()
        .select(id=pl.int_range(0, rows, dtype=pl.Int64))
        .with_columns(h=pl.col("id").hash(42))
        .select(
            "id",
            event_time=moment.dt.strftime("%Y-%m-%dT%H:%M:%S%.3fZ"),
            user=pl.format("user_{}", pl.col("h") % 50_000),
            country=pl.when(pl.col("h") % 10 == 0)
            .then(None)
            .otherwise(pl.format("C{}", pl.col("h") % 40)),
            amount=(pl.col("h") % 1_000_000).cast(pl.Float64) / 100,
            qty=pl.when(pl.col("h") % 7 == 0).then(None).otherwise(pl.col("h") % 100),
            paid=pl.col("h") % 3 == 0,
            note=pl.when(pl.col("h") % 10 == 1)
            .then(pl.format('note {}, "quoted"', pl.col("h") % 997))
            .otherwise(pl.format("note {} with some text", pl.col("h") % 997)),
            day=moment.dt.date(),
        )
    )


def generate(shape: Shape, directory: Path, *, size_mb: int) -> Path:
    """The file of `shape` at `size_mb` (kept when it exists already)."""
    suffix = {"csv": "csv", "parquet": "parquet", "xlsx": "xlsx"}[shape.kind]
    path = directory / f"{shape.name}-{size_mb}mb.{suffix}"
    if path.exists():
        return path
    directory.mkdir(parents=True, exist_ok=True)
    if shape.kind == "xlsx":
        base(_XLSX_ROWS).collect().write_excel(path)
        return path
    frame = shape.change(base(_rows_for(shape, size_mb)))
    partial = path.with_suffix(".partial")
    if shape.kind == "parquet":
        frame.sink_parquet(partial)
    else:
        frame.sink_csv(partial, separator=shape.separator)
    partial.rename(path)
    return path


def _rows_for(shape: Shape, size_mb: int) -> int:
    """Rows that make the shape's CSV about `size_mb` (measured on 10,000 rows)."""
    probe = shape.change(base(10_000)).collect().write_csv(separator=shape.separator)
    return int(size_mb * 1e6 * 10_000 / len(probe.encode()))
