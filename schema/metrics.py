"""A Strawberry extension that counts and times every GraphQL operation (core/metrics.py)."""

from __future__ import annotations

import time
from collections.abc import Iterator

from strawberry.extensions import SchemaExtension
from strawberry.types.graphql import OperationType

from core import metrics


class OperationMetrics(SchemaExtension):
    """Queries and mutations: counted by name and outcome, timed. Subscriptions: counted, and
    held open in `sluice_subscriptions` for as long as they stream (Strawberry runs
    `on_operation` around the whole stream)."""

    def on_operation(self) -> Iterator[None]:
        started = time.perf_counter()
        self._subscription: str | None = None
        try:
            yield
        finally:
            self._record(time.perf_counter() - started)

    def on_execute(self) -> Iterator[None]:
        context = self.execution_context
        if _kind(context) == OperationType.SUBSCRIPTION.value:
            self._subscription = metrics.subscription_opened(context.operation_name)
        yield

    def _record(self, seconds: float) -> None:
        context = self.execution_context
        kind = _kind(context)
        if self._subscription is not None:
            metrics.subscription_closed(self._subscription)
        result = context.result
        ok = not context.pre_execution_errors and not (result is not None and result.errors)
        timed = kind != OperationType.SUBSCRIPTION.value
        metrics.graphql_operation(
            context.operation_name, kind, ok=ok, seconds=seconds if timed else None
        )


def _kind(context: object) -> str:
    """query, mutation or subscription; `invalid` when the document could not be read."""
    try:
        operation_type = context.operation_type  # type: ignore[attr-defined]
    except Exception:  # Strawberry raises when the document does not parse
        return "invalid"
    return str(operation_type.value)
