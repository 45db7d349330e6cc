"""The staged CSV Druid reads: valid rows only, time as epoch milliseconds.

Druid 25 here has no Parquet reader, so staging is CSV (UTF-8, comma, RFC-4180 quoting,
header row, nulls as empty fields, booleans as true/false), split into parts of about
256 MB so Druid can read them in parallel. Text from a CSV upload is passed through as it
was: its values already fit their checked types, and copying is faster than re-rendering.
"""

from __future__ import annotations

import polars as pl

from core.model import ColumnType
from core.profiling.plan import Plan
from core.profiling.quarantine import MILLIS
from core.profiling.types import ColumnPlan, text_expr

PART_BYTES = 256 * 1024 * 1024
STAGED_DIR = "staged"


def staged_exprs(plan: Plan) -> list[pl.Expr]:
    """The staged columns, in source order, to select from the valid rows."""
    return [pl.col(MILLIS).alias(c.name) if c.name == plan.time.column else _staged_value(c)
            for c in plan.columns]


def _staged_value(column: ColumnPlan) -> pl.Expr:
    col = pl.col(column.name)
    if column.is_text or column.type in (ColumnType.LONG, ColumnType.BOOLEAN):
        return col
    if column.type == ColumnType.DOUBLE:
        return (col.fill_nan(None) if column.dtype.is_float() else col.cast(pl.Float64)).alias(
            column.name)
    return text_expr(column.name, column.dtype)
