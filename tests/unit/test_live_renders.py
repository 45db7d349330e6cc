"""Subscription events are executed and serialised once for the subscribers that share them
(same operation, workspace and role), and never handed to anyone else (schema/live.py)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncGenerator
from typing import Any, cast

import strawberry
from graphql import ExecutionResult

from core.auth.model import Caller, Role, Workspace
from schema.context import Context, Info
from schema.errors import MaskUnexpectedErrors, SluiceSchema
from schema.live import renders_of


@strawberry.type
class Item:
    name: str

    @strawberry.field
    def seen_by(self, info: Info) -> str:
        """Depends on who asks: a shared result handed to the wrong caller would show it."""
        caller = info.context.member
        return f"{caller.workspace.id}/{caller.role.value}"

    @strawberry.field
    async def later(self) -> str:
        await asyncio.sleep(0)  # an async field: the execution is awaited, by all sharers
        return "later"

    @strawberry.field
    def broken(self) -> str:
        raise ValueError("/srv/secret")


EVENT = Item(name="one")  # what the broadcaster hands to every subscriber: one object


@strawberry.type
class Query:
    hello: str = "hi"


@strawberry.type
class Subscription:
    @strawberry.subscription
    async def items(self) -> AsyncGenerator[Item, None]:
        yield EVENT


WHO = "subscription { items { name seenBy } }"


def _schema() -> SluiceSchema:
    return SluiceSchema(query=Query, subscription=Subscription, extensions=[MaskUnexpectedErrors])


def _context(workspace: str, role: Role) -> Context:
    caller = Caller(workspace=Workspace(id=workspace, slug=workspace, druid_prefix=""), role=role)
    return Context(services=cast(Any, None), caller=caller)


async def _first(schema: SluiceSchema, query: str, context: Context) -> ExecutionResult:
    stream = await schema.subscribe(query, context_value=context)
    assert not isinstance(stream, ExecutionResult), stream
    async for result in stream:
        await stream.aclose()
        return cast(ExecutionResult, result)
    raise AssertionError("no event")


async def test_subscribers_of_one_operation_workspace_and_role_share_one_execution() -> None:
    schema = _schema()
    one = await _first(schema, WHO, _context("w1", Role.VIEWER))
    two = await _first(schema, WHO, _context("w1", Role.VIEWER))

    assert one.data == {"items": {"name": "one", "seenBy": "w1/VIEWER"}}
    assert two.data is one.data
    assert renders_of(schema).executions == 1


async def test_another_workspace_or_role_gets_its_own_execution() -> None:
    schema = _schema()
    seen = [
        (await _first(schema, WHO, _context(workspace, role))).data
        for workspace, role in [("w1", Role.VIEWER), ("w2", Role.VIEWER), ("w1", Role.ADMIN)]
    ]

    assert [data["items"]["seenBy"] for data in seen if data] == [
        "w1/VIEWER",
        "w2/VIEWER",
        "w1/ADMIN",
    ]
    assert renders_of(schema).executions == 3


async def test_another_document_gets_its_own_execution() -> None:
    schema = _schema()
    await _first(schema, WHO, _context("w1", Role.VIEWER))
    other = await _first(schema, "subscription { items { name } }", _context("w1", Role.VIEWER))

    assert other.data == {"items": {"name": "one"}}
    assert renders_of(schema).executions == 2


async def test_subscribers_arriving_while_an_async_execution_runs_wait_for_it() -> None:
    schema = _schema()
    query = "subscription { items { later seenBy } }"
    results = await asyncio.gather(
        *(_first(schema, query, _context("w1", Role.VIEWER)) for _ in range(3))
    )

    assert [r.data for r in results] == [{"items": {"later": "later", "seenBy": "w1/VIEWER"}}] * 3
    assert renders_of(schema).executions == 1


async def test_a_result_with_errors_is_never_shared() -> None:
    schema = _schema()
    query = "subscription { items { name broken } }"
    errors = [(await _first(schema, query, _context("w1", Role.VIEWER))).errors for _ in range(2)]

    incidents = [e[0].extensions["incident"] for e in errors if e and e[0].extensions]
    assert len(set(incidents)) == 2  # each subscriber's own error, own incident
    assert renders_of(schema).executions == 2


def test_a_next_frame_splices_each_operation_id_into_one_payload() -> None:
    renders = renders_of(_schema())
    data = {"items": {"name": "one"}}
    frames = [
        renders.encode_next({"id": op, "type": "next", "payload": {"data": data}})
        for op in ("1", 'we"ird')
    ]

    assert [json.loads(frame or "") for frame in frames] == [
        {"id": op, "type": "next", "payload": {"data": data}} for op in ("1", 'we"ird')
    ]
    with_errors = {"id": "1", "type": "next", "payload": {"data": None, "errors": []}}
    assert renders.encode_next(with_errors) is None
    assert renders.encode_next({"type": "connection_ack"}) is None
