"""Start-up against PostgreSQL: database creation and migrations are safe to race."""

from __future__ import annotations

import asyncio
import uuid
from urllib.parse import urlsplit, urlunsplit

import asyncpg

from core.db import MIGRATIONS_DIR, create_pool
from core.settings import Settings


async def test_processes_starting_together_create_and_migrate_once(settings: Settings) -> None:
    parts = urlsplit(settings.database_url)
    name = f"sluice_race_{uuid.uuid4().hex[:8]}"
    dsn = urlunsplit(parts._replace(path=f"/{name}"))
    pools = await asyncio.gather(*(create_pool(dsn) for _ in range(4)))
    try:
        versions = await pools[0].fetch("SELECT version FROM schema_migrations ORDER BY 1")
        assert [v["version"] for v in versions] == sorted(
            path.stem for path in MIGRATIONS_DIR.glob("*.sql")
        )
    finally:
        for pool in pools:
            await pool.close()
        admin = await asyncpg.connect(urlunsplit(parts._replace(path="/postgres")))
        await admin.execute(f'DROP DATABASE "{name}"')
        await admin.close()
