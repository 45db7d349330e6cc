"""The ASGI application: GraphQL (HTTP + WebSocket), health checks and the web app."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import httpx
from arq.connections import RedisSettings, create_pool
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, PlainTextResponse, Response
from starlette.routing import Mount, Route, WebSocketRoute
from starlette.staticfiles import StaticFiles
from starlette.types import Receive, Scope, Send

from api.graphql import GraphQLEndpoint
from core.db import create_pool as create_db_pool
from core.druid.broker import DruidBroker
from core.druid.client import DruidClient
from core.errors import clean_foreign_text
from core.settings import Settings
from core.storage import S3ObjectStore
from schema import build_schema
from schema.context import Services

log = logging.getLogger(__name__)


class _LateBound:
    """The GraphQL endpoint needs services that only exist once the lifespan has run."""

    def __init__(self) -> None:
        self.app: GraphQLEndpoint | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        assert self.app is not None, "lifespan has not started"
        await self.app(scope, receive, send)


def create_app(settings: Settings | None = None) -> Starlette:
    settings = settings or Settings()
    graphql = _LateBound()

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        async with contextlib.AsyncExitStack() as stack:
            db = await create_db_pool(settings.database_url)
            stack.push_async_callback(db.close)
            redis = await create_pool(
                RedisSettings.from_dsn(settings.redis_url), default_queue_name=settings.queue_name
            )
            stack.push_async_callback(redis.aclose)
            store = await stack.enter_async_context(S3ObjectStore(settings))
            await store.ensure_bucket()
            http = await stack.enter_async_context(
                httpx.AsyncClient(timeout=settings.druid_request_timeout_s)
            )
            services = Services(
                settings=settings,
                db=db,
                redis=redis,
                store=store,
                http=http,
                druid=DruidClient.from_settings(http, settings),
                broker=DruidBroker.from_settings(http, settings),
            )
            app.state.services = services
            graphql.app = GraphQLEndpoint(build_schema(settings), services)
            log.info("Sluice API ready on http://%s:%s", settings.api_host, settings.api_port)
            yield

    routes = [
        Route("/healthz", _health),
        Route("/readyz", _ready),
        Route("/graphql", graphql, methods=["GET", "POST"]),
        WebSocketRoute("/graphql", graphql),  # subscriptions
    ]
    routes += _frontend_routes(settings.frontend_dist)
    return Starlette(routes=routes, lifespan=lifespan)


async def _health(request: Request) -> Response:
    return PlainTextResponse("ok")


async def _ready(request: Request) -> Response:
    """Ready when PostgreSQL, Redis and S3 answer (Druid is reported by the queries, not here)."""
    services: Services = request.app.state.services
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
            checks[name] = f"error: {clean_foreign_text(str(exc)) or type(exc).__name__}"
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
