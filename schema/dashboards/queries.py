"""Dashboard queries: `timeseries`, `topN`, `groupBy`. Thin: the work is in core.queries."""

from __future__ import annotations

from datetime import UTC, datetime

import strawberry

from core.druid.broker import DruidBroker
from core.queries import QueryLimits, QueryProblem, run_groupby, run_timeseries, run_topn
from core.queries import model as m
from schema.context import Context
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
    TimeSeries,
    TimeSeriesResult,
    TopN,
    TopNResult,
    problem,
)
from schema.datasets.loaders import ContextDatasets, broker
from schema.enums import Granularity
from schema.permissions import Viewer

Info = strawberry.Info[Context, None]


def _runtime(info: Info) -> tuple[ContextDatasets, DruidBroker, QueryLimits]:
    context = info.context
    return ContextDatasets(context), broker(context), QueryLimits.from_settings(context.settings)


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
        try:
            query = m.TimeseriesQuery(
                datasource=datasource,
                metric=metric.to_model(),
                granularity=m.Granularity(granularity),
                interval=to_interval(interval, now=datetime.now(UTC)),
                filters=to_filters(filters),
            )
            datasets, druid, limits = _runtime(info)
            data = await run_timeseries(query, datasets=datasets, broker=druid, limits=limits)
            return TimeSeries.from_data(data)
        except QueryProblem as exc:
            return problem(exc)

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
        try:
            query = m.TopNQuery(
                datasource=datasource,
                dimension=dimension,
                metric=metric.to_model(),
                limit=limit,
                interval=to_interval(interval, now=datetime.now(UTC)),
                filters=to_filters(filters),
            )
            datasets, druid, limits = _runtime(info)
            data = await run_topn(query, datasets=datasets, broker=druid, limits=limits)
            return TopN.from_data(data)
        except QueryProblem as exc:
            return problem(exc)

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
        try:
            query = m.GroupByQuery(
                datasource=datasource,
                dimensions=tuple(dimensions),
                metrics=tuple(x.to_model() for x in metrics),
                interval=to_interval(interval, now=datetime.now(UTC)),
                filters=to_filters(filters),
                limit=limit,
                order_by=tuple(
                    m.OrderBy(o.field, m.SortDirection(o.direction)) for o in order_by or ()
                ),
            )
            datasets, druid, limits = _runtime(info)
            data = await run_groupby(query, datasets=datasets, broker=druid, limits=limits)
            return GroupBy.from_data(data)
        except QueryProblem as exc:
            return problem(exc)
