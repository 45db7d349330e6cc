"""Dashboard queries on the real Druid equal what Polars computes on the source file."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import polars as pl
import pytest

from core import catalog
from core.druid.broker import DruidBroker
from core.model import ColumnType
from core.queries import QueryLimits, QueryRuntime, run_groupby, run_timeseries, run_topn
from core.queries import model as m
from tests.druid import reference as ref
from tests.druid.dashboard_data import CITIES, ROWS
from tests.druid.dashboard_env import DashboardEnv, acquire, release

pytestmark = pytest.mark.druid

COUNT = m.Metric(m.Aggregate.COUNT)
METRICS = [
    COUNT,
    m.Metric(m.Aggregate.COUNT, "amount"),
    m.Metric(m.Aggregate.SUM, "qty"),
    m.Metric(m.Aggregate.SUM, "amount"),
    m.Metric(m.Aggregate.AVG, "qty"),
    m.Metric(m.Aggregate.MIN, "amount"),
    m.Metric(m.Aggregate.MAX, "qty"),
]
FEB = m.TimeRange(
    ref.parse_instant("2024-02-01", argument="t"), ref.parse_instant("2024-03-01", argument="t")
)


@pytest.fixture(scope="session")
async def env() -> AsyncIterator[DashboardEnv]:
    """The sales CSV ingested once per session into a datasource of its own, and cataloged."""
    yield await acquire()
    await release()


@pytest.fixture(scope="session")
def frame(env: DashboardEnv) -> pl.DataFrame:
    return env.frame


class Lookup:
    """`DatasetLookup` straight over the catalog (the API uses a DataLoader)."""

    def __init__(self, pool: asyncpg.Pool, broker: DruidBroker) -> None:
        self.pool, self.broker = pool, broker

    async def dataset(self, name: str) -> catalog.Dataset | None:
        return (await catalog.load_datasets(self.pool, self.broker, [name]))[0]

    async def names(self) -> list[str]:
        return [d.name for d in await catalog.list_all_datasets(self.pool, self.broker)]


@pytest.fixture
def runner(env: DashboardEnv) -> QueryRuntime:
    return QueryRuntime(
        Lookup(env.pool, env.broker), env.broker, QueryLimits(timeout_ms=30_000, max_rows=10_000)
    )


def assert_close(got: Any, expected: Any, metric: m.Metric) -> None:
    """Counts, long sums, min and max exact; double sums/averages to float rounding;
    approximate distinct within three standard errors."""
    if metric.aggregate is m.Aggregate.APPROX_DISTINCT:
        assert abs(got - expected) <= ref.APPROX_TOLERANCE * expected, (got, expected)
    elif metric.aggregate is m.Aggregate.AVG or metric.column == "amount":
        assert got == pytest.approx(expected, rel=1e-9, abs=1e-9)
    else:
        assert got == expected


async def test_refresh_records_what_druid_serves(env: DashboardEnv, frame: pl.DataFrame) -> None:
    dataset = await catalog.get_dataset(env.pool, env.loaded.datasource)
    assert dataset is not None
    assert dataset.row_count == ROWS
    assert dataset.last_task_id == env.loaded.task_id and dataset.last_ingested_at is not None
    assert dataset.time_min == frame["__time"].min()
    assert dataset.time_max == frame["__time"].max()
    assert dataset.size_bytes and dataset.size_bytes > 0
    types = {c.name: (c.type.value, c.druid_type) for c in dataset.columns}
    assert types == {
        "__time": ("TIMESTAMP", "TIMESTAMP"),
        "city": ("STRING", "VARCHAR"),
        "device": ("STRING", "VARCHAR"),
        "amount": ("DOUBLE", "DOUBLE"),
        "qty": ("LONG", "BIGINT"),
        "user_id": ("STRING", "VARCHAR"),
    }


class EmptyCatalog:
    """A metadata store that has never heard of any dataset."""

    async def fetch(self, query: str, *args: Any) -> list[Any]:
        return []


async def test_datasource_known_only_to_druid_is_read_from_information_schema(
    env: DashboardEnv, frame: pl.DataFrame
) -> None:
    [found] = await catalog.load_datasets(EmptyCatalog(), env.broker, [env.loaded.datasource])
    assert found is not None and not found.in_metadata
    assert found.row_count == ROWS and found.size_bytes and found.size_bytes > 0
    types = {c.name: (c.type, c.druid_type) for c in found.columns}
    assert types["qty"] == (ColumnType.LONG, "BIGINT")
    assert types["amount"] == (ColumnType.DOUBLE, "DOUBLE")
    assert types["city"] == (ColumnType.STRING, "VARCHAR")
    runner = QueryRuntime(
        Lookup(EmptyCatalog(), env.broker),  # type: ignore[arg-type]
        env.broker,
        QueryLimits(timeout_ms=30_000, max_rows=10_000),
    )
    query = m.TopNQuery(env.loaded.datasource, "device", m.Metric(m.Aggregate.SUM, "qty"))
    data = await run_topn(query, runner)
    assert list(zip(data.keys, data.values, strict=True)) == ref.topn(frame, query)


@pytest.mark.parametrize("granularity", [g for g in m.Granularity if "MINUTE" not in g.name])
@pytest.mark.parametrize("metric", METRICS, ids=lambda x: x.label)
async def test_timeseries(
    runner: QueryRuntime,
    env: DashboardEnv,
    frame: pl.DataFrame,
    granularity: m.Granularity,
    metric: m.Metric,
) -> None:
    query = m.TimeseriesQuery(env.loaded.datasource, metric, granularity)
    data = await run_timeseries(query, runner)
    expected = ref.timeseries(frame, query)
    assert data.timestamps == list(expected)
    for got, want in zip(data.values, expected.values(), strict=True):
        assert_close(got, want, metric)


async def test_timeseries_interval_is_half_open(
    runner: QueryRuntime, env: DashboardEnv, frame: pl.DataFrame
) -> None:
    query = m.TimeseriesQuery(env.loaded.datasource, COUNT, m.Granularity.DAY, interval=FEB)
    data = await run_timeseries(query, runner)
    assert dict(zip(data.timestamps, data.values, strict=True)) == ref.timeseries(frame, query)
    assert data.timestamps[0] == "2024-02-01T00:00:00.000Z"
    assert data.timestamps[-1] == "2024-02-29T00:00:00.000Z"


FILTERS: list[tuple[m.Filter, ...]] = [
    (m.Equals("city", "Paris"),),
    (m.Equals("qty", "7"),),
    (m.Equals("__time", "2024-01-20T15:19:48Z"),),
    (m.In("city", ("Oslo", 'Say "hi"', "x' OR '1'='1", "Nowhere")),),
    (m.In("qty", ("1", "2", "3")),),
    (m.Range("amount", min="100", max="200"),),
    (m.Range("amount", min="100", max="200", min_exclusive=True, max_exclusive=True),),
    (m.Range("qty", min="15"),),
    (m.Range("__time", min="2024-02-01", max="2024-02-15T12:00:00Z"),),
    (m.Contains("city", "ar"),),
    (m.Contains("city", "PAR", case_sensitive=False),),
    (m.Contains("city", "'"),),
    (m.IsNull("city"),),
    (m.IsNull("amount", negate=True),),
    (m.Equals("device", "ios"), m.Range("qty", max="5"), m.IsNull("city", negate=True)),
    *[(m.Equals("city", hostile),) for hostile in CITIES[6:]],  # quotes, SQL look-alikes
    (m.Equals("city", "O\u2019Brien Town"),),  # a look-alike quote is another value
]


@pytest.mark.parametrize("filters", FILTERS, ids=lambda f: "+".join(type(x).__name__ for x in f))
async def test_filters_in_group_by(
    runner: QueryRuntime, env: DashboardEnv, frame: pl.DataFrame, filters: tuple[m.Filter, ...]
) -> None:
    metrics = (COUNT, METRICS[2], METRICS[3], METRICS[5], METRICS[6])
    query = m.GroupByQuery(env.loaded.datasource, ("device",), metrics, filters=filters, limit=100)
    data = await run_groupby(query, runner)
    expected = ref.groupby(frame, query)
    got = {
        (key,): tuple(column.values[row] for column in data.metrics)
        for row, key in enumerate(data.dimensions[0].values)
    }
    assert got.keys() == expected.keys()
    for key, values in got.items():
        for value, want, metric in zip(values, expected[key], metrics, strict=True):
            assert_close(value, want, metric)
    # Ordered by the first metric, largest first.
    counts = data.metrics[0].values
    assert counts == sorted(counts, reverse=True)


@pytest.mark.parametrize("filters", FILTERS[:15], ids=lambda f: type(f[0]).__name__)
async def test_filters_in_timeseries_and_topn(
    runner: QueryRuntime, env: DashboardEnv, frame: pl.DataFrame, filters: tuple[m.Filter, ...]
) -> None:
    series = m.TimeseriesQuery(
        env.loaded.datasource, METRICS[2], m.Granularity.WEEK, filters=filters
    )
    data = await run_timeseries(series, runner)
    assert dict(zip(data.timestamps, data.values, strict=True)) == ref.timeseries(frame, series)
    top = m.TopNQuery(env.loaded.datasource, "city", COUNT, limit=5, filters=filters)
    ranked = await run_topn(top, runner)
    assert list(zip(ranked.keys, ranked.values, strict=True)) == ref.topn(frame, top)


@pytest.mark.parametrize("metric", [COUNT, METRICS[2], METRICS[4]], ids=lambda x: x.label)
@pytest.mark.parametrize("limit", [3, 50])
async def test_topn(
    runner: QueryRuntime, env: DashboardEnv, frame: pl.DataFrame, metric: m.Metric, limit: int
) -> None:
    query = m.TopNQuery(env.loaded.datasource, "city", metric, limit=limit, interval=FEB)
    data = await run_topn(query, runner)
    expected = ref.topn(frame, query)
    assert data.keys == [k for k, _ in expected]
    for got, (_, want) in zip(data.values, expected, strict=True):
        assert_close(got, want, metric)


async def test_groupby_two_dimensions_with_order(
    runner: QueryRuntime, env: DashboardEnv, frame: pl.DataFrame
) -> None:
    metrics = (*METRICS, m.Metric(m.Aggregate.APPROX_DISTINCT, "user_id", name="users"))
    query = m.GroupByQuery(
        env.loaded.datasource,
        ("city", "device"),
        metrics,
        limit=1000,
        order_by=(m.OrderBy("city", m.SortDirection.ASC), m.OrderBy("sum(qty)")),
    )
    data = await run_groupby(query, runner)
    expected = ref.groupby(frame, query)
    assert data.row_count == len(expected)
    cities, devices = (c.values for c in data.dimensions)
    for row, key in enumerate(zip(cities, devices, strict=True)):
        for column, want, metric in zip(data.metrics, expected[key], metrics, strict=True):
            if metric.aggregate is m.Aggregate.APPROX_DISTINCT:
                assert abs(column.values[row] - want) <= max(2, ref.APPROX_TOLERANCE * want)
            else:
                assert_close(column.values[row], want, metric)
    # Druid sorts nulls first, then text by UTF-8 bytes, which matches Python's str order.
    assert cities == sorted(cities, key=lambda c: (c is not None, c or ""))


@pytest.mark.parametrize("granularity", [m.Granularity.WEEK, m.Granularity.ALL])
async def test_approx_distinct_within_documented_error(
    runner: QueryRuntime, env: DashboardEnv, frame: pl.DataFrame, granularity: m.Granularity
) -> None:
    metric = m.Metric(m.Aggregate.APPROX_DISTINCT, "user_id")
    query = m.TimeseriesQuery(env.loaded.datasource, metric, granularity)
    data = await run_timeseries(query, runner)
    expected = ref.timeseries(frame, query)
    assert data.timestamps == list(expected)
    for got, want in zip(data.values, expected.values(), strict=True):
        assert_close(got, want, metric)
