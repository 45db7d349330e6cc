"""Worker lifecycle: the shared services opened on arq start-up, closed on shutdown."""

from __future__ import annotations

import contextlib
from typing import Any

from core import logs, metrics
from core.services import open_services
from core.settings import Settings


async def startup(ctx: dict[str, Any]) -> None:
    settings: Settings = ctx.get("settings") or Settings()
    logs.configure(settings)
    stack = contextlib.AsyncExitStack()
    ctx["stack"] = stack
    stack.enter_context(metrics.serve_worker(settings))
    # arq owns the Redis pool it hands the worker; the services share it.
    ctx["services"] = await stack.enter_async_context(open_services(settings, redis=ctx["redis"]))


async def shutdown(ctx: dict[str, Any]) -> None:
    stack: contextlib.AsyncExitStack | None = ctx.get("stack")
    if stack is not None:
        await stack.aclose()
