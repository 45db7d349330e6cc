"""What Polars computes for a dashboard query on the source file: the expected answers."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import polars as pl

from core.queries import model as m
from core.queries.intervals import parse_instant

# Polars `dt.truncate` units for each granularity (weeks start on Monday in both tools).
EVERY = {
    m.Granularity.MINUTE: "1m",
    m.Granularity.HOUR: "1h",
    m.Granularity.DAY: "1d",
    m.Granularity.WEEK: "1w",
    m.Granularity.MONTH: "1mo",
    m.Granularity.QUARTER: "1q",
    m.Granularity.YEAR: "1y",
}
NUMERIC = {"amount": pl.Float64, "qty": pl.Int64}
# DataSketches HLL with lgK=12 (Druid's default): relative standard error 1.04/sqrt(4096),
# about 1.63%. Three standard errors:
APPROX_TOLERANCE = 0.05


def druid_time(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.000Z")


def metric_expr(metric: m.Metric) -> pl.Expr:
    if metric.column is None:
        return pl.len()
    col = pl.col(metric.column)
    return {
        m.Aggregate.COUNT: col.count(),  # non-null values, like SQL COUNT(col)
        m.Aggregate.SUM: col.sum(),
        m.Aggregate.AVG: col.mean(),
        m.Aggregate.MIN: col.min(),
        m.Aggregate.MAX: col.max(),
        m.Aggregate.APPROX_DISTINCT: col.drop_nulls().n_unique(),
    }[metric.aggregate]


def _value(column: str, raw: str) -> Any:
    if column == "__time":
        return parse_instant(raw, argument="test")
    if column in NUMERIC:
        return pl.Series([raw]).cast(NUMERIC[column])[0]
    return raw


def filter_expr(item: m.Filter) -> pl.Expr:
    col = pl.col(item.column)
    if isinstance(item, m.Equals):
        return col == _value(item.column, item.value)
    if isinstance(item, m.In):
        return col.is_in([_value(item.column, v) for v in item.values])
    if isinstance(item, m.Range):
        expr = pl.lit(True)
        if item.min is not None:
            low = _value(item.column, item.min)
            expr &= col > low if item.min_exclusive else col >= low
        if item.max is not None:
            high = _value(item.column, item.max)
            expr &= col < high if item.max_exclusive else col <= high
        return expr
    if isinstance(item, m.Contains):
        if item.case_sensitive:
            return col.str.contains(item.value, literal=True)
        return col.str.to_lowercase().str.contains(item.value.lower(), literal=True)
    return col.is_not_null() if item.negate else col.is_null()


def select(
    frame: pl.DataFrame, filters: tuple[m.Filter, ...], interval: m.TimeRange | None
) -> pl.DataFrame:
    """Rows a query sees; null comparisons drop rows, as in SQL."""
    for item in filters:
        frame = frame.filter(filter_expr(item))
    if interval is not None and interval.start is not None:
        frame = frame.filter(pl.col("__time") >= interval.start)
    if interval is not None and interval.end is not None:
        frame = frame.filter(pl.col("__time") < interval.end)
    return frame


def timeseries(frame: pl.DataFrame, query: m.TimeseriesQuery) -> dict[str, Any]:
    rows = select(frame, query.filters, query.interval)
    if query.granularity is m.Granularity.ALL:
        value = rows.select(metric_expr(query.metric)).item()
        return {druid_time(rows["__time"].min()): value} if len(rows) else {}  # type: ignore[arg-type]
    bucket = pl.col("__time").dt.truncate(EVERY[query.granularity]).alias("t")
    grouped = rows.group_by(bucket).agg(metric_expr(query.metric).alias("v")).sort("t")
    return {druid_time(t): v for t, v in grouped.iter_rows()}


def topn(frame: pl.DataFrame, query: m.TopNQuery) -> list[tuple[Any, Any]]:
    rows = select(frame, query.filters, query.interval)
    grouped = rows.group_by(pl.col(query.dimension).alias("k")).agg(
        metric_expr(query.metric).alias("v")
    )
    ordered = grouped.sort(["v", "k"], descending=[True, False], nulls_last=[True, False])
    return list(ordered.head(query.limit).iter_rows())


def groupby(frame: pl.DataFrame, query: m.GroupByQuery) -> dict[tuple[Any, ...], tuple[Any, ...]]:
    rows = select(frame, query.filters, query.interval)
    grouped = rows.group_by(list(query.dimensions)).agg(
        [metric_expr(x).alias(f"m{i}") for i, x in enumerate(query.metrics)]
    )
    width = len(query.dimensions)
    return {tuple(r[:width]): tuple(r[width:]) for r in grouped.iter_rows()}
