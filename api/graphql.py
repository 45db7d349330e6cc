"""The /graphql endpoint: Strawberry for queries, GraphiQL and subscriptions (WebSocket),
our streaming handler for multipart uploads. Every request is identified here first
(api/identity.py); the fields' permission classes (schema/permissions.py) decide the rest.

The services come from the lifespan state (`request.state.services`, which Starlette fills
from what the lifespan yields), so the endpoint exists before the lifespan runs.
"""

from __future__ import annotations

from typing import Any

import strawberry
from graphql import GraphQLError
from starlette.requests import HTTPConnection, Request
from starlette.responses import JSONResponse, Response
from starlette.types import Receive, Scope, Send
from strawberry.asgi import ASGIWebSocketAdapter, GraphQL
from strawberry.exceptions import ConnectionRejectionError
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import (
    BaseGraphQLTransportWSHandler,
)
from strawberry.subscriptions.protocols.graphql_transport_ws.types import (
    ErrorMessage,
    SubscribeMessage,
)
from strawberry.types.unset import UnsetType

from api.identity import BadCredentials, Identity, identify
from api.multipart import handle_multipart
from core.auth import Caller, Role
from core.auth.ratelimit import Refusal, address_of, refusal, upload_refusal
from core.services import Services
from core.settings import Settings
from schema.context import Context
from schema.live import renders_of

BAD_TOKEN = (
    "The API token or session sent with this request is unknown, expired or revoked. "
    "Sign in again, or ask a workspace admin for a new token."
)
GRAPHIQL_SIGN_IN = (
    "GraphiQL is for signed-in users. Sign in on the web app first (/), then open /graphql "
    "again; a GraphQL client sends its API token as `Authorization: Bearer <token>`."
)
# Why a websocket was refused at connection_init, as its close reason (4403): a WebSocket
# close reason holds at most 123 bytes, so these are short forms of BAD_TOKEN.
WS_SIGN_IN = (
    "Forbidden: not signed in. Sign in, or send connection_init {authorization: 'Bearer <token>'}."
)
WS_BAD_TOKEN = (
    "Forbidden: the token or session is unknown, expired or revoked. Sign in again or get a new "
    "token."
)
WS_RATE_LIMITED = "Too many websocket connections this minute: try again in {seconds} s."
_REFUSAL = "sluice.ws_refusal"  # where on_ws_connect leaves the reason, in the ASGI scope
UPLOAD_ROLE = (
    "Uploading needs the EDITOR role in a workspace. Sign in, or send an editor's API token "
    "as `Authorization: Bearer <token>`."
)


def services_of(connection: HTTPConnection) -> Services:
    services: Services = connection.state.services
    return services


def _problem(
    status: int, message: str, code: str, headers: dict[str, str] | None = None
) -> Response:
    body = {"errors": [{"message": message, "extensions": {"code": code}}]}
    return JSONResponse(body, status, headers=headers)


def _rate_limited(refused: Refusal) -> Response:
    headers = {"retry-after": str(refused.retry_after)}
    return _problem(429, refused.message, "RATE_LIMITED", headers)


async def operation_refusal(
    services: Services, *, subscription: bool, caller: Caller | None, address: str | None
) -> Refusal | None:
    """Per token (or user, or address) and minute: GraphQL operations over HTTP, and
    subscriptions started over a websocket."""
    settings = services.settings
    return await refusal(
        services.redis,
        kind="subscribe" if subscription else "query",
        what="subscriptions started" if subscription else "GraphQL requests",
        per_minute=settings.subscription_rate_per_minute
        if subscription
        else settings.query_rate_per_minute,
        caller=caller,
        address=address,
    )


class _TransportWS(BaseGraphQLTransportWSHandler[Context, None]):
    """graphql-transport-ws, with each operation started counted against the caller's
    subscription budget; a refused one gets an `error` message (RATE_LIMITED), and the
    connection stays open."""

    async def handle_subscribe(self, message: SubscribeMessage) -> None:
        context = self.context
        if self.connection_acknowledged and message["id"] not in self.operations:
            refused = await operation_refusal(
                context.services,
                subscription=True,
                caller=context.caller,
                address=address_of(context.request),
            )
            if refused is not None:
                extensions = {"code": "RATE_LIMITED", "retryAfter": refused.retry_after}
                payload = [GraphQLError(refused.message, extensions=extensions).formatted]
                refusal_message = ErrorMessage(id=message["id"], type="error", payload=payload)
                await self.send_message(refusal_message)
                return
        await super().handle_subscribe(message)


class _WebSocket(ASGIWebSocketAdapter):
    """Closes a connection refused at connection_init with 4403, as graphql-transport-ws
    says (browsers cannot read an HTTP 401 on the upgrade), and a reason that says what to
    do instead of Strawberry's bare "Forbidden"."""

    async def close(self, code: int, reason: str) -> None:
        refusal = self.ws.scope.get(_REFUSAL) if code == 4403 else None
        await super().close(code, refusal or reason)


def _refuse(connection: HTTPConnection, reason: str) -> ConnectionRejectionError:
    connection.scope[_REFUSAL] = reason
    return ConnectionRejectionError({"message": reason})


class _StrawberryApp(GraphQL[Context, None]):
    graphql_transport_ws_handler_class = _TransportWS
    websocket_adapter_class = _WebSocket

    def __init__(self, schema: strawberry.Schema, settings: Settings) -> None:
        super().__init__(
            schema,
            graphql_ide="graphiql",
            # graphql-transport-ws only: its connection_init carries the API token.
            subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL,),
            allowed_origins=tuple(settings.allowed_origins),
            keep_alive=True,
            keep_alive_interval=15,
        )

    def encode_json(self, data: object) -> str | bytes:
        """A subscription's `next` frame reuses the JSON already made for every subscriber
        of the same result (schema/live.py); everything else is encoded as Strawberry does."""
        return renders_of(self.schema).encode_next(data) or super().encode_json(data)

    async def get_context(self, request: Any, response: Any) -> Context:
        services = services_of(request)
        identity: Identity | None = request.scope.get("state", {}).get("identity")
        if identity is None:  # a websocket: its cookie now, its token in connection_init
            identity = await identify(services.db, headers={}, cookies=request.cookies)
        return Context(
            services=services,
            request=request,
            response=response,
            caller=identity.caller,
            session=identity.session,
        )

    async def on_ws_connect(self, context: Context) -> UnsetType | dict[str, object] | None:
        """Authenticate a websocket once, at connection_init; refuse it (4403) otherwise,
        before it counts against any limit (Redis is asked only for a known caller)."""
        request = context.request
        services = context.services
        try:
            if context.connection_params:
                found = await identify(
                    services.db,
                    headers={},
                    cookies={},
                    connection_params=context.connection_params,
                )
                context.caller, context.session = found.caller, found.session
        except BadCredentials as exc:
            raise _refuse(request, WS_BAD_TOKEN) from exc
        if context.caller is None and context.session is None:
            raise _refuse(request, WS_SIGN_IN)
        refused = await refusal(
            services.redis,
            kind="ws",
            what="live connections",
            per_minute=services.settings.websocket_rate_per_minute,
            caller=context.caller,
            address=address_of(request),
        )
        if refused is not None:
            raise _refuse(request, WS_RATE_LIMITED.format(seconds=refused.retry_after))
        return await super().on_ws_connect(context)


class GraphQLEndpoint:
    """ASGI app for /graphql: identifies the caller, then routes multipart POSTs to the
    streaming upload handler and everything else to Strawberry."""

    def __init__(self, schema: strawberry.Schema, settings: Settings) -> None:
        self.schema = schema
        self.strawberry = _StrawberryApp(schema, settings)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            request = Request(scope, receive)
            try:
                identity = await identify(
                    services_of(request).db, headers=request.headers, cookies=request.cookies
                )
            except BadCredentials:
                await _problem(401, BAD_TOKEN, "UNAUTHENTICATED")(scope, receive, send)
                return
            scope.setdefault("state", {})["identity"] = identity
            content_type = request.headers.get("content-type", "")
            if scope["method"] == "POST" and content_type.startswith("multipart/form-data"):
                response: Response | None = await self._upload(request, identity)
            else:
                response = await self._refusal(request, identity)
            if response is not None:
                await response(scope, receive, send)
                return
        await self.strawberry(scope, receive, send)

    async def _refusal(self, request: Request, identity: Identity) -> Response | None:
        """The answer instead of Strawberry's: GraphiQL's page for someone not signed in, or
        an operation over the caller's rate limit."""
        if request.method == "GET" and "query" not in request.query_params:  # GraphiQL
            anonymous = identity.caller is None and identity.session is None
            return _problem(401, GRAPHIQL_SIGN_IN, "UNAUTHENTICATED") if anonymous else None
        refused = await operation_refusal(
            services_of(request),
            subscription=False,
            caller=identity.caller,
            address=address_of(request),
        )
        return _rate_limited(refused) if refused is not None else None

    async def _upload(self, request: Request, identity: Identity) -> Response:
        """Check the caller before one byte of the file is read, then stream it."""
        services = services_of(request)
        caller, settings = identity.caller, services.settings
        if caller is None or not caller.can(Role.EDITOR):
            status = 401 if caller is None and identity.session is None else 403
            return _problem(
                status, UPLOAD_ROLE, "FORBIDDEN" if status == 403 else "UNAUTHENTICATED"
            )
        refused = await upload_refusal(
            services.redis, settings, caller=caller, address=address_of(request)
        )
        if refused is not None:
            return _problem(429, refused, "RATE_LIMITED")
        return await handle_multipart(
            request,
            store=services.store,
            settings=settings,
            execute=lambda req, ops: self._execute(req, ops, identity),
        )

    async def _execute(
        self, request: Request, operations: dict[str, Any], identity: Identity
    ) -> Response:
        result = await self.schema.execute(
            operations.get("query", ""),
            variable_values=operations.get("variables"),
            operation_name=operations.get("operationName"),
            context_value=Context(
                services=services_of(request),
                request=request,
                caller=identity.caller,
                session=identity.session,
            ),
        )
        body: dict[str, Any] = {"data": result.data}
        if result.errors:
            body["errors"] = [error.formatted for error in result.errors]
        return JSONResponse(body)
