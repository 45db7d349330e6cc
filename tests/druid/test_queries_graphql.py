"""Dashboard and catalog queries through the real GraphQL schema on the real Druid:
results, errors as data, limits from settings, one catalog read per page, injection."""

from __future__ import annotations

import functools
import warnings
from collections.abc import AsyncIterator
from typing import Any

import polars as pl
import pytest
import strawberry

from core.auth import Caller, Role
from core.auth.model import LEGACY_WORKSPACE
from core.tasks import TaskStore
from schema import build_schema
from schema.context import Context, Services
from tests.druid.dashboard_data import ROWS
from tests.druid.dashboard_env import DashboardEnv, acquire, dashboard_settings, release

pytestmark = pytest.mark.druid

PROBLEM_FIELDS = """
  ... on QueryProblem { code message }
  ... on UnknownColumn { column available }
  ... on UnknownDatasource { datasource available }
  ... on InvalidQuery { argument }
  ... on QueryTimeout { timeoutMs }
  ... on ResultTooLarge { maxRows }
"""
TIMESERIES = f"""
query Series($ds: String!, $metric: MetricInput!, $granularity: Granularity! = ALL,
             $interval: IntervalInput, $filters: [FilterInput!]) {{
  timeseries(datasource: $ds, metric: $metric, granularity: $granularity,
             interval: $interval, filters: $filters) {{
    __typename
    ... on TimeSeries {{ metric granularity timestamps values }}
    {PROBLEM_FIELDS}
  }}
}}"""
TOPN = f"""
query Top($ds: String!, $dimension: String!, $metric: MetricInput!, $limit: Int! = 10) {{
  topN(datasource: $ds, dimension: $dimension, metric: $metric, limit: $limit) {{
    __typename
    ... on TopN {{ dimension metric keys values }}
    {PROBLEM_FIELDS}
  }}
}}"""
GROUPBY = f"""
query Group($ds: String!, $dimensions: [String!]!, $metrics: [MetricInput!]!,
            $orderBy: [OrderByInput!]) {{
  groupBy(datasource: $ds, dimensions: $dimensions, metrics: $metrics, orderBy: $orderBy) {{
    __typename
    ... on GroupBy {{ rowCount dimensions {{ name values }} metrics {{ name values }} }}
    {PROBLEM_FIELDS}
  }}
}}"""
CATALOG = """
query Catalog($ds: String!) {
  datasources { name rowCount tracked columns { name type druidType } }
  datasource(name: $ds) {
    name rowCount sizeBytes timeMin timeMax hasTimeColumn lastIngestedAt lastTaskId tracked
    columns { name type druidType position }
    tasks { id status datasource rowsTotal }
  }
  missing: datasource(name: "no such datasource") { name }
}"""
COUNT = {"aggregate": "COUNT"}


@pytest.fixture(scope="session")
async def env() -> AsyncIterator[DashboardEnv]:
    yield await acquire()
    await release()


@functools.cache
def app_schema() -> strawberry.Schema:
    """The app's schema, built once (its limiters come from settings, not per request)."""
    with warnings.catch_warnings():
        # strawberry 0.341 deprecates extension instances; schema/__init__.py still passes them.
        warnings.simplefilter("ignore", DeprecationWarning)
        return build_schema(dashboard_settings())


class CountingPool:
    """The real pool, counting the statements sent through `fetch` (catalog reads)."""

    def __init__(self, pool: Any) -> None:
        self._pool, self.statements = pool, []

    async def fetch(self, sql: str, *args: Any) -> Any:
        self.statements.append(sql)
        return await self._pool.fetch(sql, *args)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._pool, name)


async def execute(
    env: DashboardEnv,
    document: str,
    variables: dict[str, Any],
    *,
    db: Any = None,
    **settings: Any,
) -> dict[str, Any]:
    """Run `document` against the app's schema with a request context like the API's."""
    config = env.settings.model_copy(update=settings)
    services = Services(
        settings=config,
        db=db or env.pool,
        redis=None,  # type: ignore[arg-type]
        store=None,  # type: ignore[arg-type]
        http=env.http,
        druid=None,  # type: ignore[arg-type]
        broker=env.broker.from_settings(env.http, config),
        tasks=TaskStore(db or env.pool, publisher=None),  # type: ignore[arg-type]  # reads only
        leases=None,  # type: ignore[arg-type]
        broadcaster=None,  # type: ignore[arg-type]
    )
    # The dataset lives in the workspace holding data from before accounts (no prefix).
    viewer = Caller(workspace=LEGACY_WORKSPACE, role=Role.VIEWER)
    result = await app_schema().execute(
        document, variable_values=variables, context_value=Context(services, caller=viewer)
    )
    assert result.errors is None, result.errors
    assert result.data is not None
    return result.data


async def test_catalog(env: DashboardEnv) -> None:
    ds = env.loaded.datasource
    data = await execute(env, CATALOG, {"ds": ds})
    listed = {d["name"]: d for d in data["datasources"]}
    assert listed[ds]["rowCount"] == ROWS and listed[ds]["tracked"] is True
    one = data["datasource"]
    assert one["rowCount"] == ROWS and one["sizeBytes"] > 0 and one["hasTimeColumn"]
    assert one["timeMin"].startswith(str(env.frame["__time"].min().date()))
    assert one["lastTaskId"] == env.loaded.task_id and one["lastIngestedAt"]
    columns = [(c["name"], c["type"], c["druidType"]) for c in one["columns"]]
    assert columns[0] == ("__time", "TIMESTAMP", "TIMESTAMP")
    assert ("amount", "DOUBLE", "DOUBLE") in columns and ("qty", "LONG", "BIGINT") in columns
    assert one["tasks"] == [
        {"id": env.loaded.task_id, "status": "SUCCEEDED", "datasource": ds, "rowsTotal": ROWS}
    ]
    assert data["missing"] is None


async def test_one_dashboard_page_reads_the_catalog_once(env: DashboardEnv) -> None:
    page = """
    query Page($ds: String!) {
      total: timeseries(datasource: $ds, metric: {aggregate: COUNT}, granularity: MONTH) {
        ... on TimeSeries { timestamps values } }
      qty: timeseries(datasource: $ds, metric: {aggregate: SUM, column: "qty"}, granularity: ALL) {
        ... on TimeSeries { values } }
      cities: topN(datasource: $ds, dimension: "city", metric: {aggregate: COUNT}, limit: 3) {
        ... on TopN { keys values } }
      devices: groupBy(datasource: $ds, dimensions: ["device"], metrics: [{aggregate: COUNT}]) {
        ... on GroupBy { rowCount } }
      info: datasource(name: $ds) { rowCount }
    }"""
    pool = CountingPool(env.pool)
    data = await execute(env, page, {"ds": env.loaded.datasource}, db=pool)
    catalog_reads = [s for s in pool.statements if "FROM datasets" in s]
    assert len(catalog_reads) == 1, pool.statements
    monthly = env.frame.group_by(pl.col("__time").dt.truncate("1mo")).len().sort("__time")
    assert data["total"]["values"] == monthly["len"].to_list()
    assert data["total"]["timestamps"][0] == "2024-01-01T00:00:00.000Z"
    assert data["qty"]["values"] == [env.frame["qty"].sum()]
    top = env.frame.group_by("city").len().sort(["len", "city"], descending=[True, False])
    assert data["cities"]["keys"] == top["city"].head(3).to_list()
    assert data["devices"]["rowCount"] == 3 and data["info"]["rowCount"] == ROWS


@pytest.mark.parametrize(
    ("document", "variables", "typename", "says"),
    [
        (TIMESERIES, {"ds": "nope", "metric": COUNT}, "UnknownDatasource", "no datasource"),
        (TOPN, {"dimension": "town", "metric": COUNT}, "UnknownColumn", "'town' does not"),
        (
            TIMESERIES,
            {"metric": {"aggregate": "SUM", "column": "city"}},
            "InvalidQuery",
            "needs a numeric column",
        ),
        (
            TIMESERIES,
            {"metric": COUNT, "interval": {"relative": "last fortnight"}},
            "InvalidQuery",
            "not understood",
        ),
        (
            TIMESERIES,
            {"metric": COUNT, "filters": [{"equals": {"column": "qty", "value": "many"}}]},
            "InvalidQuery",
            "not a number",
        ),
        (TOPN, {"dimension": "city", "metric": COUNT, "limit": 10_001}, "InvalidQuery", "limit"),
        (
            GROUPBY,
            {"dimensions": ["city"], "metrics": [COUNT], "orderBy": [{"field": "sum(qty)"}]},
            "InvalidQuery",
            "Order by one of",
        ),
    ],
)
async def test_problems_are_data_with_a_message(
    env: DashboardEnv, document: str, variables: dict[str, Any], typename: str, says: str
) -> None:
    variables = {"ds": env.loaded.datasource, **variables}
    result = next(iter((await execute(env, document, variables)).values()))
    assert result["__typename"] == typename
    assert says in result["message"]
    # One code per problem type: UnknownColumn -> UNKNOWN_COLUMN.
    assert result["code"] == "".join(f"_{c}" if c.isupper() else c.upper() for c in typename)[1:]


async def test_timeout_and_row_cap_come_from_settings(env: DashboardEnv) -> None:
    variables = {"ds": env.loaded.datasource, "metric": {"aggregate": "APPROX_DISTINCT",
                 "column": "user_id"}, "granularity": "HOUR"}  # fmt: skip
    slow = await execute(env, TIMESERIES, variables, query_timeout_ms=1)
    assert slow["timeseries"]["__typename"] == "QueryTimeout"
    assert slow["timeseries"]["code"] == "QUERY_TIMEOUT"
    assert slow["timeseries"]["timeoutMs"] == 1 and "cancelled" in slow["timeseries"]["message"]
    big = await execute(env, TIMESERIES, variables, query_max_rows=100)
    assert big["timeseries"]["__typename"] == "ResultTooLarge"
    assert big["timeseries"]["maxRows"] == 100 and "coarser" in big["timeseries"]["message"]


async def test_query_limiters_are_on(env: DashboardEnv) -> None:
    aliases = " ".join(f"a{i}: datasources {{ name }}" for i in range(40))
    result = await app_schema().execute(f"{{ {aliases} }}")
    assert result.errors and "aliases" in result.errors[0].message


HOSTILE = [
    "'; DROP TABLE sales; --",  # present in the data: must match as a plain value
    "x' OR '1'='1",
    'a" OR "1"="1',
    '"; DROP TABLE "x"; --',
    "-- c",
    "/* c */ 1",
    "\u2019; DROP \u02bc\uff07",  # look-alikes of quotes
    "\uff02city\uff02",
    'city" FROM sys.segments --',
    '__time" IS NOT NULL OR "',
]


def _operations(ds: str, hostile: str) -> list[tuple[str, dict[str, Any], set[str]]]:
    """Every string input of the dashboard queries, carrying `hostile`."""
    col = {"column": hostile}
    return [
        (TIMESERIES, {"ds": hostile, "metric": COUNT}, {"UnknownDatasource"}),
        (TIMESERIES, {"ds": f'{ds}" --', "metric": COUNT}, {"UnknownDatasource"}),
        (TIMESERIES, {"ds": ds, "metric": {"aggregate": "SUM", **col}}, {"UnknownColumn"}),
        (TIMESERIES, {"ds": ds, "metric": {**COUNT, "name": hostile}}, {"TimeSeries"}),
        (TIMESERIES, {"ds": ds, "metric": COUNT, "filters": [{"isNull": col}]}, {"UnknownColumn"}),
        (TIMESERIES, {"ds": ds, "metric": COUNT, "interval": {"start": hostile}}, {"InvalidQuery"}),
        (
            TIMESERIES,
            {"ds": ds, "metric": COUNT, "interval": {"relative": hostile}},
            {"InvalidQuery"},
        ),
        (
            TIMESERIES,
            {"ds": ds, "metric": COUNT, "filters": [{"range": {"column": "qty", "min": hostile}}]},
            {"InvalidQuery"},
        ),
        (TOPN, {"ds": ds, "dimension": hostile, "metric": COUNT}, {"UnknownColumn"}),
        (GROUPBY, {"ds": ds, "dimensions": [hostile], "metrics": [COUNT]}, {"UnknownColumn"}),
        (
            GROUPBY,
            {"ds": ds, "dimensions": ["city"], "metrics": [COUNT], "orderBy": [{"field": hostile}]},
            {"InvalidQuery"},
        ),
    ]


@pytest.mark.parametrize("hostile", HOSTILE)
async def test_injection_is_rejected_or_taken_literally(env: DashboardEnv, hostile: str) -> None:
    ds = env.loaded.datasource
    for document, variables, allowed in _operations(ds, hostile):
        result = next(iter((await execute(env, document, variables)).values()))
        assert result["__typename"] in allowed, (variables, result)
        assert result.get("message", "x"), result
    # As a filter value it is plain text: the answer is Polars' count of that exact text.
    expected = env.frame.filter(pl.col("city") == hostile).height
    contained = env.frame.filter(pl.col("city").str.contains(hostile, literal=True)).height
    for condition, count in (
        ({"equals": {"column": "city", "value": hostile}}, expected),
        ({"in": {"column": "city", "values": [hostile, "Nowhere"]}}, expected),
        ({"contains": {"column": "city", "value": hostile}}, contained),
    ):
        variables = {"ds": ds, "metric": COUNT, "filters": [condition]}
        series = (await execute(env, TIMESERIES, variables))["timeseries"]
        assert series["values"] == ([count] if count else []), (condition, series)
    # Nothing was executed: the datasource is intact.
    total = await env.broker.sql('SELECT COUNT(*) FROM "' + ds + '"')
    assert total.rows == [[ROWS]]
