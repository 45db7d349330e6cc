"""The ASGI application: GraphQL (HTTP + WebSocket), health checks and the web app."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import TypedDict

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, PlainTextResponse, Response
from starlette.routing import Mount, Route, WebSocketRoute
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Receive, Scope, Send

from api.graphql import GraphQLEndpoint
from api.observability import RequestContext, metrics_endpoint
from api.security import Defences
from core import logs
from core.rlimits import raise_open_file_limit
from core.services import Services, open_services
from core.settings import Settings
from schema import build_schema

log = logging.getLogger(__name__)


class State(TypedDict):
    """Lifespan state: Starlette copies it into every request's `request.state`."""

    services: Services


def create_app(settings: Settings | None = None) -> Starlette:
    settings = settings or Settings()
    logs.configure(settings)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[State]:
        open_files = raise_open_file_limit()  # one descriptor per WebSocket
        async with open_services(settings) as services:
            log.info(
                "Sluice API ready on http://%s:%s (open-file limit %d)",
                settings.api_host,
                settings.api_port,
                open_files,
            )
            yield {"services": services}

    graphql = GraphQLEndpoint(build_schema(settings), settings)
    routes = [
        Route("/healthz", _health),
        Route("/readyz", _ready),
        Route("/metrics", metrics_endpoint),
        Route("/graphql", graphql, methods=["GET", "POST"]),
        WebSocketRoute("/graphql", graphql),  # subscriptions
    ]
    routes += _frontend_routes(settings.frontend_dist)
    middleware = [
        Middleware(RequestContext),  # outermost: refused requests are logged with an id too
        Middleware(TrustedHostMiddleware, allowed_hosts=settings.allowed_hosts),
        Middleware(Defences, settings=settings),
    ]
    return Starlette(routes=routes, lifespan=lifespan, middleware=middleware)


@contextlib.asynccontextmanager
async def in_process(app: Starlette) -> AsyncIterator[ASGIApp]:
    """Run the app's lifespan in this process and hand back the app with every request's
    scope carrying the lifespan state, as uvicorn does: for in-process clients (httpx's
    ASGI transport in tests and benchmarks), which do not run the lifespan themselves."""
    async with app.router.lifespan_context(app) as state:

        async def with_state(scope: Scope, receive: Receive, send: Send) -> None:
            await app({**scope, "state": dict(state or {})}, receive, send)

        yield with_state


async def _health(request: Request) -> Response:
    return PlainTextResponse("ok")


async def _ready(request: Request) -> Response:
    """Ready when PostgreSQL, Redis and S3 answer (Druid is reported by the queries, not here)."""
    services: Services = request.state.services
    probes: dict[str, Callable[[], Awaitable[object]]] = {
        "postgres": lambda: services.db.fetchval("SELECT 1"),
        "redis": lambda: services.redis.ping(),
        "s3": lambda: services.store.exists("healthcheck"),
    }
    checks: dict[str, str] = {}
    for name, probe in probes.items():
        try:
            await probe()
            checks[name] = "ok"
        except Exception as exc:  # a probe reports every failure, it never raises
            # Anyone may ask: the answer says which dependency is down, the log says why.
            log.warning("not ready: %s is down: %s: %s", name, type(exc).__name__, exc)
            checks[name] = "down"
    ok = all(value == "ok" for value in checks.values())
    return JSONResponse({"ready": ok, "checks": checks}, status_code=200 if ok else 503)


def _frontend_routes(dist: Path) -> list[Route | Mount]:
    """Serve the built web app at / with an SPA fallback to index.html."""
    index = dist / "index.html"

    root = dist.resolve()

    async def spa(request: Request) -> Response:
        path = request.path_params.get("path", "")
        if path:
            candidate = (root / path).resolve()
            # Files at the top of dist/ (favicon, robots.txt); never outside it.
            if candidate.is_file() and candidate.is_relative_to(root):
                return FileResponse(candidate)
        if index.exists():
            return FileResponse(index)
        return PlainTextResponse(
            "The web app is not built. Run `make run` (it builds frontend/), or use GraphiQL "
            "at /graphql.",
            status_code=404,
        )

    routes: list[Route | Mount] = []
    if (dist / "assets").is_dir():
        routes.append(Mount("/assets", StaticFiles(directory=dist / "assets"), name="assets"))
    routes += [Route("/", spa), Route("/{path:path}", spa)]
    return routes
