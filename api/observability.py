"""What an operator sees of the API: request ids on every log line, and `GET /metrics`."""

from __future__ import annotations

import hmac
import re
import uuid
from typing import TYPE_CHECKING

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from core import logs, metrics

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


def metrics_allowed(request: Request, services: Services) -> bool:
    """Only a caller with the metrics token reads the metrics (an empty token is none)."""
    token = services.settings.metrics_token
    expected = token.get_secret_value() if token is not None else ""
    scheme, _, given = request.headers.get("authorization", "").partition(" ")
    if not expected or scheme.lower() != "bearer":
        return False
    return hmac.compare_digest(given.strip().encode(), expected.encode())


async def metrics_endpoint(request: Request) -> Response:
    services: Services = request.state.services
    if not metrics_allowed(request, services):
        return PlainTextResponse(
            "Reading the metrics needs the metrics token: send `Authorization: Bearer <token>` "
            "with the value of SLUICE_METRICS_TOKEN (set it on the server first if it is not).",
            status_code=401,
            headers={"WWW-Authenticate": "Bearer"},
        )
    await metrics.refresh_queue(services.redis, services.settings.queue_name)
    body, content_type = metrics.render(services.settings)
    return Response(body, media_type=content_type)
