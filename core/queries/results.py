"""Column-oriented query results: one list per output column, not one object per row.

A 10,000-point series is two lists, so GraphQL serializes two leaves of scalars instead of
resolving 10,000 objects.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from core.druid.broker import SqlResult
from core.queries.model import Granularity, TimeRange

Number = int | float


@dataclass(frozen=True, slots=True)
class TimeSeriesData:
    metric: str
    granularity: Granularity
    timestamps: list[str]  # ISO-8601 UTC bucket starts, ascending
    values: list[Number | None]


@dataclass(frozen=True, slots=True)
class TopNData:
    dimension: str
    metric: str
    keys: list[str | None]
    values: list[Number | None]


@dataclass(frozen=True, slots=True)
class NamedColumn:
    name: str
    values: list[Any]


@dataclass(frozen=True, slots=True)
class GroupByData:
    dimensions: list[NamedColumn]  # values: str | None
    metrics: list[NamedColumn]  # values: Number | None
    row_count: int


def as_key(value: Any) -> str | None:
    """A dimension value as text (numbers print as Druid returned them; null stays null)."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, float) and value.is_integer():
        return str(int(value)) if abs(value) < 2**53 else str(value)
    return str(value)


def shape_timeseries(
    result: SqlResult, *, metric: str, granularity: Granularity, interval: TimeRange | None
) -> TimeSeriesData:
    """Rows (t, m0) into two parallel lists."""
    timestamps: list[str] = []
    values: list[Number | None] = []
    for stamp, value in result.rows:
        if stamp is None:
            # Granularity ALL over no rows: stamp the point with the interval start, if any.
            if interval is None or interval.start is None:
                continue
            stamp = interval.start.isoformat().replace("+00:00", "Z")
        timestamps.append(stamp)
        values.append(value)
    return TimeSeriesData(metric, granularity, timestamps, values)


def shape_topn(result: SqlResult, *, dimension: str, metric: str) -> TopNData:
    """Rows (d0, m0) into keys and values, largest first."""
    keys = [as_key(row[0]) for row in result.rows]
    values = [row[1] for row in result.rows]
    return TopNData(dimension, metric, keys, values)


def shape_groupby(result: SqlResult, *, labels: tuple[str, ...], dimensions: int) -> GroupByData:
    """Rows (d0..dN, m0..mM) into one named column per output."""
    columns = list(zip(*result.rows, strict=True)) if result.rows else [() for _ in labels]
    dims = [NamedColumn(labels[i], [as_key(v) for v in columns[i]]) for i in range(dimensions)]
    metrics = [NamedColumn(labels[i], list(columns[i])) for i in range(dimensions, len(labels))]
    return GroupByData(dims, metrics, len(result.rows))
