"""Compile typed dashboard queries into Druid SQL with dynamic parameters.

The SQL text holds only three kinds of things: constants written here, the datasource name
and column names — each checked to exist in the dataset, then double-quoted with `"` doubled —
and `?` placeholders. Every value a caller supplies travels as a parameter.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from core.catalog import Column, Dataset
from core.druid.broker import SqlParam
from core.model import ColumnType
from core.queries.errors import InvalidQuery, UnknownColumn
from core.queries.intervals import druid_timestamp, parse_instant
from core.queries.model import (
    Aggregate,
    Contains,
    Equals,
    Filter,
    Granularity,
    GroupByQuery,
    In,
    Metric,
    Range,
    SortDirection,
    TimeRange,
    TimeseriesQuery,
    TopNQuery,
)

# Druid ISO-8601 periods for TIME_FLOOR; constants, never caller text.
PERIODS: dict[Granularity, str] = {
    Granularity.MINUTE: "PT1M",
    Granularity.FIVE_MINUTES: "PT5M",
    Granularity.FIFTEEN_MINUTES: "PT15M",
    Granularity.HOUR: "PT1H",
    Granularity.DAY: "P1D",
    Granularity.WEEK: "P1W",
    Granularity.MONTH: "P1M",
    Granularity.QUARTER: "P3M",
    Granularity.YEAR: "P1Y",
}
MAX_IN_VALUES = 1000
MAX_DIMENSIONS = 10
MAX_METRICS = 20
# Exact top-N: Druid's native topN is approximate across segments; ask for a groupBy plan.
EXACT_TOPN = {"useApproximateTopN": False}


@dataclass(frozen=True, slots=True)
class CompiledQuery:
    """SQL text, its parameters in `?` order, and what each output column is."""

    sql: str
    parameters: tuple[SqlParam, ...]
    labels: tuple[str, ...]  # caller-facing name of each output column, in order
    max_rows: int  # the caller's cap; Druid is asked for one more row to detect overflow
    context: dict[str, Any] = field(default_factory=dict)


def quote_identifier(name: str) -> str:
    """A Druid SQL identifier: double-quoted, embedded quotes doubled."""
    return '"' + name.replace('"', '""') + '"'


class _Builder:
    """Collects parameters while SQL fragments are produced, so order always matches."""

    def __init__(self, dataset: Dataset) -> None:
        self.dataset = dataset
        self.params: list[SqlParam] = []

    def param(self, type_: str, value: str | int | float | None) -> str:
        self.params.append(SqlParam(type_, value))
        return "?"

    def column(self, name: str, *, role: str) -> Column:
        column = self.dataset.column(name)
        if column is None:
            raise UnknownColumn(
                name, datasource=self.dataset.name, available=self.dataset.column_names, role=role
            )
        return column

    def value(self, column: Column, raw: str, *, argument: str) -> str:
        """A placeholder for `raw` converted to the column's type (SQL fragment)."""
        if _is_time_like(column):
            instant = parse_instant(raw, argument=argument)
            return f"TIME_PARSE({self.param('VARCHAR', druid_timestamp(instant))})"
        if column.is_numeric:
            return self.param(*_number(column, raw, argument=argument))
        return self.param("VARCHAR", raw)

    def where(self, interval: TimeRange | None, filters: tuple[Filter, ...]) -> str:
        conditions: list[str] = []
        if interval is not None and interval.start is not None:
            start = self.param("VARCHAR", druid_timestamp(interval.start))
            conditions.append(f'"__time" >= TIME_PARSE({start})')
        if interval is not None and interval.end is not None:
            end = self.param("VARCHAR", druid_timestamp(interval.end))
            conditions.append(f'"__time" < TIME_PARSE({end})')
        for index, item in enumerate(filters):
            conditions.append(self.condition(item, argument=f"filters[{index}]"))
        return f" WHERE {' AND '.join(conditions)}" if conditions else ""

    def condition(self, item: Filter, *, argument: str) -> str:
        column = self.column(item.column, role="filter")
        ref = _expr(column)
        if isinstance(item, Equals):
            return f"{ref} = {self.value(column, item.value, argument=argument)}"
        if isinstance(item, In):
            return self._in(column, item, argument=argument)
        if isinstance(item, Range):
            return self._range(column, item, argument=argument)
        if isinstance(item, Contains):
            if column.druid_type not in (None, "VARCHAR") or _is_time(column):
                raise InvalidQuery(
                    f"{argument}: 'contains' needs a text column, but {column.name!r} is "
                    f"{column.druid_type or column.type}. Use 'equals' or 'range' instead.",
                    argument=argument,
                )
            function = "CONTAINS_STRING" if item.case_sensitive else "ICONTAINS_STRING"
            return f"{function}({ref}, {self.param('VARCHAR', item.value)})"
        return f"{ref} IS {'NOT ' if item.negate else ''}NULL"

    def _in(self, column: Column, item: In, *, argument: str) -> str:
        if not item.values:
            raise InvalidQuery(f"{argument}: 'in' needs at least one value.", argument=argument)
        if len(item.values) > MAX_IN_VALUES:
            raise InvalidQuery(
                f"{argument}: 'in' has {len(item.values)} values; at most {MAX_IN_VALUES} "
                "are allowed. Split the query or use 'contains'.",
                argument=argument,
            )
        # One placeholder per value: Druid 25 has no array parameters for IN lists.
        holders = [self.value(column, v, argument=argument) for v in item.values]
        return f"{_expr(column)} IN ({', '.join(holders)})"

    def _range(self, column: Column, item: Range, *, argument: str) -> str:
        if not (column.is_numeric or _is_time_like(column)):
            raise InvalidQuery(
                f"{argument}: 'range' needs a numeric or time column, but {column.name!r} holds "
                "text. Use 'equals', 'in' or 'contains' instead.",
                argument=argument,
            )
        if item.min is None and item.max is None:
            raise InvalidQuery(f"{argument}: 'range' needs min, max or both.", argument=argument)
        ref, parts = _expr(column), []
        if item.min is not None:
            op = ">" if item.min_exclusive else ">="
            parts.append(f"{ref} {op} {self.value(column, item.min, argument=argument)}")
        if item.max is not None:
            op = "<" if item.max_exclusive else "<="
            parts.append(f"{ref} {op} {self.value(column, item.max, argument=argument)}")
        return " AND ".join(parts)

    def metric(self, metric: Metric, *, argument: str) -> str:
        if metric.column is None:
            if metric.aggregate is not Aggregate.COUNT:
                raise InvalidQuery(
                    f"{argument}: {metric.aggregate} needs a column. Only COUNT can count rows "
                    "without one.",
                    argument=argument,
                )
            return "COUNT(*)"
        column = self.column(metric.column, role="metric")
        ref = _expr(column)
        if metric.aggregate is Aggregate.COUNT:
            return f"COUNT({ref})"
        if metric.aggregate is Aggregate.APPROX_DISTINCT:
            return f"APPROX_COUNT_DISTINCT_DS_HLL({ref})"
        if not column.is_numeric:
            raise InvalidQuery(
                f"{argument}: {metric.aggregate} needs a numeric column, but {column.name!r} is "
                f"{column.druid_type or column.type}. Use COUNT or APPROX_DISTINCT instead.",
                argument=argument,
            )
        if metric.aggregate is Aggregate.AVG:
            # Druid averages BIGINT with integer division; a double keeps the fraction.
            return f"AVG(CAST({ref} AS DOUBLE))"
        return f"{metric.aggregate.value}({ref})"

    def limit(self, limit: int, *, max_rows: int, argument: str) -> str:
        if not 1 <= limit <= max_rows:
            raise InvalidQuery(
                f"{argument} is {limit}; it must be between 1 and {max_rows}.", argument=argument
            )
        return self.param("BIGINT", limit)


def _is_time(column: Column) -> bool:
    return column.druid_type == "TIMESTAMP" or (
        column.druid_type is None and column.type is ColumnType.TIMESTAMP
    )


def _is_time_like(column: Column) -> bool:
    """`__time`, or a text column Sluice profiled as timestamps (compared via TIME_PARSE)."""
    return _is_time(column) or (column.type is ColumnType.TIMESTAMP and not column.is_numeric)


def _expr(column: Column) -> str:
    ref = quote_identifier(column.name)
    if _is_time_like(column) and not _is_time(column):
        return f"TIME_PARSE({ref})"
    return ref


def _number(column: Column, raw: str, *, argument: str) -> tuple[str, int | float]:
    text = raw.strip()
    if column.type is ColumnType.BOOLEAN and text.lower() in ("true", "false"):
        return "BIGINT", int(text.lower() == "true")
    try:
        return "BIGINT", int(text)
    except ValueError:
        pass
    try:
        number = float(text)
    except ValueError:
        number = math.nan
    if not math.isfinite(number):
        raise InvalidQuery(
            f"{argument}: {raw!r} is not a number, but column {column.name!r} is numeric "
            f"({column.druid_type or column.type}). Give a value such as '42' or '3.5'.",
            argument=argument,
        )
    return "DOUBLE", number


def compile_timeseries(query: TimeseriesQuery, dataset: Dataset, *, max_rows: int) -> CompiledQuery:
    """One row per time bucket (empty buckets are absent): columns `t`, `m0`."""
    builder = _Builder(dataset)
    metric = builder.metric(query.metric, argument="metric")
    if query.granularity is Granularity.ALL:
        # No bucketing: the single row is stamped with the first matching time.
        bucket = 'MIN("__time")'
        group = ""
    else:
        bucket = f"TIME_FLOOR(\"__time\", '{PERIODS[query.granularity]}')"
        group = " GROUP BY 1 ORDER BY 1"
    head = f'SELECT {bucket} AS "t", {metric} AS "m0" FROM {quote_identifier(dataset.name)}'
    where = builder.where(query.interval, query.filters)
    limit = builder.param("BIGINT", max_rows + 1)
    return CompiledQuery(
        sql=f"{head}{where}{group} LIMIT {limit}",
        parameters=tuple(builder.params),
        labels=("__time", query.metric.label),
        max_rows=max_rows,
    )


def compile_topn(query: TopNQuery, dataset: Dataset, *, max_rows: int) -> CompiledQuery:
    """The `limit` dimension values with the largest metric (ties by value): `d0`, `m0`."""
    builder = _Builder(dataset)
    dimension = _expr(builder.column(query.dimension, role="dimension"))
    metric = builder.metric(query.metric, argument="metric")
    head = f'SELECT {dimension} AS "d0", {metric} AS "m0" FROM {quote_identifier(dataset.name)}'
    where = builder.where(query.interval, query.filters)
    limit = builder.limit(query.limit, max_rows=max_rows, argument="limit")
    return CompiledQuery(
        sql=f"{head}{where} GROUP BY 1 ORDER BY 2 DESC, 1 ASC LIMIT {limit}",
        parameters=tuple(builder.params),
        labels=(query.dimension, query.metric.label),
        max_rows=max_rows,
        context=dict(EXACT_TOPN),
    )


def compile_groupby(query: GroupByQuery, dataset: Dataset, *, max_rows: int) -> CompiledQuery:
    """Rows of dimension values and metrics: `d0..dN`, `m0..mM`, ordered as asked."""
    labels = _groupby_labels(query)
    builder = _Builder(dataset)
    selects = [
        f'{_expr(builder.column(name, role="dimension"))} AS "d{i}"'
        for i, name in enumerate(query.dimensions)
    ]
    selects += [
        f'{builder.metric(m, argument=f"metrics[{i}]")} AS "m{i}"'
        for i, m in enumerate(query.metrics)
    ]
    head = f"SELECT {', '.join(selects)} FROM {quote_identifier(dataset.name)}"
    where = builder.where(query.interval, query.filters)
    group = ", ".join(str(i + 1) for i in range(len(query.dimensions)))
    order = _groupby_order(query, labels)
    limit = builder.limit(query.limit, max_rows=max_rows, argument="limit")
    return CompiledQuery(
        sql=f"{head}{where}{f' GROUP BY {group}' if group else ''} ORDER BY {order} LIMIT {limit}",
        parameters=tuple(builder.params),
        labels=labels,
        max_rows=max_rows,
        context=dict(EXACT_TOPN),
    )


def _groupby_labels(query: GroupByQuery) -> tuple[str, ...]:
    if not query.metrics:
        raise InvalidQuery("groupBy needs at least one metric.", argument="metrics")
    if len(query.dimensions) > MAX_DIMENSIONS or len(query.metrics) > MAX_METRICS:
        raise InvalidQuery(
            f"groupBy allows at most {MAX_DIMENSIONS} dimensions and {MAX_METRICS} metrics.",
            argument="dimensions",
        )
    labels = (*query.dimensions, *(m.label for m in query.metrics))
    duplicates = sorted({label for label in labels if labels.count(label) > 1})
    if duplicates:
        raise InvalidQuery(
            f"groupBy output names must be unique, but {', '.join(map(repr, duplicates))} "
            "appear more than once. Give the metrics distinct names.",
            argument="metrics",
        )
    return labels


def _groupby_order(query: GroupByQuery, labels: tuple[str, ...]) -> str:
    """ORDER BY as output ordinals; dimensions break ties so results are deterministic."""
    keys: list[tuple[int, SortDirection]] = []
    for index, item in enumerate(query.order_by):
        if item.field not in labels:
            raise InvalidQuery(
                f"orderBy[{index}]: {item.field!r} is not an output of this query. "
                f"Order by one of: {', '.join(map(repr, labels))}.",
                argument=f"orderBy[{index}]",
            )
        keys.append((labels.index(item.field) + 1, item.direction))
    if not keys:
        keys.append((len(query.dimensions) + 1, SortDirection.DESC))
    used = {ordinal for ordinal, _ in keys}
    keys += [(i + 1, SortDirection.ASC) for i in range(len(query.dimensions)) if i + 1 not in used]
    return ", ".join(f"{ordinal} {direction.value}" for ordinal, direction in keys)
