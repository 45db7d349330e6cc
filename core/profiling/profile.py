"""Per-column statistics: the aggregates the main pass computes, and the profile built from them.

Distinct counts are approximate (HyperLogLog, `approx_n_unique`), within a few percent.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import polars as pl

from core.model import ColumnProfile, ColumnType
from core.profiling.histograms import (
    Histogram,
    fine_key,
    hour_key,
    numeric_histogram,
    time_histogram,
    top_values_histogram,
)
from core.profiling.plan import Plan
from core.profiling.quarantine import BAD, EMPTY, FIELDS, MILLIS
from core.profiling.readers import Source
from core.profiling.timestamps import iso_from_millis
from core.profiling.types import ColumnPlan, check_exprs, text_expr, value_expr

_MAX_TEXT = 200

Buckets = Mapping[str, list[tuple[float, int]]]


def count_exprs(source: Source, plan: Plan) -> list[pl.Expr]:
    """Row counts over the whole file: totals, reasons, and the time-format contest."""
    width = len(source.columns)
    exprs = [
        pl.len().alias("rows"),
        pl.col(BAD).sum().alias("bad"),
        pl.col(EMPTY).sum().alias("empty"),
        (pl.col(FIELDS) > width).sum().alias("too_many"),
        (pl.col(FIELDS) < width).sum().alias("too_few"),
    ]
    shaped = ~pl.col(EMPTY) & pl.col(FIELDS).is_null()
    if source.format == "csv" and width > 1:
        # Only a row whose last field is empty can be missing fields: the trigger for the
        # (more expensive) field count of `quarantine.find_short_rows`.
        exprs.append((shaped & pl.col(source.columns[-1]).is_null()).sum().alias("short_suspects"))
    column = plan.time.column
    if column is not None:
        raw = pl.col(column)
        exprs.append((shaped & raw.is_null()).sum().alias("time_missing"))
        exprs.append((shaped & raw.is_not_null() & pl.col(MILLIS).is_null()).sum()
                     .alias("time_unreadable"))
        for i, fmt in enumerate(plan.time.formats[1:], start=1):
            exprs.append((shaped & fmt.to_millis(raw).is_null()).sum().alias(f"time_misfit{i}"))
    return exprs


def stats_exprs(columns: Sequence[ColumnPlan], *, time_column: str | None) -> list[pl.Expr]:
    """Aggregates over the valid rows for each column's planned type (and the type checks)."""
    exprs: list[pl.Expr] = [pl.len().alias("rows_valid")]
    for column in columns:
        key, is_time = column.key, column.name == time_column
        raw = pl.col(column.name)
        distinct = raw if column.dtype.is_numeric() or column.is_text else text_expr(
            column.name, column.dtype)
        value = pl.col(MILLIS) if is_time else value_expr(column)
        exprs += [
            raw.null_count().alias(f"{key}:nulls"),
            distinct.approx_n_unique().alias(f"{key}:distinct"),
            value.min().alias(f"{key}:min"),
            value.max().alias(f"{key}:max"),
        ]
        if column.type == ColumnType.BOOLEAN:
            exprs.append(value.sum().alias(f"{key}:true"))
        if column.type == ColumnType.STRING:
            exprs += [(value == v).sum().alias(f"{key}:top{i}")
                      for i, v in enumerate(column.top_values)]
        if not is_time:
            exprs += check_exprs(column)
    return exprs


def bucket_keys(columns: Sequence[ColumnPlan], *, time_column: str | None) -> dict[str, pl.Expr]:
    """Fine histogram buckets for numeric and time columns (see histograms.py)."""
    keys = {}
    for column in columns:
        if column.name == time_column:
            keys[column.key] = hour_key(pl.col(MILLIS))
        elif column.type == ColumnType.TIMESTAMP:
            keys[column.key] = hour_key(value_expr(column))
        elif column.type in (ColumnType.LONG, ColumnType.DOUBLE):
            keys[column.key] = fine_key(value_expr(column))
    return keys


def split_buckets(frame: pl.DataFrame | None) -> dict[str, list[tuple[float, int]]]:
    """Rows (key, bucket, n) of `histograms.bucket_counts` grouped per column key."""
    grouped: dict[str, list[tuple[float, int]]] = {}
    if frame is None:
        return grouped
    for key, bucket, n in frame.iter_rows():
        grouped.setdefault(key, []).append((bucket, n))
    return grouped


def column_profile(column: ColumnPlan, stats: Mapping[str, Any], buckets: Buckets) -> ColumnProfile:
    """The profile of one column from its aggregates and fine buckets."""
    key = column.key
    low, high = stats[f"{key}:min"], stats[f"{key}:max"]
    return ColumnProfile(
        name=column.name,
        type=column.type,
        null_count=int(stats[f"{key}:nulls"]),
        distinct_count=int(stats[f"{key}:distinct"]),
        min=_render(column.type, low),
        max=_render(column.type, high),
        histogram=_histogram(column, stats, buckets.get(key, []), low, high),
    )


def _histogram(
    column: ColumnPlan, stats: Mapping[str, Any], buckets: list[tuple[float, int]],
    low: Any, high: Any,
) -> Histogram:
    key = column.key
    if column.type in (ColumnType.LONG, ColumnType.DOUBLE):
        return numeric_histogram(buckets, low=low, high=high,
                                 integral=column.type == ColumnType.LONG)
    if column.type == ColumnType.TIMESTAMP:
        return time_histogram(buckets)
    if column.type == ColumnType.BOOLEAN:
        trues = int(stats.get(f"{key}:true") or 0)
        present = int(stats.get("rows_valid", 0)) - int(stats[f"{key}:nulls"])
        return (("true", trues), ("false", present - trues))
    counts = [(v, int(stats.get(f"{key}:top{i}") or 0)) for i, v in enumerate(column.top_values)]
    return top_values_histogram(counts)


def _render(column_type: ColumnType, value: Any) -> str | None:
    if value is None:
        return None
    if column_type == ColumnType.TIMESTAMP:
        return iso_from_millis(int(value))
    if column_type == ColumnType.BOOLEAN:
        return "true" if value else "false"
    if column_type == ColumnType.DOUBLE:
        return f"{float(value):.15g}"
    text = str(value)
    return text if len(text) <= _MAX_TEXT else text[:_MAX_TEXT] + "…"
