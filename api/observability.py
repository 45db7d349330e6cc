"""What an operator sees of the API: request ids on every log line, and `GET /metrics`."""

from __future__ import annotations

import hmac
import re
import uuid
from typing import TYPE_CHECKING

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.identity import bearer
from core import logs, metrics
from core.auth import metrics_tokens

if TYPE_CHECKING:
    from schema.context import Services

REQUEST_ID_HEADER = "x-request-id"
# A caller's own id is kept (to follow one request across a proxy and Sluice) if it is sane.
_CLIENT_ID = re.compile(r"[A-Za-z0-9._-]{8,64}")


class RequestContext:
    """ASGI middleware: a request id for every HTTP request and WebSocket connection (the
    caller's `X-Request-ID`, or a new one), bound for logging and echoed in the response;
    open WebSocket connections counted."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        given = dict(scope["headers"]).get(REQUEST_ID_HEADER.encode(), b"").decode("latin-1")
        request_id = given if _CLIENT_ID.fullmatch(given) else uuid.uuid4().hex[:16]
        logs.bind(request=request_id)
        if scope["type"] == "websocket":
            with metrics.websocket_open():
                await self.app(scope, receive, send)
            return

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers.append((REQUEST_ID_HEADER.encode(), request_id.encode()))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_id)


async def metrics_allowed(request: Request, services: Services) -> bool:
    """Only a metrics token reads the metrics: one made by `sluice-admin create-token
    --metrics`, or the value of SLUICE_METRICS_TOKEN (an empty one is none). Workspace tokens
    do not: the metrics span every workspace."""
    given = bearer(request.headers.get("authorization"))
    if not given:
        return False
    token = services.settings.metrics_token
    configured = token.get_secret_value() if token is not None else ""
    if configured and hmac.compare_digest(given.encode(), configured.encode()):
        return True
    return await metrics_tokens.allows(services.db, given)


async def metrics_endpoint(request: Request) -> Response:
    services: Services = request.state.services
    if not await metrics_allowed(request, services):
        return PlainTextResponse(
            "Reading the metrics needs a metrics token: send `Authorization: Bearer <token>` "
            "with a token made by `sluice-admin create-token --metrics --name <who scrapes>` "
            "(or the value of SLUICE_METRICS_TOKEN). Workspace API tokens do not read metrics.",
            status_code=401,
            headers={"WWW-Authenticate": "Bearer"},
        )
    await metrics.refresh_queue(services.redis, services.settings.queue_name)
    body, content_type = metrics.render(services.settings)
    return Response(body, media_type=content_type)
