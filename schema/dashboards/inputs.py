"""GraphQL inputs for dashboard queries, and their conversion to the core query model."""

from __future__ import annotations

from datetime import datetime

import strawberry

from core.queries import model
from core.queries.errors import InvalidQuery
from core.queries.intervals import resolve_interval
from schema.enums import Aggregate, SortDirection


@strawberry.input(description="What to compute. Without a column, COUNT counts rows.")
class MetricInput:
    aggregate: Aggregate
    column: str | None = None
    name: str | None = strawberry.field(
        default=None, description="Label in the result; default e.g. 'sum(amount)'."
    )

    def to_model(self) -> model.Metric:
        return model.Metric(model.Aggregate(self.aggregate), self.column, self.name)


@strawberry.input(
    description="Either ISO-8601 `start` and/or `end` (half-open [start, end), UTC when no "
    "offset is given), or `relative`: 'last 7 days', 'last 24 hours', 'this month', "
    "'previous week', 'today', 'yesterday'."
)
class IntervalInput:
    start: str | None = None
    end: str | None = None
    relative: str | None = None


@strawberry.input
class EqualsFilter:
    column: str
    value: str = strawberry.field(description="Text; converted to the column's type.")


@strawberry.input
class InFilter:
    column: str
    values: list[str]


@strawberry.input(description="Numeric or time bounds, inclusive unless marked exclusive.")
class RangeFilter:
    column: str
    min: str | None = None
    max: str | None = None
    min_exclusive: bool = False
    max_exclusive: bool = False


@strawberry.input(description="Substring match on a text column.")
class ContainsFilter:
    column: str
    value: str
    case_sensitive: bool = True


@strawberry.input
class ColumnRef:
    column: str


@strawberry.input(
    one_of=True, description="Exactly one condition. A list of filters is combined with AND."
)
class FilterInput:
    equals: EqualsFilter | None = strawberry.UNSET
    in_: InFilter | None = strawberry.field(name="in", default=strawberry.UNSET)
    range: RangeFilter | None = strawberry.UNSET
    contains: ContainsFilter | None = strawberry.UNSET
    is_null: ColumnRef | None = strawberry.UNSET
    is_not_null: ColumnRef | None = strawberry.UNSET

    def to_model(self) -> model.Filter:
        if self.equals:
            return model.Equals(self.equals.column, self.equals.value)
        if self.in_:
            return model.In(self.in_.column, tuple(self.in_.values))
        if self.range:
            r = self.range
            return model.Range(r.column, r.min, r.max, r.min_exclusive, r.max_exclusive)
        if self.contains:
            c = self.contains
            return model.Contains(c.column, c.value, c.case_sensitive)
        if self.is_null:
            return model.IsNull(self.is_null.column)
        if self.is_not_null:
            return model.IsNull(self.is_not_null.column, negate=True)
        raise InvalidQuery("A filter needs exactly one condition.", argument="filters")


@strawberry.input(description="Sort by a dimension name or a metric's name/label.")
class OrderByInput:
    field: str
    direction: SortDirection = model.SortDirection.DESC


def to_interval(interval: IntervalInput | None, *, now: datetime) -> model.TimeRange | None:
    if interval is None:
        return None
    return resolve_interval(
        start=interval.start, end=interval.end, relative=interval.relative, now=now
    )


def to_filters(filters: list[FilterInput] | None) -> tuple[model.Filter, ...]:
    return tuple(f.to_model() for f in filters or ())
