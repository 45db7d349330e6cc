"""The staged CSV Druid reads: valid rows only, time as epoch milliseconds.

Druid 25 here has no Parquet reader, so staging is CSV (UTF-8, comma, RFC-4180 quoting,
header row, nulls as empty fields, booleans as true/false), split into parts of about
256 MB so Druid can read them in parallel. Text from a CSV upload is passed through as it
was: its values already fit their checked types, and copying is faster than re-rendering.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import polars as pl

from core.model import ColumnType
from core.profiling.plan import Plan
from core.profiling.quarantine import MILLIS
from core.profiling.readers import Source
from core.profiling.types import ColumnPlan, text_expr

PART_BYTES = 256 * 1024 * 1024
STAGED_DIR = "staged"


def staged_frame(good: pl.LazyFrame, source: Source, plan: Plan) -> pl.LazyFrame:
    """Select the staged columns, in source order, from the valid rows."""
    return good.select(
        pl.col(MILLIS).alias(c.name) if c.name == plan.time.column else _staged_value(c)
        for c in plan.columns
    )


def _staged_value(column: ColumnPlan) -> pl.Expr:
    col = pl.col(column.name)
    if column.is_text:
        return col
    if column.type in (ColumnType.LONG, ColumnType.BOOLEAN):
        return col
    if column.type == ColumnType.DOUBLE:
        return (col.fill_nan(None) if column.dtype.is_float() else col.cast(pl.Float64)).alias(
            column.name)
    return text_expr(column.name, column.dtype).alias(column.name)


def staged_sink(frame: pl.LazyFrame, out_dir: Path) -> pl.LazyFrame:
    """A lazy sink writing numbered parts into a fresh `out_dir/staged`."""
    target = out_dir / STAGED_DIR
    shutil.rmtree(target, ignore_errors=True)  # a re-run must not leave parts of the last one
    return frame.sink_csv(
        pl.PartitionBy(target, approximate_bytes_per_file=PART_BYTES), mkdir=True, lazy=True
    )


def staged_files(out_dir: Path) -> tuple[Path, ...]:
    """The parts written by `staged_sink`, in order."""
    return tuple(sorted((out_dir / STAGED_DIR).glob("*.csv")))
