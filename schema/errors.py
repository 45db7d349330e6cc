"""Errors in the GraphQL API: the `UserError` interface every error result implements, and
the masking of everything else.

Expected problems are data: an operation returns a union of its result and types that
implement `UserError` (code + message). Only two kinds of exception text reach a client:
GraphQL's own errors (syntax, validation, limits) and `core.errors.VisibleError`. Every other
exception is a bug or an infrastructure fault; the client gets a plain sentence with an
incident id, and the log gets the same id with the traceback.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator
from typing import Any

import strawberry
from graphql import ExecutionResult, GraphQLError, StringValueNode, Visitor, visit
from strawberry.extensions import MaskErrors, SchemaExtension
from strawberry.extensions.runner import SchemaExtensionsRunner
from strawberry.types import ExecutionContext
from strawberry.types.graphql import OperationType

from core.errors import ErrorCode as CoreErrorCode
from core.errors import VisibleError
from schema.enums import ErrorCode
from schema.live import LeanExtensionsRunner, SharedEventExecutor, SharedRenders

log = logging.getLogger("sluice.api")

UNEXPECTED_ERROR = (
    "Sluice hit an unexpected error while answering this request. It has been logged as "
    "incident {incident}; try again, and if it keeps happening report that incident id."
)


@strawberry.interface(description="An expected problem: a stable code and a sentence for people.")
class UserError:
    code: ErrorCode
    message: str = strawberry.field(description="What happened, why, and what to do next.")


@strawberry.type(description="An argument cannot be used as it was given.")
class InvalidArgument(UserError):
    argument: str = strawberry.field(description="The argument at fault.")


def is_unexpected(error: GraphQLError) -> bool:
    """Bugs and infrastructure faults: their text is not for the person using the app."""
    original = error.original_error
    return original is not None and not isinstance(original, (GraphQLError, VisibleError))


class MaskUnexpectedErrors(MaskErrors):
    """Masks unexpected errors behind an incident id (logged with the traceback) and gives a
    VisibleError its `extensions.code`; GraphQL's own errors pass unchanged."""

    def __init__(self) -> None:
        super().__init__(should_mask_error=_raised_by_us)

    def _process_result(self, result: object) -> None:
        # Strawberry's check is `isinstance(result, <a runtime Protocol>)`: 0.1 ms per
        # subscription event per subscriber, 15% of a fan-out's CPU (bench/RESULTS.md).
        errors = getattr(result, "errors", None)
        if errors:
            result.errors = self._process_errors(errors)  # type: ignore[attr-defined]

    def anonymise_error(self, error: GraphQLError) -> GraphQLError:
        original = error.original_error
        if isinstance(original, VisibleError):
            return _with_extensions(error, original.message, {"code": original.code.value})
        assert original is not None
        incident = uuid.uuid4().hex[:12]
        log.error(
            "incident %s: unexpected error at %s",
            incident,
            ".".join(map(str, error.path or ())) or "(operation)",
            exc_info=(type(original), original, original.__traceback__),
        )
        return _with_extensions(
            error,
            UNEXPECTED_ERROR.format(incident=incident),
            {"code": CoreErrorCode.INTERNAL_ERROR.value, "incident": incident},
        )


def _raised_by_us(error: GraphQLError) -> bool:
    """Raised by a resolver (not GraphQL's parsing, validation or limits): rewritten."""
    return error.original_error is not None and not isinstance(error.original_error, GraphQLError)


def _with_extensions(error: GraphQLError, message: str, extensions: dict[str, Any]) -> GraphQLError:
    return GraphQLError(
        message=message,
        nodes=error.nodes,
        source=error.source,
        positions=error.positions,
        path=error.path,
        original_error=None,
        extensions={**(error.extensions or {}), **extensions},
    )


class RejectNulCharacters(SchemaExtension):
    """Refuses text arguments holding U+0000 before any resolver runs: PostgreSQL cannot
    store that character, so each query would otherwise fail as an unexpected error."""

    def on_execute(self) -> Iterator[None]:
        context = self.execution_context
        document = context.graphql_document
        if _holds_nul(context.variables) or (document is not None and _literal_nul(document)):
            refused = VisibleError(
                "A text argument contains the NUL character (U+0000), which Sluice cannot "
                "store or look up. Remove it and send the request again.",
                code=CoreErrorCode.INVALID_REQUEST,
            )
            if context.operation_type is OperationType.SUBSCRIPTION:
                raise refused  # Strawberry reports it through the masking
            # A result set here is the answer: the operation is not executed.
            error = GraphQLError(refused.message, extensions={"code": refused.code.value})
            context.result = ExecutionResult(data=None, errors=[error])
        yield


def _holds_nul(value: object) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_holds_nul(v) for v in value.values())
    if isinstance(value, list):
        return any(_holds_nul(v) for v in value)
    return False


def _literal_nul(document: Any) -> bool:
    class Finder(Visitor):
        found = False

        def enter_string_value(self, node: StringValueNode, *_: object) -> None:
            self.found = self.found or "\x00" in node.value

    finder = Finder()
    visit(document, finder)
    return finder.found


class SluiceSchema(strawberry.Schema):
    """Logs each refused request once, at INFO and without a traceback: a bad query, a
    permission refusal or a `VisibleError` is the caller's to fix, not an incident.
    Unexpected errors are logged by `MaskUnexpectedErrors`, at ERROR, with their incident id.

    Holds the process's `SharedRenders` (schema/live.py): subscription events are executed
    and serialised once for all subscribers that share them."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("execution_context_class", SharedEventExecutor)
        super().__init__(*args, **kwargs)
        self.renders = SharedRenders()

    def create_extensions_runner(
        self, execution_context: ExecutionContext, extensions: list[SchemaExtension]
    ) -> SchemaExtensionsRunner:
        return LeanExtensionsRunner(execution_context, extensions)

    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        for error in errors:
            if is_unexpected(error):
                continue
            original = error.original_error
            code = (
                original.code.value
                if isinstance(original, VisibleError)
                else (error.extensions or {}).get("code", "INVALID_QUERY")
            )
            log.info("refused (%s): %s", code, error.message)
