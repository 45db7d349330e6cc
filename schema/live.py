"""Subscription events rendered once per process, however many subscribers share them.

Measured with 10,000 `taskFeed` subscribers (bench/RESULTS.md "Fan-out"): the process read each
change once, then spent ~0.2 ms per subscriber executing the same selection set on the same
task, serialising the same JSON and sending it; 2 s of one event loop per change. Subscribers
of one operation (the same parsed document and variables) in one workspace with one role get
the same answer, so here it is computed once:

- `SharedRenders.view`: one GraphQL object per task state the broadcaster hands out, so every
  subscriber's event is the *same* root value;
- `SharedEventExecutor`: one execution per (event, operation, variables, workspace, role);
  the other subscribers of that key get the same `ExecutionResult`. A result with errors is
  never shared: each subscriber executes again and gets its own errors (incident ids, logs);
- `SharedRenders.encode_next`: one JSON serialisation per shared result; each subscriber's
  `next` frame splices its operation id in front of the shared payload.

Everything is keyed by object identity, and each entry holds the objects it is keyed by, so an
id cannot be reused while its entry lives; the entries are bounded (least recently used go).
"""

from __future__ import annotations

import asyncio
import json
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable
from typing import Any, Generic, TypeVar, cast

from graphql import ExecutionResult, OperationDefinitionNode
from strawberry.extensions import SchemaExtension
from strawberry.extensions.context import StreamResultContextManager
from strawberry.extensions.runner import SchemaExtensionsRunner
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.types import ExecutionContext as OperationContext
from strawberry.types import StreamExecutionResult
from strawberry.utils.await_maybe import await_maybe

from schema.context import Context

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")

# Entries kept per kind. An entry is useful while one change is delivered (about a second);
# 1,024 still share a burst of changes to 1,000 tasks, and bound what a wide task's profile,
# held by its view, its result and its JSON, can cost.
_KEEP = 1024


class _Recent(Generic[K, V]):
    """A bounded map that forgets the least recently used entry first."""

    def __init__(self, keep: int = _KEEP) -> None:
        self._entries: OrderedDict[K, V] = OrderedDict()
        self._keep = keep

    def get(self, key: K) -> V | None:
        entry = self._entries.get(key)
        if entry is not None:
            self._entries.move_to_end(key)
        return entry

    def put(self, key: K, value: V) -> V:
        self._entries[key] = value
        self._entries.move_to_end(key)
        if len(self._entries) > self._keep:
            self._entries.popitem(last=False)
        return value

    def drop(self, key: K) -> None:
        self._entries.pop(key, None)


ExecutionOutcome = ExecutionResult | Awaitable[ExecutionResult]


class SharedRenders:
    """The process's renders of subscription events (one per schema, see `SluiceSchema`)."""

    def __init__(self) -> None:
        # Each value starts with the objects its key's ids are taken from (kept alive).
        self._views: _Recent[int, tuple[object, object]] = _Recent()
        self._results: _Recent[tuple[Hashable, ...], tuple[object, object, Any]] = _Recent()
        self._payloads: _Recent[int, tuple[object, str]] = _Recent()
        self.executions = 0  # selection sets executed for subscription events (tests, bench)

    def view(self, model: V, build: Callable[[V], object]) -> Any:
        """`build(model)`, once per model object: what the broadcaster handed to every
        watcher becomes one GraphQL object for every subscriber."""
        found = self._views.get(id(model))
        if found is None:
            found = self._views.put(id(model), (model, build(model)))
        return found[1]

    def shared(self, key: tuple[Hashable, ...]) -> ExecutionResult | None:
        """The result for `key` if a subscriber has it already (and without errors)."""
        found = self._results.get(key)
        shared = found[2] if found is not None else None
        return shared if isinstance(shared, ExecutionResult) else None

    def result(
        self, key: tuple[Hashable, ...], holds: tuple[object, object], execute: Callable[[], Any]
    ) -> ExecutionOutcome:
        """The result for `key` (ids of the objects in `holds`, plus plain values): executed
        by the first subscriber, shared with the others. Never shares a result with errors."""
        found = self._results.get(key)
        if found is not None:
            shared = found[2]
            if isinstance(shared, ExecutionResult):
                return shared
            return self._await_shared(key, shared, execute)  # another one is executing it
        self.executions += 1
        outcome = execute()
        if isinstance(outcome, ExecutionResult):
            if not outcome.errors:
                self._results.put(key, (*holds, outcome))
            return outcome
        future = asyncio.ensure_future(outcome)
        self._results.put(key, (*holds, future))
        future.add_done_callback(lambda done: self._settle(key, holds, done))
        return self._await_shared(key, future, execute)

    def _settle(
        self, key: tuple[Hashable, ...], holds: tuple[object, object], done: asyncio.Future[Any]
    ) -> None:
        """An execution others waited for has ended: keep its result if it can be shared."""
        failed = done.cancelled() or done.exception() is not None or done.result().errors
        if failed:
            self._results.drop(key)
        else:
            self._results.put(key, (*holds, done.result()))

    async def _await_shared(
        self, key: tuple[Hashable, ...], future: asyncio.Future[Any], execute: Callable[[], Any]
    ) -> ExecutionResult:
        # shield: a subscriber leaving does not cancel the execution the others wait for.
        result = cast(ExecutionResult, await asyncio.shield(future))
        if not result.errors:
            return result
        self.executions += 1
        outcome = execute()  # this subscriber's own execution, with its own errors
        return cast(ExecutionResult, await outcome if isinstance(outcome, Awaitable) else outcome)

    def encode_next(self, message: object) -> str | None:
        """A graphql-transport-ws `next` message holding only data, as JSON, serialising
        each shared data object once; None for any other message."""
        if not isinstance(message, dict) or message.get("type") != "next":
            return None
        payload = message.get("payload")
        if not isinstance(payload, dict) or payload.keys() != {"data"}:
            return None  # errors or extensions are the subscriber's own
        data = payload["data"]
        found = self._payloads.get(id(data))
        if found is None:
            encoded = json.dumps({"data": data}, separators=(",", ":"))
            found = self._payloads.put(id(data), (data, encoded))
        operation_id = json.dumps(message["id"])
        return f'{{"id":{operation_id},"type":"next","payload":{found[1]}}}'


def renders_of(schema: object) -> SharedRenders:
    """The renders of a Strawberry schema, or of the graphql-core schema Strawberry built."""
    strawberry_schema = getattr(schema, "_strawberry_schema", schema)
    renders: SharedRenders = strawberry_schema.renders  # type: ignore[attr-defined]
    return renders


def _operation_key(operation: OperationDefinitionNode) -> tuple[Hashable, ...]:
    """The document's text and the operation's name: two subscribers sending the same text
    share, whether or not the parser cache handed them the same parsed document."""
    name = operation.name.value if operation.name else None
    document = operation.loc.source.body if operation.loc else id(operation)
    return document, name


class SharedEventExecutor(StrawberryGraphQLCoreExecutionContext):
    """graphql-core's executor, sharing the execution of each subscription event with the
    other subscribers of the same operation, workspace and role (the permission classes
    decide by role within a workspace, so their outcome is the same)."""

    _event_key: tuple[Hashable, ...] | None = None  # set on per-event executors only
    _share_as: tuple[Hashable, ...] | None = None  # the subscription's part of the key

    def build_per_event_executor(self, payload: Any) -> Any:
        share_as = self._share_as or self._subscription_key()
        if share_as is None:  # (no caller: nothing to share, executed as usual)
            return super().build_per_event_executor(payload)
        key = (id(payload), *share_as)
        renders = renders_of(self.schema)
        shared = renders.shared(key)
        if shared is not None:  # graphql-core only calls `execute_operation` on it
            return _SharedEvent(shared)
        executor = cast(SharedEventExecutor, super().build_per_event_executor(payload))
        executor._event_key = key
        return executor

    def _subscription_key(self) -> tuple[Hashable, ...] | None:
        """Document, operation, variables, workspace and role: the same for every event of
        the subscription, so computed at its first event."""
        context = self.context_value
        caller = context.caller if isinstance(context, Context) else None
        if caller is None:
            return None
        variables = json.dumps(self.variable_values.coerced, sort_keys=True, default=str)
        who = (caller.workspace.id, caller.role.value)
        self._share_as = (*_operation_key(self.operation), variables, *who)
        return self._share_as

    def execute_operation(self, serially: bool | None = None) -> Any:
        key = self._event_key
        if key is None:
            return super().execute_operation(serially)
        return renders_of(self.schema).result(
            key,
            (self.root_value, self.operation),
            lambda: super(SharedEventExecutor, self).execute_operation(serially),
        )


class _SharedEvent:
    """Stands in for a per-event executor whose result another subscriber already has:
    copying graphql-core's executor per subscriber cost more than the lookup."""

    __slots__ = ("_shared",)

    def __init__(self, shared: ExecutionResult) -> None:
        self._shared = shared

    def execute_operation(self, serially: bool | None = None) -> ExecutionResult:
        return self._shared


class LeanExtensionsRunner(SchemaExtensionsRunner):
    """Strawberry's runner, asking only the extensions that define a per-result hook.

    For every result of a subscription, Strawberry collects `get_results` from each of the
    schema's nine extensions and builds an `on_stream_result` context over all of them: about
    a third of a delivery's Python time once execution was shared (cProfile, 1,000 feed
    subscribers). One of the nine defines `on_stream_result` (masking) and none `get_results`.
    """

    def __init__(
        self, execution_context: OperationContext, extensions: list[SchemaExtension] | None = None
    ) -> None:
        super().__init__(execution_context, extensions)
        self._with_results = _defining(self.extensions, "get_results")
        self._on_stream_result = _defining(self.extensions, "on_stream_result")

    async def get_extensions_results(self, ctx: OperationContext) -> dict[str, Any]:
        data: dict[str, Any] = {}
        for extension in self._with_results:
            data.update(await await_maybe(extension.get_results()))
        data.update(ctx.extensions_results)
        return data

    def on_stream_result(self, result: StreamExecutionResult) -> StreamResultContextManager:
        return StreamResultContextManager(self._on_stream_result, result)


def _defining(extensions: list[SchemaExtension], hook: str) -> list[SchemaExtension]:
    default = getattr(SchemaExtension, hook)
    return [e for e in extensions if getattr(type(e), hook) is not default]
