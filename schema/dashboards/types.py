"""GraphQL results of dashboard queries: column-oriented data, or a typed problem."""

from __future__ import annotations

from typing import Annotated

import strawberry

from core.errors import ErrorCode
from core.mirror import mirror
from core.queries import errors
from core.queries.results import GroupByData, TimeSeriesData, TopNData
from schema.enums import Granularity
from schema.errors import UserError


@strawberry.type(
    description="A metric per time bucket, as parallel lists (empty buckets are absent)."
)
class TimeSeries:
    metric: str
    granularity: Granularity
    timestamps: list[str] = strawberry.field(description="Bucket starts, ISO-8601 UTC, ascending.")
    values: list[float | None]

    @classmethod
    def from_data(cls, data: TimeSeriesData) -> TimeSeries:
        return mirror(cls, data)


@strawberry.type(description="Dimension values with the largest metric, as parallel lists.")
class TopN:
    dimension: str
    metric: str
    keys: list[str | None] = strawberry.field(description="Values as text; null is a value too.")
    values: list[float | None]

    @classmethod
    def from_data(cls, data: TopNData) -> TopN:
        return mirror(cls, data)


@strawberry.type
class DimensionColumn:
    name: str
    values: list[str | None]


@strawberry.type
class MetricColumn:
    name: str
    values: list[float | None]


@strawberry.type(description="Grouped rows as columns: row i is values[i] of every column.")
class GroupBy:
    dimensions: list[DimensionColumn]
    metrics: list[MetricColumn]
    row_count: int

    @classmethod
    def from_data(cls, data: GroupByData) -> GroupBy:
        return cls(
            dimensions=[DimensionColumn(name=c.name, values=c.values) for c in data.dimensions],
            metrics=[MetricColumn(name=c.name, values=c.values) for c in data.metrics],
            row_count=data.row_count,
        )


@strawberry.interface(description="Why a query was not answered, and what to do about it.")
class QueryProblem(UserError):
    pass


@strawberry.type
class UnknownDatasource(QueryProblem):
    datasource: str
    available: list[str]


@strawberry.type
class UnknownColumn(QueryProblem):
    datasource: str
    column: str
    available: list[str]


@strawberry.type
class InvalidQuery(QueryProblem):
    argument: str | None = strawberry.field(description="The argument at fault, when known.")


@strawberry.type
class QueryTimeout(QueryProblem):
    timeout_ms: int


@strawberry.type
class ResultTooLarge(QueryProblem):
    max_rows: int


@strawberry.type(description="Druid could not run the query now; trying again may work.")
class QueryUnavailable(QueryProblem):
    pass


Problem = (
    UnknownDatasource
    | UnknownColumn
    | InvalidQuery
    | QueryTimeout
    | ResultTooLarge
    | QueryUnavailable
)
TimeSeriesResult = Annotated[TimeSeries | Problem, strawberry.union("TimeSeriesResult")]
TopNResult = Annotated[TopN | Problem, strawberry.union("TopNResult")]
GroupByResult = Annotated[GroupBy | Problem, strawberry.union("GroupByResult")]


# Each core query problem, its GraphQL type and code; the fields are the core error's own.
_PROBLEMS: dict[type[errors.QueryProblem], tuple[type[Problem], ErrorCode]] = {
    errors.UnknownDatasource: (UnknownDatasource, ErrorCode.UNKNOWN_DATASOURCE),
    errors.UnknownColumn: (UnknownColumn, ErrorCode.UNKNOWN_COLUMN),
    errors.InvalidQuery: (InvalidQuery, ErrorCode.INVALID_QUERY),
    errors.QueryTimeout: (QueryTimeout, ErrorCode.QUERY_TIMEOUT),
    errors.ResultTooLarge: (ResultTooLarge, ErrorCode.RESULT_TOO_LARGE),
}


def problem(exc: errors.QueryProblem) -> Problem:
    """The GraphQL error type for a core query problem."""
    cls, code = next(
        (found for kind, found in _PROBLEMS.items() if isinstance(exc, kind)),
        (QueryUnavailable, ErrorCode.QUERY_UNAVAILABLE),
    )
    return mirror(cls, exc, code=code)
