"""Worker lifecycle: shared clients created on arq start-up, closed on shutdown."""

from __future__ import annotations

import contextlib
import logging
from dataclasses import dataclass
from typing import Any

import asyncpg
import httpx
from arq.connections import ArqRedis

from core import logs, metrics
from core.db import create_pool
from core.druid.broker import DruidBroker
from core.druid.client import DruidClient
from core.settings import Settings
from core.storage import S3ObjectStore
from core.tasks import unfinished_tasks
from core.uploads import job_id

log = logging.getLogger(__name__)


@dataclass
class WorkerServices:
    settings: Settings
    db: asyncpg.Pool
    redis: ArqRedis
    store: S3ObjectStore
    druid: DruidClient
    broker: DruidBroker


def services(ctx: dict[str, Any]) -> WorkerServices:
    return ctx["services"]  # type: ignore[no-any-return]


async def startup(ctx: dict[str, Any]) -> None:
    settings: Settings = ctx.get("settings") or Settings()
    logs.configure(settings)
    stack = contextlib.AsyncExitStack()
    ctx["stack"] = stack
    stack.enter_context(metrics.serve_worker(settings))
    db = await create_pool(settings.database_url)
    stack.push_async_callback(db.close)
    store = await stack.enter_async_context(S3ObjectStore(settings))
    await store.ensure_bucket()
    http = await stack.enter_async_context(
        httpx.AsyncClient(timeout=settings.druid_request_timeout_s)
    )
    ctx["services"] = WorkerServices(
        settings=settings,
        db=db,
        redis=ctx["redis"],
        store=store,
        druid=DruidClient.from_settings(http, settings),
        broker=DruidBroker.from_settings(http, settings),
    )
    await requeue_active(ctx)


async def requeue_active(ctx: dict[str, Any]) -> None:
    """Reconciler: make sure every unfinished task has its job. Job ids are deterministic, so
    a task whose job is still queued or running is not enqueued twice."""
    svc = services(ctx)
    for task_id, attempt, status in await unfinished_tasks(svc.db):
        job = await svc.redis.enqueue_job(
            "process_task",
            task_id,
            _job_id=job_id(task_id, attempt),
            _queue_name=svc.settings.queue_name,
        )
        if job is not None:
            log.info("re-queued unfinished task %s (%s)", task_id, status)


async def shutdown(ctx: dict[str, Any]) -> None:
    stack: contextlib.AsyncExitStack | None = ctx.get("stack")
    if stack is not None:
        await stack.aclose()
