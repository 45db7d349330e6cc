"""Per-column statistics: the aggregates the main pass computes, and the profile built from them.

Distinct counts are approximate (HyperLogLog, `approx_n_unique`), within a few percent.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import polars as pl

from core.model import ColumnProfile, ColumnType
from core.profiling.histograms import (
    SAMPLED_ROWS,
    Histogram,
    fine_key,
    hour_key,
    numeric_histogram,
    time_histogram,
    top_key,
    top_values_histogram,
)
from core.profiling.plan import Plan
from core.profiling.quarantine import BAD, EMPTY, FIELDS, MILLIS, SHORT
from core.profiling.readers import Source
from core.profiling.timestamps import iso_from_millis
from core.profiling.types import ColumnPlan, check_exprs, value_expr

_MAX_TEXT = 200

Buckets = Mapping[str, list[tuple[float, int]]]


def count_exprs(source: Source, plan: Plan) -> list[pl.Expr]:
    """Row counts over the whole file: totals, reasons, and the time-format contest."""
    width = len(source.columns)
    exprs = [
        pl.len().alias("rows"),
        pl.col(BAD).sum().alias("bad"),
        pl.col(EMPTY).sum().alias("empty"),
        (~pl.col(EMPTY) & pl.col(FIELDS).is_not_null()).sum().alias("too_many"),
        (~pl.col(EMPTY) & pl.col(FIELDS).is_null() & pl.col(SHORT)).sum().alias("too_few"),
    ]
    shaped = ~pl.col(EMPTY) & pl.col(FIELDS).is_null() & ~pl.col(SHORT)
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


VALUE_PREFIX = "__sluice_value_"


def typed_values(columns: Sequence[ColumnPlan], *, time_column: str | None) -> dict[str, pl.Expr]:
    """Each column's values in its planned type, to add as columns once: Polars does not
    reliably share a cast between the several aggregates that use it."""
    return {VALUE_PREFIX + c.key: value_expr(c) for c in columns
            if c.name != time_column and not (c.is_text and c.type == ColumnType.STRING)}


def _value(column: ColumnPlan, time_column: str | None) -> pl.Expr:
    if column.name == time_column:
        return pl.col(MILLIS)
    if column.is_text and column.type == ColumnType.STRING:
        return pl.col(column.name)
    return pl.col(VALUE_PREFIX + column.key)


def stats_exprs(columns: Sequence[ColumnPlan], *, time_column: str | None) -> list[pl.Expr]:
    """Aggregates over the valid rows (with `typed_values` added) for each column's planned
    type, and the checks of that type."""
    exprs: list[pl.Expr] = [pl.len().alias("rows_valid")]
    for column in columns:
        key, value = column.key, _value(column, time_column)
        raw = pl.col(column.name)
        distinct = raw if column.dtype.is_numeric() or column.is_text else value
        exprs += [
            raw.null_count().alias(f"{key}:nulls"),
            distinct.approx_n_unique().alias(f"{key}:distinct"),
            value.min().alias(f"{key}:min"),
            value.max().alias(f"{key}:max"),
        ]
        if column.type == ColumnType.BOOLEAN:
            exprs.append(value.sum().alias(f"{key}:true"))
        if column.name != time_column:
            exprs += check_exprs(column, value)
    return exprs


def bucket_keys(columns: Sequence[ColumnPlan], *, time_column: str | None) -> dict[str, pl.Expr]:
    """Histogram bucket of each value: fine numeric or hour buckets, or top-value index."""
    keys = {}
    for column in columns:
        value = _value(column, time_column)
        if column.type == ColumnType.TIMESTAMP:
            keys[column.key] = hour_key(value)
        elif column.type in (ColumnType.LONG, ColumnType.DOUBLE):
            keys[column.key] = fine_key(value)
        elif column.type == ColumnType.STRING and column.top_values:
            keys[column.key] = top_key(value, column.top_values)
    return keys


def split_buckets(frame: pl.DataFrame | None, *, rows: int) -> dict[str, list[tuple[float, int]]]:
    """Rows (key, bucket, n) of `histograms.bucket_counts` per column key, scaled from the
    rows they were counted on up to `rows`."""
    grouped: dict[str, list[tuple[float, int]]] = {}
    if frame is None:
        return grouped
    counted = {key: n for key, _, n in frame.iter_rows() if key == SAMPLED_ROWS}
    scale = rows / counted[SAMPLED_ROWS] if counted.get(SAMPLED_ROWS) else 1.0
    for key, bucket, n in frame.iter_rows():
        if key != SAMPLED_ROWS:
            grouped.setdefault(key, []).append((bucket, round(n * scale)))
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
    counts = dict(buckets)  # bucket = index into the top values
    return top_values_histogram(
        (value, counts.get(float(i), 0)) for i, value in enumerate(column.top_values))


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
