"""Browser defences and cost limits in front of every route.

- Host: only the configured names (DNS rebinding cannot reach the API or its websocket).
- CSRF: a POST a browser can send cross-site without a preflight (multipart, form, text)
  must carry `x-sluice-csrf` / `apollo-require-preflight` or come from our own origin; any
  request whose `Origin` is foreign and not allowed is refused. Session cookies are also
  SameSite=Strict.
- Size: non-multipart bodies and GraphQL responses are capped (multipart has its own caps
  in api/multipart.py); one 30-alias request once produced 188 MB.
- Headers: CSP, frame-ancestors / X-Frame-Options, nosniff, Referrer-Policy.
"""

from __future__ import annotations

import json
from collections.abc import MutableMapping
from typing import Any
from urllib.parse import urlsplit

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from core.settings import Settings

PREFLIGHT_HEADERS = ("x-sluice-csrf", "apollo-require-preflight")
# Content types a cross-site <form> or fetch without preflight can send.
_SIMPLE_TYPES = ("multipart/form-data", "application/x-www-form-urlencoded", "text/plain", "")


class _Refused(Exception):
    def __init__(self, status: int, message: str) -> None:
        self.status, self.message = status, message


def same_origin(headers: Headers) -> bool:
    """The browser says the request comes from a page of this very site."""
    if headers.get("sec-fetch-site") == "same-origin":
        return True
    origin = headers.get("origin")
    return bool(origin) and urlsplit(origin).netloc == headers.get("host")


def check_origin(headers: Headers, *, method: str, allowed_origins: list[str]) -> None:
    """Raise `_Refused` for a cross-site request that could act with a user's cookie."""
    origin = headers.get("origin")
    if origin and not same_origin(headers) and origin not in allowed_origins:
        raise _Refused(403, f"Requests from {origin} are not accepted by this Sluice server.")
    if method != "POST":
        return
    content_type = headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type not in _SIMPLE_TYPES or same_origin(headers):
        return
    if not any(headers.get(name) for name in PREFLIGHT_HEADERS):
        raise _Refused(
            400,
            "This request needs the header `x-sluice-csrf: 1` (or `Apollo-Require-Preflight: "
            "true`): a browser cannot send it from another site, which protects you from "
            "cross-site request forgery. Add it to your client.",
        )


def content_security_policy(settings: Settings) -> str:
    s3 = urlsplit(settings.s3_endpoint_url)
    # Resumable uploads PUT parts straight to S3 from the browser.
    connect = f"'self' ws: wss: {s3.scheme}://{s3.netloc}"
    return (
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
        f"img-src 'self' data: blob:; font-src 'self' data:; connect-src {connect}; "
        "frame-ancestors 'none'; base-uri 'self'; form-action 'self'; object-src 'none'"
    )


def _error(status: int, message: str) -> tuple[Message, Message]:
    body = json.dumps({"errors": [{"message": message}]}).encode()
    start = {
        "type": "http.response.start",
        "status": status,
        "headers": [(b"content-type", b"application/json"), (b"content-length", b"%d" % len(body))],
    }
    return start, {"type": "http.response.body", "body": body}


class Defences:
    """ASGI middleware: origin/CSRF checks, body and response caps, security headers."""

    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.settings = settings
        self.csp = content_security_policy(settings).encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket":
            # Strawberry refuses cross-origin handshakes itself (allowed_origins).
            await self.app(scope, receive, send)
            return
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        try:
            check_origin(
                headers, method=scope["method"], allowed_origins=self.settings.allowed_origins
            )
            receive = self._capped_receive(scope, headers, receive)
        except _Refused as refused:
            for message in _error(refused.status, refused.message):
                await send(self._with_headers(scope, message))
            return
        try:
            # The answer cap is for GraphQL (static files are the web app's own bundles).
            capped = scope["path"] == "/graphql"
            sender = self._capped_send(scope, send) if capped else self._headers_send(scope, send)
            await self.app(scope, receive, sender)
        except _Refused as refused:  # the body outgrew its cap while the app read it
            for message in _error(refused.status, refused.message):
                await send(self._with_headers(scope, message))

    def _capped_receive(self, scope: Scope, headers: Headers, receive: Receive) -> Receive:
        if headers.get("content-type", "").startswith("multipart/form-data"):
            return receive  # api/multipart.py caps file count, field sizes and file sizes
        limit = self.settings.max_request_bytes
        declared = headers.get("content-length")
        if declared and declared.isdigit() and int(declared) > limit:
            raise _Refused(413, _too_large("request body", limit))
        seen = 0

        async def capped() -> Message:
            nonlocal seen
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > limit:
                raise _Refused(413, _too_large("request body", limit))
            return message

        return capped

    def _capped_send(self, scope: Scope, send: Send) -> Send:
        limit = self.settings.max_response_bytes
        pending: MutableMapping[str, Any] = {}
        sent = 0

        async def capped(message: Message) -> None:
            nonlocal sent
            if message["type"] == "http.response.start":
                pending["start"] = message  # held until we see the body's size
                return
            if message["type"] == "http.response.body":
                body = message.get("body", b"")
                sent += len(body)
                if "start" in pending:
                    start = pending.pop("start")
                    if sent > limit and not message.get("more_body"):
                        for replacement in _error(413, _too_large("answer", limit)):
                            await send(self._with_headers(scope, replacement))
                        return
                    await send(self._with_headers(scope, start))
                elif sent > limit:
                    raise RuntimeError("response larger than max_response_bytes; aborted")
            await send(message)

        return capped

    def _headers_send(self, scope: Scope, send: Send) -> Send:
        async def with_headers(message: Message) -> None:
            await send(self._with_headers(scope, message))

        return with_headers

    def _with_headers(self, scope: Scope, message: Message) -> Message:
        if message["type"] != "http.response.start":
            return message
        headers = list(message.get("headers", []))
        graphiql = scope["path"] == "/graphql" and scope["method"] == "GET"
        extra = [
            (b"x-content-type-options", b"nosniff"),
            (b"x-frame-options", b"DENY"),
            (b"referrer-policy", b"no-referrer"),
            (b"cross-origin-opener-policy", b"same-origin"),
            # GraphiQL loads its scripts from a CDN; everything else is our own.
            (b"content-security-policy", b"frame-ancestors 'none'" if graphiql else self.csp),
        ]
        return {**message, "headers": headers + extra}


def _too_large(what: str, limit: int) -> str:
    return (
        f"The {what} is larger than this server's limit of {limit // 1024:,} KB. Ask for less "
        "(fewer fields, rows or aliases), or page through the result."
    )
