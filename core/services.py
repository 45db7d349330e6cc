"""The long-lived clients every process needs, opened and closed in one place.

The API lifespan and the worker start-up both enter `open_services(settings)`; what they get
is one typed `Services`, closed again (in reverse order) when the context exits.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass

import asyncpg
import httpx
from arq.connections import ArqRedis, RedisSettings, create_pool

from core.broadcast import Broadcaster
from core.db import create_pool as create_db_pool
from core.druid.broker import DruidBroker
from core.druid.client import DruidClient
from core.leases import Leases
from core.settings import Settings
from core.storage import S3ObjectStore
from core.tasks import TaskStore


@dataclass(frozen=True, slots=True)
class Services:
    """Shared clients: created once per process, passed explicitly, never global."""

    settings: Settings
    db: asyncpg.Pool
    redis: ArqRedis  # job queue and pub/sub
    store: S3ObjectStore
    http: httpx.AsyncClient  # for Druid (broker, overlord, coordinator)
    druid: DruidClient
    broker: DruidBroker
    tasks: TaskStore
    leases: Leases
    broadcaster: Broadcaster  # live task changes for this process's subscribers


@contextlib.asynccontextmanager
async def open_services(
    settings: Settings, *, redis: ArqRedis | None = None
) -> AsyncIterator[Services]:
    """Connect to PostgreSQL (migrating it), Redis, S3 and Druid's HTTP APIs.

    `redis` lets a caller that already owns a Redis pool (arq hands its worker one) share it;
    it is then left open on exit.
    """
    async with contextlib.AsyncExitStack() as stack:
        db = await create_db_pool(settings.database_url)
        stack.push_async_callback(db.close)
        if redis is None:
            redis = await create_pool(
                RedisSettings.from_dsn(settings.redis_url), default_queue_name=settings.queue_name
            )
            stack.push_async_callback(redis.aclose)
        store = await stack.enter_async_context(S3ObjectStore(settings))
        await store.ensure_bucket()
        http = await stack.enter_async_context(
            httpx.AsyncClient(timeout=settings.druid_request_timeout_s)
        )
        tasks = TaskStore(db, redis, channel=settings.task_events_channel)
        broadcaster = Broadcaster(
            redis,
            tasks,
            channel=settings.task_events_channel,
            max_subscriptions=settings.subscriptions_max_per_process,
            max_per_connection=settings.subscriptions_max_per_connection,
        )
        stack.push_async_callback(broadcaster.close)
        yield Services(
            settings=settings,
            db=db,
            redis=redis,
            store=store,
            http=http,
            druid=DruidClient.from_settings(http, settings),
            broker=DruidBroker.from_settings(http, settings),
            tasks=tasks,
            leases=Leases(db),
            broadcaster=broadcaster,
        )
