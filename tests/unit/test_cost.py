"""The cost of a GraphQL operation, computed from its document (schema/cost.py)."""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any

import pytest
from graphql import (
    DocumentNode,
    FragmentDefinitionNode,
    GraphQLList,
    GraphQLObjectType,
    OperationDefinitionNode,
    get_nullable_type,
    parse,
)

from core.settings import Settings
from schema import build_schema
from schema.cost import DRUID_QUERY, LIST_SIZES, S3_READ, operation_cost

SCHEMA = build_schema()._schema
LIMIT = Settings.model_fields["graphql_max_cost"].default
FRONTEND = Path(__file__).resolve().parents[2] / "frontend" / "src"
PAGE = "... on TaskPage { items { id } }"


def cost(query: str, variables: dict[str, Any] | None = None, name: str | None = None) -> int:
    return operation_cost(SCHEMA, parse(query), operation_name=name, variables=variables)


def thirty_aliases() -> str:
    """The request from issue 10: 30 aliases of task pages with everything under them."""
    task = (
        "items { id events { message } profile { columns { name histogram { label count } } } "
        "quarantinePreview(limit: 200) { sourceRow values { column value } } }"
    )
    aliases = " ".join(f"a{i}: tasks {{ ... on TaskPage {{ {task} }} }}" for i in range(30))
    return "{ " + aliases + " }"


def test_every_list_field_of_the_schema_has_a_size() -> None:
    """A new list field must say how long it can be, or the budget would not see it."""
    lists = {
        f"{type_name}.{field_name}"
        for type_name, graphql_type in SCHEMA.type_map.items()
        if isinstance(graphql_type, GraphQLObjectType) and not type_name.startswith("__")
        for field_name, field in graphql_type.fields.items()
        if isinstance(get_nullable_type(field.type), GraphQLList)
    }
    assert lists - set(LIST_SIZES) == set()


def test_every_sized_field_and_argument_exists() -> None:
    for key, size in LIST_SIZES.items():
        type_name, field_name = key.split(".")
        graphql_type = SCHEMA.type_map[type_name]
        assert isinstance(graphql_type, GraphQLObjectType), key
        assert field_name in graphql_type.fields, key
        if size.argument and size.kind == "asked":  # an argument of the page's field
            assert any(size.argument in args for args in _page_arguments()), key
        elif size.argument:
            assert size.argument in graphql_type.fields[field_name].args, key


def _page_arguments() -> list[dict[str, Any]]:
    pages = [key.split(".") for key, size in LIST_SIZES.items() if size.kind == "page"]
    return [SCHEMA.type_map[t].fields[f].args for t, f in pages]  # type: ignore[union-attr]


def test_objects_cost_one_and_scalars_nothing() -> None:
    assert cost("{ __typename }") == 0
    assert cost("{ me { email role workspace } }") == 1


def test_a_page_costs_its_size_times_its_items() -> None:
    assert cost(f"{{ tasks {{ {PAGE} }} }}") == 1 + 50  # the page, and its default `first` of items
    assert cost(f"{{ tasks(first: 10) {{ {PAGE} }} }}") == 1 + 10
    assert cost(f"{{ tasks(first: 100000) {{ {PAGE} }} }}") == 1 + 500  # the resolver's clamp
    assert cost(f"{{ tasks(first: -5) {{ {PAGE} }} }}") == 1 + 1


def test_a_variable_counts_as_sent_or_its_default_or_the_maximum() -> None:
    query = f"query($n: Int!) {{ tasks(first: $n) {{ {PAGE} }} }}"
    assert cost(query, {"n": 7}) == 1 + 7
    assert cost(query) == 1 + 500
    defaulted = f"query($n: Int = 3) {{ tasks(first: $n) {{ {PAGE} }} }}"
    assert cost(defaulted) == 1 + 3
    assert cost(defaulted, {"n": 9}) == 1 + 9


def test_nested_lists_multiply() -> None:
    query = "{ tasks(first: 10) { ... on TaskPage { items { events { message } } } } }"
    assert cost(query) == 1 + 10 * (1 + 30 * 1)  # the page, its tasks, their events


def test_aliases_and_fragment_spreads_count_each_time() -> None:
    one = cost(f"{{ tasks(first: 10) {{ {PAGE} }} }}")
    two = f"{{ a: tasks(first: 10) {{ {PAGE} }} b: tasks(first: 10) {{ {PAGE} }} }}"
    assert cost(two) == 2 * one
    spread = """
        query { tasks(first: 10) { ...Page ...Page } }
        fragment Page on TaskPage { items { id } }
    """
    assert cost(spread) == 1 + 2 * 10


def test_a_page_multiplies_its_item_lists_not_its_problems() -> None:
    """A dashboard result of `limit` rows: its columns count the rows; the problem member of
    its union (with its own list) counts once."""
    query = (
        '{ topN(datasource: "d", dimension: "c", metric: {aggregate: COUNT}, limit: 100) '
        "{ ... on TopN { keys values } ... on UnknownColumn { available } } }"
    )
    assert cost(query) == DRUID_QUERY + 1 + (100 + 100 + 100)


def group_by(dimensions: int, metrics: int, limit: int = 10_000) -> str:
    """A groupBy of `dimensions` columns and `metrics` sums, with every column's values."""
    names = ", ".join(f'"d{i}"' for i in range(dimensions))
    sums = ", ".join(f'{{aggregate: SUM, column: "m{i}"}}' for i in range(metrics))
    return (
        f'{{ groupBy(datasource: "d", dimensions: [{names}], metrics: [{sums}], limit: {limit}) '
        "{ __typename ... on GroupBy { dimensions { name values } metrics { name values } } } }"
    )


def test_a_group_by_costs_the_columns_it_asks_for() -> None:
    """Sized by the dimensions and metrics asked for, not by the most allowed: a 10,000-row
    table of 2 dimensions and 2 metrics is within the limit, 10 and 20 of them are not."""
    assert cost(group_by(2, 2)) == DRUID_QUERY + 1 + 4 * (1 + 10_000)
    assert cost(group_by(2, 2)) <= LIMIT
    assert cost(group_by(10, 20)) == DRUID_QUERY + 1 + 30 * (1 + 10_000)
    assert cost(group_by(10, 20)) > LIMIT
    assert cost(group_by(50, 50)) == cost(group_by(10, 20))  # the compiler's maxima
    variables = (
        'query($d: [String!]!, $m: [MetricInput!]!) { groupBy(datasource: "d", dimensions: $d, '
        "metrics: $m, limit: 10000) { ... on GroupBy { dimensions { values } } } }"
    )
    assert cost(variables, {"d": ["a"], "m": []}) == DRUID_QUERY + 1 + 1 * (1 + 10_000)
    assert cost(variables) == DRUID_QUERY + 1 + 10 * (1 + 10_000)  # not sent: the maximum


def test_reading_s3_costs_extra() -> None:
    plain = cost("{ task(id: 1) { id } }")
    preview = cost("{ task(id: 1) { quarantinePreview(limit: 2) { sourceRow } } }")
    assert preview == plain + S3_READ + 2 * 1


def test_only_the_operation_that_runs_is_counted() -> None:
    document = f"query Small {{ me {{ email }} }} query Big {{ tasks {{ {PAGE} }} }}"
    assert cost(document, name="Small") == 1
    assert cost(document, name="Big") == 51


def test_a_chain_of_fragments_is_counted_without_expanding_it() -> None:
    """F0 spreads F1 ten times, F1 spreads F2 ten times...: 10^20 spreads, counted at once."""
    fragments = [
        f"fragment F{i} on Query {{ {' '.join([f'...F{i + 1}'] * 10)} }}" for i in range(20)
    ]
    fragments.append("fragment F20 on Query { me { email } }")
    started = time.process_time()
    assert cost("query { ...F0 } " + " ".join(fragments)) == 10**20
    assert time.process_time() - started < 1


def test_the_thirty_alias_request_is_over_the_limit() -> None:
    assert cost(thirty_aliases()) > 100 * LIMIT


def _web_app_documents() -> list[tuple[str, DocumentNode]]:
    """Every operation the web app sends, with the fragments it spreads."""
    blocks = []
    for path in sorted(FRONTEND.rglob("*.ts*")):
        if ".test." in path.name or "gql" in path.parts:
            continue
        for text in re.findall(r"gql`(.*?)`", path.read_text(), flags=re.S):
            blocks.append(parse(re.sub(r"\$\{\w+\}", "", text)))
    fragments = [
        d for block in blocks for d in block.definitions if isinstance(d, FragmentDefinitionNode)
    ]
    return [
        (d.name.value if d.name else "?", DocumentNode(definitions=(d, *fragments)))
        for block in blocks
        for d in block.definitions
        if isinstance(d, OperationDefinitionNode)
    ]


@pytest.mark.parametrize(("name", "document"), _web_app_documents(), ids=lambda v: str(v)[:40])
def test_every_web_app_operation_is_within_the_default_limit(
    name: str, document: DocumentNode
) -> None:
    assert operation_cost(SCHEMA, document, operation_name=name) <= LIMIT


def test_the_web_app_sends_the_operations_checked_here() -> None:
    names = {name for name, _ in _web_app_documents()}
    assert {"Task", "Tasks", "TaskFeed", "Datasources"} <= names
