"""The dashboard query compiler: SQL text, parameters, identifier checks, intervals."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from core.catalog import Column, Dataset
from core.druid.broker import SqlParam
from core.model import ColumnType
from core.queries.compiler import (
    compile_groupby,
    compile_timeseries,
    compile_topn,
    quote_identifier,
)
from core.queries.errors import InvalidQuery, UnknownColumn
from core.queries.intervals import druid_timestamp, parse_relative, resolve_interval
from core.queries.model import (
    Aggregate,
    Contains,
    Equals,
    Granularity,
    GroupByQuery,
    In,
    IsNull,
    Metric,
    OrderBy,
    Range,
    SortDirection,
    TimeRange,
    TimeseriesQuery,
    TopNQuery,
)

NOW = datetime(2024, 3, 31, 15, 42, 7, 123456, tzinfo=UTC)  # a Sunday
COUNT = Metric(Aggregate.COUNT)
SALES = Dataset(
    name="sales",
    columns=(
        Column("__time", ColumnType.TIMESTAMP, "TIMESTAMP", 1),
        Column("city", ColumnType.STRING, "VARCHAR", 2),
        Column("amount", ColumnType.DOUBLE, "DOUBLE", 3),
        Column("qty", ColumnType.LONG, "BIGINT", 4),
        Column("paid", ColumnType.BOOLEAN, "BIGINT", 5),
        Column('say "hi"', ColumnType.STRING, "VARCHAR", 6),
        Column("shipped_at", ColumnType.TIMESTAMP, "VARCHAR", 7),
    ),
)


def v(value: str) -> SqlParam:
    return SqlParam("VARCHAR", value)


def test_timeseries_with_interval_and_filters() -> None:
    query = TimeseriesQuery(
        datasource="sales",
        metric=Metric(Aggregate.SUM, "amount"),
        granularity=Granularity.DAY,
        interval=TimeRange(datetime(2024, 1, 1, tzinfo=UTC), datetime(2024, 2, 1, tzinfo=UTC)),
        filters=(Equals("city", "Paris"), Range("qty", min="2", max="10", max_exclusive=True)),
    )
    compiled = compile_timeseries(query, SALES, max_rows=500)
    assert compiled.sql == (
        'SELECT TIME_FLOOR("__time", \'P1D\') AS "t", SUM("amount") AS "m0" FROM "sales"'
        ' WHERE "__time" >= TIME_PARSE(?) AND "__time" < TIME_PARSE(?) AND "city" = ?'
        ' AND "qty" >= ? AND "qty" < ? GROUP BY 1 ORDER BY 1 LIMIT ?'
    )
    assert compiled.parameters == (
        v("2024-01-01T00:00:00.000Z"),
        v("2024-02-01T00:00:00.000Z"),
        v("Paris"),
        SqlParam("BIGINT", 2),
        SqlParam("BIGINT", 10),
        SqlParam("BIGINT", 501),  # one more than the cap, to detect overflow
    )
    assert compiled.labels == ("__time", "sum(amount)")


@pytest.mark.parametrize(
    ("granularity", "period"),
    [(Granularity.MINUTE, "PT1M"), (Granularity.WEEK, "P1W"), (Granularity.QUARTER, "P3M")],
)
def test_granularity_becomes_a_time_floor_period(granularity: Granularity, period: str) -> None:
    query = TimeseriesQuery("sales", COUNT, granularity=granularity)
    sql = compile_timeseries(query, SALES, max_rows=10).sql
    assert f"TIME_FLOOR(\"__time\", '{period}')" in sql


def test_granularity_all_is_one_row_without_group_by() -> None:
    compiled = compile_timeseries(
        TimeseriesQuery("sales", COUNT, Granularity.ALL), SALES, max_rows=10
    )
    assert compiled.sql == 'SELECT MIN("__time") AS "t", COUNT(*) AS "m0" FROM "sales" LIMIT ?'
    assert compiled.parameters == (SqlParam("BIGINT", 11),)


def test_topn_is_exact_and_ordered_by_metric_then_key() -> None:
    query = TopNQuery("sales", "city", Metric(Aggregate.AVG, "qty"), limit=5)
    compiled = compile_topn(query, SALES, max_rows=100)
    assert compiled.sql == (
        'SELECT "city" AS "d0", AVG(CAST("qty" AS DOUBLE)) AS "m0" FROM "sales"'
        " GROUP BY 1 ORDER BY 2 DESC, 1 ASC LIMIT ?"
    )
    assert compiled.parameters == (SqlParam("BIGINT", 5),)
    assert compiled.context == {"useApproximateTopN": False}


def test_groupby_orders_by_requested_outputs_and_breaks_ties_by_dimension() -> None:
    query = GroupByQuery(
        "sales",
        dimensions=("city", "paid"),
        metrics=(Metric(Aggregate.APPROX_DISTINCT, "qty", name="buyers"), COUNT),
        order_by=(OrderBy("count(*)", SortDirection.ASC), OrderBy("city", SortDirection.DESC)),
        limit=20,
    )
    compiled = compile_groupby(query, SALES, max_rows=100)
    assert compiled.sql == (
        'SELECT "city" AS "d0", "paid" AS "d1", APPROX_COUNT_DISTINCT_DS_HLL("qty") AS "m0",'
        ' COUNT(*) AS "m1" FROM "sales" GROUP BY 1, 2 ORDER BY 4 ASC, 1 DESC, 2 ASC LIMIT ?'
    )
    assert compiled.labels == ("city", "paid", "buyers", "count(*)")


def test_groupby_default_order_is_first_metric_descending() -> None:
    query = GroupByQuery("sales", dimensions=("city",), metrics=(COUNT,))
    assert "ORDER BY 2 DESC, 1 ASC" in compile_groupby(query, SALES, max_rows=100).sql


@pytest.mark.parametrize(
    ("query", "fragment"),
    [
        (GroupByQuery("sales", ("city",), (COUNT,), order_by=(OrderBy("nope"),)), "'nope'"),
        (GroupByQuery("sales", ("city",), (COUNT, COUNT)), "unique"),
        (GroupByQuery("sales", ("city",), ()), "at least one metric"),
        (GroupByQuery("sales", ("city",), (COUNT,), limit=0), "between 1 and 100"),
        (GroupByQuery("sales", ("city",), (COUNT,), limit=101), "between 1 and 100"),
    ],
)
def test_groupby_rejects_bad_shapes(query: GroupByQuery, fragment: str) -> None:
    with pytest.raises(InvalidQuery, match=fragment):
        compile_groupby(query, SALES, max_rows=100)


def test_every_filter_kind_uses_parameters_for_values() -> None:
    query = TimeseriesQuery(
        "sales",
        COUNT,
        Granularity.ALL,
        filters=(
            In("city", ("Paris", "Oslo")),
            Contains("city", "ar"),
            Contains("city", "AR", case_sensitive=False),
            IsNull("amount"),
            IsNull("qty", negate=True),
            Range("amount", min="1.5", min_exclusive=True),
            Range("__time", max="2024-01-01"),
            Range("shipped_at", min="2024-01-01T10:00:00+02:00"),
            Equals("paid", "true"),
        ),
    )
    compiled = compile_timeseries(query, SALES, max_rows=10)
    assert compiled.sql == (
        'SELECT MIN("__time") AS "t", COUNT(*) AS "m0" FROM "sales" WHERE "city" IN (?, ?)'
        ' AND CONTAINS_STRING("city", ?) AND ICONTAINS_STRING("city", ?)'
        ' AND "amount" IS NULL AND "qty" IS NOT NULL AND "amount" > ?'
        ' AND "__time" <= TIME_PARSE(?) AND TIME_PARSE("shipped_at") >= TIME_PARSE(?)'
        ' AND "paid" = ? LIMIT ?'
    )
    assert compiled.parameters == (
        v("Paris"),
        v("Oslo"),
        v("ar"),
        v("AR"),
        SqlParam("DOUBLE", 1.5),
        v("2024-01-01T00:00:00.000Z"),
        v("2024-01-01T08:00:00.000Z"),
        SqlParam("BIGINT", 1),
        SqlParam("BIGINT", 11),
    )


HOSTILE = [
    "'; DROP TABLE sales; --",
    "x' OR '1'='1",
    'a" OR "1"="1',
    "-- comment",
    "/* c */ 1",
    "\u2019; DROP \u02bc\uff07",  # look-alikes of quotes
    "\x00\n\r",
]


@pytest.mark.parametrize("hostile", HOSTILE)
def test_caller_text_never_reaches_the_sql(hostile: str) -> None:
    query = TopNQuery(
        "sales",
        "city",
        Metric(Aggregate.COUNT, name=hostile),
        filters=(Equals("city", hostile), In("city", (hostile,)), Contains("city", hostile)),
    )
    compiled = compile_topn(query, SALES, max_rows=100)
    assert hostile not in compiled.sql
    assert compiled.sql.count("?") == len(compiled.parameters) == 4
    assert [p.value for p in compiled.parameters[:3]] == [hostile] * 3


@pytest.mark.parametrize("hostile", [*HOSTILE, "City", "city ", '"city"', "sales.city"])
def test_unknown_identifiers_are_rejected_with_the_known_columns(hostile: str) -> None:
    for query in (
        TopNQuery("sales", hostile, COUNT),
        TopNQuery("sales", "city", Metric(Aggregate.SUM, hostile)),
        TopNQuery("sales", "city", COUNT, filters=(IsNull(hostile),)),
    ):
        with pytest.raises(UnknownColumn) as caught:
            compile_topn(query, SALES, max_rows=100)
        assert caught.value.column == hostile
        assert "city" in caught.value.available and "__time" in caught.value.available
        assert "does not exist in datasource 'sales'" in caught.value.message


def test_identifiers_are_quoted_with_embedded_quotes_doubled() -> None:
    assert quote_identifier('say "hi"') == '"say ""hi"""'
    compiled = compile_topn(TopNQuery("sales", 'say "hi"', COUNT), SALES, max_rows=10)
    assert compiled.sql.startswith('SELECT "say ""hi""" AS "d0"')
    odd = Dataset('we"ird; --', SALES.columns)
    sql = compile_topn(TopNQuery('we"ird; --', "city", COUNT), odd, max_rows=10).sql
    assert 'FROM "we""ird; --" GROUP BY' in sql


@pytest.mark.parametrize(
    ("filter_", "fragment"),
    [
        (Equals("qty", "ten"), "'ten' is not a number"),
        (Equals("amount", "nan"), "is not a number"),
        (Equals("__time", "yesterday-ish"), "not an ISO-8601"),
        (Contains("qty", "1"), "needs a text column"),
        (Contains("__time", "2024"), "needs a text column"),
        (Range("city", min="a"), "numeric or time column"),
        (Range("qty"), "min, max or both"),
        (In("city", ()), "at least one value"),
        (In("city", tuple(str(i) for i in range(1001))), "at most 1000"),
    ],
)
def test_filters_that_cannot_apply_are_explained(filter_: object, fragment: str) -> None:
    query = TimeseriesQuery("sales", COUNT, filters=(filter_,))  # type: ignore[arg-type]
    with pytest.raises(InvalidQuery, match=fragment) as caught:
        compile_timeseries(query, SALES, max_rows=10)
    assert caught.value.argument == "filters[0]"


@pytest.mark.parametrize(
    ("metric", "fragment"),
    [
        (Metric(Aggregate.SUM, "city"), "needs a numeric column"),
        (Metric(Aggregate.MAX), "needs a column"),
    ],
)
def test_metrics_that_cannot_apply_are_explained(metric: Metric, fragment: str) -> None:
    with pytest.raises(InvalidQuery, match=fragment):
        compile_timeseries(TimeseriesQuery("sales", metric), SALES, max_rows=10)


def test_metric_expressions() -> None:
    def sql(metric: Metric) -> str:
        return compile_timeseries(TimeseriesQuery("sales", metric), SALES, max_rows=10).sql

    assert 'COUNT("amount") AS "m0"' in sql(Metric(Aggregate.COUNT, "amount"))
    assert 'MIN("qty") AS "m0"' in sql(Metric(Aggregate.MIN, "qty"))
    assert 'APPROX_COUNT_DISTINCT_DS_HLL("city")' in sql(Metric(Aggregate.APPROX_DISTINCT, "city"))


# --- intervals ---------------------------------------------------------------------------


def at(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)  # type: ignore[misc]


@pytest.mark.parametrize(
    ("text", "start", "end"),
    [
        ("last 7 days", at(2024, 3, 24, 15, 42, 7, 123456), NOW),
        ("Last  24 Hours", at(2024, 3, 30, 15, 42, 7, 123456), NOW),
        ("last hour", at(2024, 3, 31, 14, 42, 7, 123456), NOW),
        ("past 15 minutes", at(2024, 3, 31, 15, 27, 7, 123456), NOW),
        ("last month", at(2024, 2, 29, 15, 42, 7, 123456), NOW),  # day clamped
        ("last 2 years", at(2022, 3, 31, 15, 42, 7, 123456), NOW),
        ("today", at(2024, 3, 31), at(2024, 4, 1)),
        ("yesterday", at(2024, 3, 30), at(2024, 3, 31)),
        ("this week", at(2024, 3, 25), at(2024, 4, 1)),  # weeks start on Monday
        ("this month", at(2024, 3, 1), at(2024, 4, 1)),
        ("previous month", at(2024, 2, 1), at(2024, 3, 1)),
        ("this quarter", at(2024, 1, 1), at(2024, 4, 1)),
        ("previous year", at(2023, 1, 1), at(2024, 1, 1)),
    ],
)
def test_relative_intervals(text: str, start: datetime, end: datetime) -> None:
    assert parse_relative(text, now=NOW) == TimeRange(start, end)


@pytest.mark.parametrize(
    "text", ["last 0 days", "next week", "last 7 fortnights", "this 2 months", "7 days", ""]
)
def test_bad_relative_intervals_say_what_works(text: str) -> None:
    with pytest.raises(InvalidQuery) as caught:
        parse_relative(text, now=NOW)
    assert caught.value.argument is not None and "interval" in caught.value.argument


def test_iso_intervals_are_utc_and_ordered() -> None:
    got = resolve_interval(
        start="2024-01-01", end="2024-01-02T03:00:00+02:00", relative=None, now=NOW
    )
    assert got == TimeRange(at(2024, 1, 1), at(2024, 1, 2, 1))
    assert resolve_interval(start=None, end=None, relative=None, now=NOW) is None
    assert resolve_interval(
        start="2024-01-01T00:00:00Z", end=None, relative=None, now=NOW
    ) == TimeRange(at(2024, 1, 1), None)
    with pytest.raises(InvalidQuery, match="must come before"):
        resolve_interval(start="2024-02-01", end="2024-01-01", relative=None, now=NOW)
    with pytest.raises(InvalidQuery, match="not both"):
        resolve_interval(start="2024-02-01", end=None, relative="today", now=NOW)
    with pytest.raises(InvalidQuery, match="ISO-8601"):
        resolve_interval(start="01/02/2024'--", end=None, relative=None, now=NOW)


def test_druid_timestamp_text() -> None:
    assert druid_timestamp(NOW) == "2024-03-31T15:42:07.123Z"
