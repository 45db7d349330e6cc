"""PostgreSQL connection pool and versioned SQL migrations."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlsplit, urlunsplit

import asyncpg

log = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
# Any constant works; it only has to be the same for every process running migrations.
_MIGRATION_LOCK = 7_353_001


class Executor(Protocol):
    """What queries need: an asyncpg `Pool`, or a `Connection` inside a transaction."""

    async def fetch(self, query: str, *args: Any) -> Any: ...
    async def fetchrow(self, query: str, *args: Any) -> Any: ...
    async def fetchval(self, query: str, *args: Any) -> Any: ...
    async def execute(self, query: str, *args: Any) -> Any: ...


class DatabaseUnavailable(Exception):
    """PostgreSQL did not answer within the start-up budget."""


async def _init_connection(conn: asyncpg.Connection) -> None:
    for typename in ("json", "jsonb"):
        await conn.set_type_codec(
            typename, encoder=json.dumps, decoder=json.loads, schema="pg_catalog"
        )


async def _connect_with_retry(dsn: str, *, timeout_s: float) -> asyncpg.Connection:
    deadline = asyncio.get_running_loop().time() + timeout_s
    while True:
        try:
            return await asyncpg.connect(dsn, timeout=5)
        except (OSError, asyncpg.CannotConnectNowError, asyncpg.InvalidCatalogNameError):
            if asyncio.get_running_loop().time() > deadline:
                raise
            await asyncio.sleep(0.25)


async def ensure_database(dsn: str, *, timeout_s: float = 30.0) -> None:
    """Create the database named in `dsn` if it does not exist yet."""
    parts = urlsplit(dsn)
    name = parts.path.lstrip("/")
    admin_dsn = urlunsplit(parts._replace(path="/postgres"))
    try:
        conn = await _connect_with_retry(admin_dsn, timeout_s=timeout_s)
    except OSError as exc:
        raise DatabaseUnavailable(
            f"PostgreSQL is unreachable at {parts.hostname}:{parts.port}: {exc}. "
            "Is it running? `make run` starts it."
        ) from exc
    try:
        exists = await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name)
        if not exists:
            # Another process may win the race. Identifiers cannot be parameters; the name
            # comes from our own settings.
            # (Two concurrent CREATE DATABASE can also collide on pg_database's unique index.)
            with contextlib.suppress(asyncpg.DuplicateDatabaseError, asyncpg.UniqueViolationError):
                await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()


async def migrate(conn: asyncpg.Connection) -> list[str]:
    """Apply pending `migrations/*.sql` in order, each in its own transaction. Returns applied."""
    await conn.execute("SELECT pg_advisory_lock($1)", _MIGRATION_LOCK)
    try:
        await conn.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations ("
            " version text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())"
        )
        done = {r["version"] for r in await conn.fetch("SELECT version FROM schema_migrations")}
        applied = []
        for path in sorted(MIGRATIONS_DIR.glob("*.sql")):
            if path.stem in done:
                continue
            async with conn.transaction():
                await conn.execute(path.read_text())
                await conn.execute("INSERT INTO schema_migrations (version) VALUES ($1)", path.stem)
            log.info("applied migration %s", path.stem)
            applied.append(path.stem)
        return applied
    finally:
        await conn.execute("SELECT pg_advisory_unlock($1)", _MIGRATION_LOCK)


async def create_pool(dsn: str, *, min_size: int = 1, max_size: int = 10) -> asyncpg.Pool:
    """Wait for PostgreSQL, create the database, migrate it, and return a pool."""
    await ensure_database(dsn)
    conn = await _connect_with_retry(dsn, timeout_s=30)
    try:
        await migrate(conn)
    finally:
        await conn.close()
    pool = await asyncpg.create_pool(
        dsn, min_size=min_size, max_size=max_size, init=_init_connection
    )
    assert pool is not None
    return pool
