"""Dashboard queries: `timeseries`, `topN`, `groupBy`. Thin: the work is in core.queries."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import TypeVar

import strawberry

from core.queries import (
    QueryLimits,
    QueryProblem,
    QueryRuntime,
    run_groupby,
    run_timeseries,
    run_topn,
)
from core.queries import model as m
from schema.context import Info
from schema.dashboards.inputs import (
    FilterInput,
    IntervalInput,
    MetricInput,
    OrderByInput,
    to_filters,
    to_interval,
)
from schema.dashboards.types import (
    GroupBy,
    GroupByResult,
    Problem,
    TimeSeries,
    TimeSeriesResult,
    TopN,
    TopNResult,
    problem,
)
from schema.datasets.loaders import ContextDatasets, broker
from schema.enums import Granularity
from schema.permissions import Viewer

Query = TypeVar("Query")
Data = TypeVar("Data")
Answer = TypeVar("Answer")


async def _answer(
    info: Info,
    query: Callable[[], Query],
    run: Callable[[Query, QueryRuntime], Awaitable[Data]],
    shape: Callable[[Data], Answer],
) -> Answer | Problem:
    """Build the query (a bad argument is a problem too), run it, shape the data."""
    context = info.context
    try:
        runtime = QueryRuntime(
            ContextDatasets(context), broker(context), QueryLimits.from_settings(context.settings)
        )
        data = await run(query(), runtime)
    except QueryProblem as exc:
        return problem(exc)
    return shape(data)


def _interval(interval: IntervalInput | None) -> m.TimeRange | None:
    return to_interval(interval, now=datetime.now(UTC))


@strawberry.type
class DashboardsQuery:
    @strawberry.field(
        permission_classes=[Viewer], description="A metric per time bucket, column-oriented."
    )
    async def timeseries(
        self,
        info: Info,
        datasource: str,
        metric: MetricInput,
        granularity: Granularity = m.Granularity.DAY,
        interval: IntervalInput | None = None,
        filters: list[FilterInput] | None = None,
    ) -> TimeSeriesResult:
        return await _answer(
            info,
            lambda: m.TimeseriesQuery(
                datasource=datasource,
                metric=metric.to_model(),
                granularity=m.Granularity(granularity),
                interval=_interval(interval),
                filters=to_filters(filters),
            ),
            run_timeseries,
            TimeSeries.from_data,
        )

    @strawberry.field(
        name="topN",
        permission_classes=[Viewer],
        description="The `limit` values of a dimension ranked by a metric (exact).",
    )
    async def top_n(
        self,
        info: Info,
        datasource: str,
        dimension: str,
        metric: MetricInput,
        limit: int = 10,
        interval: IntervalInput | None = None,
        filters: list[FilterInput] | None = None,
    ) -> TopNResult:
        return await _answer(
            info,
            lambda: m.TopNQuery(
                datasource=datasource,
                dimension=dimension,
                metric=metric.to_model(),
                limit=limit,
                interval=_interval(interval),
                filters=to_filters(filters),
            ),
            run_topn,
            TopN.from_data,
        )

    @strawberry.field(
        name="groupBy",
        permission_classes=[Viewer],
        description="Metrics per combination of dimension values.",
    )
    async def group_by(
        self,
        info: Info,
        datasource: str,
        dimensions: list[str],
        metrics: list[MetricInput],
        interval: IntervalInput | None = None,
        filters: list[FilterInput] | None = None,
        limit: int = 100,
        order_by: list[OrderByInput] | None = None,
    ) -> GroupByResult:
        return await _answer(
            info,
            lambda: m.GroupByQuery(
                datasource=datasource,
                dimensions=tuple(dimensions),
                metrics=tuple(x.to_model() for x in metrics),
                interval=_interval(interval),
                filters=to_filters(filters),
                limit=limit,
                order_by=tuple(
                    m.OrderBy(o.field, m.SortDirection(o.direction)) for o in order_by or ()
                ),
            ),
            run_groupby,
            GroupBy.from_data,
        )
