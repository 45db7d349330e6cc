"""GraphQL results of dashboard queries: column-oriented data, or a typed problem."""

from __future__ import annotations

from typing import Annotated

import strawberry

from core.errors import ErrorCode
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
        return cls(
            metric=data.metric,
            granularity=data.granularity,
            timestamps=data.timestamps,
            values=data.values,
        )


@strawberry.type(description="Dimension values with the largest metric, as parallel lists.")
class TopN:
    dimension: str
    metric: str
    keys: list[str | None] = strawberry.field(description="Values as text; null is a value too.")
    values: list[float | None]

    @classmethod
    def from_data(cls, data: TopNData) -> TopN:
        return cls(
            dimension=data.dimension,
            metric=data.metric,
            keys=data.keys,
            values=data.values,
        )


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


def problem(exc: errors.QueryProblem) -> Problem:
    """The GraphQL error type for a core query problem."""
    match exc:
        case errors.UnknownDatasource():
            return UnknownDatasource(
                code=ErrorCode.UNKNOWN_DATASOURCE,
                message=exc.message,
                datasource=exc.datasource,
                available=exc.available,
            )
        case errors.UnknownColumn():
            return UnknownColumn(
                code=ErrorCode.UNKNOWN_COLUMN,
                message=exc.message,
                datasource=exc.datasource,
                column=exc.column,
                available=exc.available,
            )
        case errors.InvalidQuery():
            return InvalidQuery(
                code=ErrorCode.INVALID_QUERY, message=exc.message, argument=exc.argument
            )
        case errors.QueryTimeout():
            return QueryTimeout(
                code=ErrorCode.QUERY_TIMEOUT, message=exc.message, timeout_ms=exc.timeout_ms
            )
        case errors.ResultTooLarge():
            return ResultTooLarge(
                code=ErrorCode.RESULT_TOO_LARGE, message=exc.message, max_rows=exc.max_rows
            )
    return QueryUnavailable(code=ErrorCode.QUERY_UNAVAILABLE, message=exc.message)
