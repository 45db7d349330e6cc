"""The staged CSV Druid reads: valid rows only, time as epoch milliseconds.

Druid 25 here has no Parquet reader, so staging is CSV (UTF-8, comma, RFC-4180 quoting,
header row, nulls as empty fields, booleans as true/false). The main pass writes it chunk by
chunk in parts of about 256 MB; a clean file (fast pass) is staged by one Polars sink. Text
from a CSV upload is passed through as it was (its values already fit their checked types,
and copying is faster than re-rendering), except null tokens (values.py), staged as empty
fields. A clean CSV that Druid can read as it is needs no staged copy at all (direct.py).
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from core.model import ColumnType
from core.profiling.plan import Plan
from core.profiling.quarantine import MILLIS, annotate
from core.profiling.readers import Source
from core.profiling.types import ColumnPlan, text_expr, token_expr

PART_BYTES = 256 * 1024 * 1024
STAGED_DIR = "staged"


def staged_exprs(plan: Plan) -> list[pl.Expr]:
    """The staged columns, in source order, to select from the valid rows."""
    return [
        pl.col(MILLIS).alias(c.name) if c.name == plan.time.column else _staged_value(c)
        for c in plan.columns
    ]


def _staged_value(column: ColumnPlan) -> pl.Expr:
    col = pl.col(column.name)
    if column.is_text and column.type != ColumnType.STRING:
        return pl.when(~token_expr(column)).then(col).alias(column.name)  # "NA" lands as null
    if column.is_text or column.type in (ColumnType.LONG, ColumnType.BOOLEAN):
        return col
    if column.type == ColumnType.DOUBLE:
        return (col.fill_nan(None) if column.dtype.is_float() else col.cast(pl.Float64)).alias(
            column.name
        )
    return text_expr(column.name, column.dtype)


def stage_all(source: Source, plan: Plan, out_dir: Path) -> tuple[Path, ...]:
    """Stage every row of a clean file (no row is bad) in one streaming sink."""
    path = out_dir / STAGED_DIR / "part-00000.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    annotate(source, plan, row_index=False).select(staged_exprs(plan)).sink_csv(
        path, engine="streaming"
    )
    return (path,)
