"""Typed dashboard queries: what a caller may ask for, before any SQL exists.

Plain frozen dataclasses and enums; validation against a dataset happens in the compiler.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime


class Aggregate(enum.StrEnum):
    COUNT = "COUNT"
    SUM = "SUM"
    AVG = "AVG"
    MIN = "MIN"
    MAX = "MAX"
    APPROX_DISTINCT = "APPROX_DISTINCT"


class Granularity(enum.StrEnum):
    MINUTE = "MINUTE"
    FIVE_MINUTES = "FIVE_MINUTES"
    FIFTEEN_MINUTES = "FIFTEEN_MINUTES"
    HOUR = "HOUR"
    DAY = "DAY"
    WEEK = "WEEK"
    MONTH = "MONTH"
    QUARTER = "QUARTER"
    YEAR = "YEAR"
    ALL = "ALL"


class SortDirection(enum.StrEnum):
    ASC = "ASC"
    DESC = "DESC"


@dataclass(frozen=True, slots=True)
class Metric:
    """An aggregate over a column (or over rows, for COUNT without a column)."""

    aggregate: Aggregate
    column: str | None = None
    name: str | None = None  # label in the result; defaults to e.g. "sum(amount)"

    @property
    def label(self) -> str:
        if self.name:
            return self.name
        return f"{self.aggregate.lower()}({self.column or '*'})"


@dataclass(frozen=True, slots=True)
class TimeRange:
    """A half-open interval [start, end) in UTC; either end may be open."""

    start: datetime | None = None
    end: datetime | None = None


@dataclass(frozen=True, slots=True)
class Equals:
    column: str
    value: str


@dataclass(frozen=True, slots=True)
class In:
    column: str
    values: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Range:
    """Numeric or time bounds; inclusive unless marked exclusive."""

    column: str
    min: str | None = None
    max: str | None = None
    min_exclusive: bool = False
    max_exclusive: bool = False


@dataclass(frozen=True, slots=True)
class Contains:
    column: str
    value: str
    case_sensitive: bool = True


@dataclass(frozen=True, slots=True)
class IsNull:
    column: str
    negate: bool = False  # True: IS NOT NULL


Filter = Equals | In | Range | Contains | IsNull


@dataclass(frozen=True, slots=True)
class OrderBy:
    """Sort by a dimension name or a metric label."""

    field: str
    direction: SortDirection = SortDirection.DESC


@dataclass(frozen=True, slots=True)
class TimeseriesQuery:
    datasource: str
    metric: Metric
    granularity: Granularity = Granularity.DAY
    interval: TimeRange | None = None
    filters: tuple[Filter, ...] = ()


@dataclass(frozen=True, slots=True)
class TopNQuery:
    datasource: str
    dimension: str
    metric: Metric
    limit: int = 10
    interval: TimeRange | None = None
    filters: tuple[Filter, ...] = ()


@dataclass(frozen=True, slots=True)
class GroupByQuery:
    datasource: str
    dimensions: tuple[str, ...]
    metrics: tuple[Metric, ...]
    interval: TimeRange | None = None
    filters: tuple[Filter, ...] = ()
    limit: int = 100
    order_by: tuple[OrderBy, ...] = field(default_factory=tuple)


Query = TimeseriesQuery | TopNQuery | GroupByQuery
