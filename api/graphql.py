"""The /graphql endpoint: Strawberry for queries, GraphiQL and subscriptions (WebSocket),
our streaming handler for multipart uploads.

The services come from the lifespan state (`request.state.services`, which Starlette fills
from what the lifespan yields), so the endpoint exists before the lifespan runs.
"""

from __future__ import annotations

from typing import Any

import strawberry
from starlette.requests import HTTPConnection, Request
from starlette.responses import JSONResponse, Response
from starlette.types import Receive, Scope, Send
from strawberry.asgi import GraphQL
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL, GRAPHQL_WS_PROTOCOL

from api.multipart import handle_multipart
from core.services import Services
from core.settings import Settings
from schema.context import Context


def services_of(connection: HTTPConnection) -> Services:
    services: Services = connection.state.services
    return services


class _StrawberryApp(GraphQL[Context, None]):
    def __init__(self, schema: strawberry.Schema, settings: Settings) -> None:
        super().__init__(
            schema,
            graphql_ide="graphiql",
            subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL, GRAPHQL_WS_PROTOCOL),
            allowed_origins=tuple(settings.allowed_origins),
            keep_alive=True,
            keep_alive_interval=15,
        )

    async def get_context(self, request: Any, response: Any) -> Context:
        return Context(services=services_of(request), request=request, response=response)


class GraphQLEndpoint:
    """ASGI app for /graphql that routes multipart POSTs to the streaming upload handler."""

    def __init__(self, schema: strawberry.Schema, settings: Settings) -> None:
        self.schema = schema
        self.strawberry = _StrawberryApp(schema, settings)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "POST":
            request = Request(scope, receive)
            if request.headers.get("content-type", "").startswith("multipart/form-data"):
                services = services_of(request)
                response = await handle_multipart(
                    request,
                    store=services.store,
                    max_file_bytes=services.settings.max_upload_bytes,
                    execute=self._execute,
                )
                await response(scope, receive, send)
                return
        await self.strawberry(scope, receive, send)

    async def _execute(self, request: Request, operations: dict[str, Any]) -> Response:
        result = await self.schema.execute(
            operations.get("query", ""),
            variable_values=operations.get("variables"),
            operation_name=operations.get("operationName"),
            context_value=Context(services=services_of(request), request=request),
        )
        body: dict[str, Any] = {"data": result.data}
        if result.errors:
            body["errors"] = [error.formatted for error in result.errors]
        return JSONResponse(body)
