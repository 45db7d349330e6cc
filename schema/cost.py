"""What one GraphQL operation may cost, computed from its document before any resolver runs.

Issue 10: one anonymous request of 30 aliases returned 188 MB, and four at once took the API
to 3.2 GB. The depth, alias and token limits bound the document's shape, not the work it
asks for; this bounds the work. The cost is an upper bound in points:

- a field that returns an object costs 1 plus what is selected under it, and a list of
  objects that times the list's size: its page-size argument (`first`, `limit`, `count`) as
  sent, else its default, clamped to the maximum its resolver allows; a variable with no
  value counts as that maximum;
- a page (`tasks(first:)`, `topN(limit:)`) counts once, and its item lists (`items`,
  `keys`, `values`) count its size; so an error member of its union costs no more than once;
- a list whose length is what the page's query asked for (a `groupBy`'s `dimensions` and
  `metrics` columns) counts the items of that list argument as sent;
- a list without a size argument counts with the typical upper size in `LIST_SIZES`;
- a field that reads S3 or queries Druid costs `EXTRA` on top, each time it appears;
- scalars cost nothing, aliases and fragment spreads count every time they appear, and
  every member of a union or interface is counted (the worst case).

Every list field of the schema must be listed in `LIST_SIZES` (tests/unit/test_cost.py
fails otherwise), so a new list cannot slip past the budget.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLField,
    GraphQLInterfaceType,
    GraphQLNamedType,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    ListValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    VariableNode,
    get_named_type,
    is_leaf_type,
)
from strawberry.extensions import SchemaExtension

from core.errors import ErrorCode
from core.queries.compiler import MAX_DIMENSIONS, MAX_METRICS


@dataclass(frozen=True, slots=True)
class ListSize:
    """How many items a list field returns at most.

    - `list`: `argument` as sent (else its default) clamped to `maximum`, or `maximum` itself
      for a list without an argument;
    - `page`: the field returns one object (a page, a dashboard result) whose item lists
      hold that many; the field itself counts once;
    - `items`: a list of the page in force (`maximum` where there is none);
    - `asked`: as many as the page's list `argument` holds (`maximum` when not known).
    """

    maximum: int
    argument: str | None = None
    kind: Literal["list", "page", "items", "asked"] = "list"


@dataclass(frozen=True, slots=True)
class _Page:
    """The page in force under a page field: its size, and how many items each of its list
    arguments holds (a groupBy's dimensions and metrics)."""

    rows: int
    asked: tuple[tuple[str, int], ...] = ()


def page(maximum: int, argument: str) -> ListSize:
    return ListSize(maximum, argument, "page")


ITEMS = ListSize(1, kind="items")
QUERY_ROWS = 10_000  # a dashboard query answers at most `query_max_rows` rows (default)

# "Type.field" -> its size. The maxima are the resolvers' clamps (schema/*/queries.py,
# types.py) and the dashboards' row cap.
LIST_SIZES: Mapping[str, ListSize] = {
    "Query.tasks": page(500, "first"),
    "Query.members": ListSize(100),
    "Query.apiTokens": ListSize(100),
    "Query.datasources": ListSize(100),
    "Query.timeseries": ListSize(QUERY_ROWS, kind="page"),  # buckets: no argument bounds them
    "Query.topN": page(QUERY_ROWS, "limit"),
    "Query.groupBy": page(QUERY_ROWS, "limit"),
    "Mutation.uploadFiles": ListSize(20),
    "TaskPage.items": ITEMS,
    "Dataset.tasks": ListSize(100, "limit"),
    "Dataset.uploads": page(100, "first"),
    "Dataset.columns": ListSize(100),
    "IngestionTask.quarantinePreview": ListSize(200, "limit"),
    "IngestionTask.events": ListSize(30),
    "IngestionTask.fixedBy": ListSize(5),  # fixes of one task's quarantined rows: a few
    "QuarantinedRow.values": ListSize(100),
    "Profile.columns": ListSize(100),
    "Profile.warnings": ListSize(10),
    "SchemaChanges.added": ListSize(100),  # at most a file's columns
    "SchemaChanges.missing": ListSize(100),
    "SchemaChanges.typeConflicts": ListSize(100),
    "ColumnProfile.histogram": ListSize(20),
    "ColumnProfile.nullTokens": ListSize(10),
    "Me.workspaces": ListSize(20),
    "TimeSeries.timestamps": ITEMS,
    "TimeSeries.values": ITEMS,
    "TopN.keys": ITEMS,
    "TopN.values": ITEMS,
    "GroupBy.dimensions": ListSize(MAX_DIMENSIONS, "dimensions", "asked"),
    "GroupBy.metrics": ListSize(MAX_METRICS, "metrics", "asked"),
    "DimensionColumn.values": ITEMS,
    "MetricColumn.values": ITEMS,
    "UnknownColumn.available": ListSize(100),
    "UnknownDatasource.available": ListSize(100),
    "UploadSession.uploadedParts": ListSize(100),
    "UploadSession.parts": ListSize(1000, "count"),
}

S3_READ = 100  # one object read and parsed (a quarantine preview: ~20 ms, up to 200 rows)
DRUID_QUERY = 100  # one Druid SQL query through the Broker
EXTRA: Mapping[str, int] = {
    "IngestionTask.quarantinePreview": S3_READ,
    "Query.timeseries": DRUID_QUERY,
    "Query.topN": DRUID_QUERY,
    "Query.groupBy": DRUID_QUERY,
}
# __schema / __type: bounded by the schema's size, asked for by GraphiQL and codegen.
INTROSPECTION = 100


@dataclass
class _Costing:
    schema: GraphQLSchema
    fragments: Mapping[str, FragmentDefinitionNode]
    variables: Mapping[str, Any]
    fragment_costs: dict[tuple[str, _Page | None], int] = field(default_factory=dict)

    def selections(
        self, selection_set: SelectionSetNode | None, parent: GraphQLNamedType, page: _Page | None
    ) -> int:
        total = 0
        for node in selection_set.selections if selection_set else ():
            if isinstance(node, FieldNode):
                total += self.field(node, parent, page)
            elif isinstance(node, InlineFragmentNode):
                condition = node.type_condition
                inner = self.schema.get_type(condition.name.value) if condition else parent
                total += self.selections(node.selection_set, inner or parent, page)
            elif isinstance(node, FragmentSpreadNode):
                total += self.fragment(node.name.value, page)
        return total

    def fragment(self, name: str, page: _Page | None) -> int:
        """A fragment costs the same wherever it is spread under the same page: computed once
        (a chain of fragments each spreading the next ten times must not take 10^n steps)."""
        key = (name, page)
        if key not in self.fragment_costs:
            self.fragment_costs[key] = 0  # a cycle (refused by validation anyway) ends here
            definition = self.fragments.get(name)
            if definition is not None:
                parent = self.schema.get_type(definition.type_condition.name.value)
                cost = self.selections(definition.selection_set, parent, page) if parent else 0
                self.fragment_costs[key] = cost
        return self.fragment_costs[key]

    def field(self, node: FieldNode, parent: GraphQLNamedType, page: _Page | None) -> int:
        name = node.name.value
        if name in ("__schema", "__type"):
            return INTROSPECTION
        definition = _field_of(parent, name)
        if definition is None:  # __typename, or a field validation refuses
            return 0
        key = f"{parent.name}.{name}"
        size = LIST_SIZES.get(key)
        count = 1
        if size is not None and size.kind == "page":
            page = _Page(self.size(node, definition, size), self.asked(node))
        elif size is not None and size.kind == "items":
            count = page.rows if page is not None else size.maximum
        elif size is not None and size.kind == "asked":
            asked = dict(page.asked).get(size.argument or "") if page else None
            count = size.maximum if asked is None else max(1, min(asked, size.maximum))
        elif size is not None:
            count = self.size(node, definition, size)
        extra = EXTRA.get(key, 0)
        named = get_named_type(definition.type)
        if is_leaf_type(named):
            return extra + (count if size else 0)
        return extra + count * (1 + self.selections(node.selection_set, named, page))

    def size(self, node: FieldNode, definition: GraphQLField, size: ListSize) -> int:
        if size.argument is None:
            return size.maximum
        sent: Any = size.maximum
        argument = definition.args.get(size.argument)
        if argument is not None and isinstance(argument.default_value, int):
            sent = argument.default_value
        for given in node.arguments or ():
            if given.name.value != size.argument:
                continue
            if isinstance(given.value, IntValueNode):
                sent = int(given.value.value)
            elif isinstance(given.value, VariableNode):
                sent = self.variables.get(given.value.name.value, size.maximum)
        if not isinstance(sent, int):  # null, or a value validation refuses later
            return size.maximum
        return max(1, min(sent, size.maximum))

    def asked(self, node: FieldNode) -> tuple[tuple[str, int], ...]:
        """How many items each list argument of `node` holds, as sent (a list literal, or a
        variable's list value); arguments whose length is not known are left out."""
        lengths = []
        for given in node.arguments or ():
            value: Any = None
            if isinstance(given.value, ListValueNode):
                value = given.value.values
            elif isinstance(given.value, VariableNode):
                value = self.variables.get(given.value.name.value)
            if isinstance(value, (list, tuple)):
                lengths.append((given.name.value, len(value)))
        return tuple(lengths)


def _field_of(parent: GraphQLNamedType, name: str) -> GraphQLField | None:
    if isinstance(parent, (GraphQLObjectType, GraphQLInterfaceType)):
        found: GraphQLField | None = parent.fields.get(name)
        return found
    return None


def operation_cost(
    schema: GraphQLSchema,
    document: DocumentNode,
    *,
    operation_name: str | None = None,
    variables: Mapping[str, Any] | None = None,
) -> int:
    """The cost of the operation a request runs (`operation_name`, or its only one)."""
    definitions = document.definitions
    fragments = {d.name.value: d for d in definitions if isinstance(d, FragmentDefinitionNode)}
    costing = _Costing(schema, fragments, variables or {})
    for operation in definitions:
        if not isinstance(operation, OperationDefinitionNode):
            continue
        if operation_name is not None and (
            operation.name is None or operation.name.value != operation_name
        ):
            continue
        costing.variables = {**_defaults(operation), **costing.variables}
        root = schema.get_root_type(operation.operation)
        return costing.selections(operation.selection_set, root, None) if root else 0
    return 0


def _defaults(operation: OperationDefinitionNode) -> dict[str, int]:
    """The operation's own integer defaults (`query($first: Int = 20)`)."""
    return {
        d.variable.name.value: int(d.default_value.value)
        for d in operation.variable_definitions or ()
        if isinstance(d.default_value, IntValueNode)
    }


def cost_refusal(cost: int, limit: int) -> GraphQLError:
    return GraphQLError(
        f"This request would cost {cost:,} points; the limit is {limit:,} per request. Ask "
        "for fewer items (a smaller `first` or `limit`), fewer nested lists or aliases, or "
        "split it into several requests.",
        extensions={"code": ErrorCode.COST_LIMIT.value, "cost": cost, "limit": limit},
    )


class CostLimit(SchemaExtension):
    """Refuses an operation over `limit` points before any resolver runs.

    Listed after ValidationCache: it counts only documents that passed validation, so every
    field and fragment it meets exists (and fragment cycles are already refused)."""

    def __init__(self, *, limit: int) -> None:
        self.limit = limit

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        document = context.graphql_document
        validated = context.pre_execution_errors is not None and not context.pre_execution_errors
        if document is not None and validated:
            cost = operation_cost(
                context.schema._schema,
                document,
                operation_name=context.operation_name,
                variables=context.variables,
            )
            if cost > self.limit:
                context.pre_execution_errors = [cost_refusal(cost, self.limit)]
        yield
