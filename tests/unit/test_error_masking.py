"""Only GraphQL's own errors and VisibleError reach clients with their text; every other
exception becomes a plain sentence with an incident id, logged with its traceback."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import AsyncGenerator
from typing import Any

import pytest
import strawberry
from graphql import GraphQLError
from strawberry.permission import BasePermission

from core.errors import ErrorCode, VisibleError
from schema.errors import MaskUnexpectedErrors, SluiceSchema

_RAISE: dict[str, Exception] = {
    "value": ValueError("invalid literal for int() with base 10: '/srv/secret'"),
    "json": json.JSONDecodeError("Expecting value", "{", 1),
    "unicode": UnicodeDecodeError("utf-8", b"\xff", 0, 1, "invalid start byte"),
    "key": KeyError("druid_task_id"),
    "connection": ConnectionRefusedError("127.0.0.1:5433"),
    "visible": VisibleError("There is no task 42. Check the id.", code=ErrorCode.NOT_FOUND),
}


class Refuse(BasePermission):
    def has_permission(self, source: Any, info: strawberry.Info, **kwargs: Any) -> bool:
        raise GraphQLError("Not yours.", extensions={"code": "FORBIDDEN"})


@strawberry.type
class Query:
    @strawberry.field
    def fail(self, kind: str) -> str:
        raise _RAISE[kind]

    @strawberry.field(permission_classes=[Refuse])
    def guarded(self) -> str:
        return "secret"


@strawberry.type
class Subscription:
    @strawberry.subscription
    async def fail_later(self, kind: str) -> AsyncGenerator[str, None]:
        yield "first"
        raise _RAISE[kind]

    @strawberry.subscription(permission_classes=[Refuse])
    async def guarded_feed(self) -> AsyncGenerator[str, None]:
        yield "secret"


SCHEMA = SluiceSchema(query=Query, subscription=Subscription, extensions=[MaskUnexpectedErrors])


async def _error(kind: str) -> dict[str, Any]:
    result = await SCHEMA.execute(f'{{ fail(kind: "{kind}") }}')
    assert result.errors is not None and len(result.errors) == 1
    return result.errors[0].formatted  # type: ignore[return-value]


@pytest.mark.parametrize("kind", ["value", "json", "unicode", "key", "connection"])
async def test_every_other_exception_is_masked_with_an_incident_id_that_is_logged(
    kind: str, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.ERROR, logger="sluice.api"):
        error = await _error(kind)

    assert str(_RAISE[kind]) not in error["message"]
    assert "unexpected error" in error["message"]
    incident = error["extensions"]["incident"]
    assert re.fullmatch(r"[0-9a-f]{12}", incident)
    assert incident in error["message"]
    assert error["extensions"]["code"] == "INTERNAL_ERROR"
    logged = [r for r in caplog.records if incident in r.getMessage()]
    assert len(logged) == 1
    assert logged[0].exc_info is not None and logged[0].exc_info[1] is _RAISE[kind]


async def test_a_visible_error_keeps_its_words_and_carries_its_code() -> None:
    error = await _error("visible")
    assert error["message"] == "There is no task 42. Check the id."
    assert error["extensions"] == {"code": "NOT_FOUND"}


async def test_graphql_validation_errors_keep_their_words() -> None:
    result = await SCHEMA.execute("{ nope }")
    assert result.errors is not None
    assert "Cannot query field 'nope'" in result.errors[0].message


async def test_an_error_inside_a_subscription_is_masked_too() -> None:
    stream = await SCHEMA.subscribe('subscription { failLater(kind: "key") }')
    assert not isinstance(stream, strawberry.types.ExecutionResult)
    results = [result async for result in stream]
    assert results[0].data == {"failLater": "first"}
    assert results[-1].errors is not None
    error = results[-1].errors[0]
    assert "druid_task_id" not in error.message
    assert error.extensions is not None and error.extensions["code"] == "INTERNAL_ERROR"


async def _run(document: str) -> None:
    if not document.startswith("subscription"):
        await SCHEMA.execute(document)
        return
    stream = await SCHEMA.subscribe(document)
    if hasattr(stream, "__aiter__"):
        async for _ in stream:
            pass


@pytest.mark.parametrize(
    ("document", "code"),
    [
        ("{ nope }", "INVALID_QUERY"),
        ("{ guarded }", "FORBIDDEN"),
        ('{ fail(kind: "visible") }', "NOT_FOUND"),
        ("subscription { guardedFeed }", "FORBIDDEN"),
    ],
)
async def test_refusals_are_logged_once_at_info_without_a_traceback(
    document: str, code: str, caplog: pytest.LogCaptureFixture
) -> None:
    """A bad query or a refusal is the caller's to fix: no ERROR line, no traceback."""
    with caplog.at_level(logging.DEBUG):
        await _run(document)
    assert [r for r in caplog.records if r.levelno >= logging.WARNING] == []
    refused = [r for r in caplog.records if r.getMessage().startswith(f"refused ({code})")]
    assert len(refused) == 1 and refused[0].levelno == logging.INFO
    assert refused[0].exc_info is None
