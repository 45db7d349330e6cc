"""Run dashboard queries: look up the dataset, compile, ask Druid, shape the result.

Expected failures raise `QueryProblem` subclasses (the schema returns them as data); bugs
raise anything else.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol, TypeVar

from core.druid.errors import DruidUnavailable, QueryFailed, QueryTimedOut
from core.errors import clean_foreign_text
from core.queries.compiler import (
    CompiledQuery,
    compile_groupby,
    compile_timeseries,
    compile_topn,
)
from core.queries.errors import (
    InvalidQuery,
    QueryTimeout,
    QueryUnavailable,
    ResultTooLarge,
    UnknownDatasource,
)
from core.queries.results import (
    GroupByData,
    TimeSeriesData,
    TopNData,
    shape_groupby,
    shape_timeseries,
    shape_topn,
)

if TYPE_CHECKING:
    from core.catalog import Dataset
    from core.druid.broker import DruidBroker, SqlResult
    from core.queries.model import GroupByQuery, TimeseriesQuery, TopNQuery
    from core.settings import Settings

Q = TypeVar("Q", "TimeseriesQuery", "TopNQuery", "GroupByQuery")
Q_contra = TypeVar("Q_contra", contravariant=True)


class Compiler(Protocol[Q_contra]):
    def __call__(self, query: Q_contra, dataset: Dataset, *, max_rows: int) -> CompiledQuery: ...


class DatasetLookup(Protocol):
    """Where queries find datasets: a per-request DataLoader in the API, a dict in tests."""

    async def dataset(self, name: str) -> Dataset | None: ...

    async def names(self) -> list[str]: ...


@dataclass(frozen=True, slots=True)
class QueryLimits:
    timeout_ms: int
    max_rows: int

    @classmethod
    def from_settings(cls, settings: Settings) -> QueryLimits:
        return cls(timeout_ms=settings.query_timeout_ms, max_rows=settings.query_max_rows)


@dataclass(frozen=True, slots=True)
class QueryRuntime:
    """Where dashboard queries run: the datasets they may name, the Broker, the limits."""

    datasets: DatasetLookup
    broker: DruidBroker
    limits: QueryLimits

    async def run(
        self, query: Q, compile_query: Compiler[Q], *, too_large: str
    ) -> tuple[CompiledQuery, SqlResult]:
        """Find the query's dataset, compile the query for it, run it on Druid."""
        dataset = await _dataset(query.datasource, self.datasets)
        compiled = compile_query(query, dataset, max_rows=self.limits.max_rows)
        result = await execute(compiled, self.broker, limits=self.limits, too_large=too_large)
        return compiled, result


async def run_timeseries(query: TimeseriesQuery, runtime: QueryRuntime) -> TimeSeriesData:
    """A metric per time bucket over the query interval."""
    too_large = "Choose a coarser granularity or a shorter interval."
    _, result = await runtime.run(query, compile_timeseries, too_large=too_large)
    return shape_timeseries(
        result, metric=query.metric.label, granularity=query.granularity, interval=query.interval
    )


async def run_topn(query: TopNQuery, runtime: QueryRuntime) -> TopNData:
    """The dimension values with the largest metric, exact."""
    _, result = await runtime.run(query, compile_topn, too_large="Lower the limit.")
    return shape_topn(result, dimension=query.dimension, metric=query.metric.label)


async def run_groupby(query: GroupByQuery, runtime: QueryRuntime) -> GroupByData:
    """Metrics per combination of dimension values."""
    compiled, result = await runtime.run(query, compile_groupby, too_large="Lower the limit.")
    return shape_groupby(result, labels=compiled.labels, dimensions=len(query.dimensions))


async def _dataset(name: str, datasets: DatasetLookup) -> Dataset:
    dataset = await datasets.dataset(name)
    if dataset is None:
        raise UnknownDatasource(name, available=await datasets.names())
    return dataset


async def execute(
    compiled: CompiledQuery, broker: DruidBroker, *, limits: QueryLimits, too_large: str
) -> SqlResult:
    """Send a compiled query to Druid, turning Druid failures into `QueryProblem`s."""
    try:
        result = await broker.sql(
            compiled.sql,
            list(compiled.parameters),
            timeout_ms=limits.timeout_ms,
            max_rows=compiled.max_rows,
            context=compiled.context,
        )
    except QueryTimedOut as exc:
        raise QueryTimeout(timeout_ms=exc.timeout_ms) from exc
    except DruidUnavailable as exc:
        raise QueryUnavailable(clean_foreign_text(str(exc), limit=500)) from exc
    except QueryFailed as exc:
        if 400 <= exc.status < 500:
            raise InvalidQuery(
                f"Druid could not run this query: {clean_foreign_text(exc.message)}. Check the "
                "columns and values "
                "used in filters and metrics."
            ) from exc
        raise QueryUnavailable(
            f"Druid failed while running the query: {clean_foreign_text(exc.message)}. Try "
            "again; if it keeps "
            "failing, the Druid logs (broker, historical) say why."
        ) from exc
    if result.truncated:
        raise ResultTooLarge(max_rows=compiled.max_rows, hint=too_large)
    return result
