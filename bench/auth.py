"""API access for the benchmarks: a short-lived EDITOR token in the default workspace (its
Druid names are unprefixed, so benchmarks name Druid datasources directly)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from core.auth import Role
from core.auth.model import LEGACY_WORKSPACE
from core.auth.store import create_token
from core.db import create_pool
from core.settings import Settings


async def bench_headers(settings: Settings) -> dict[str, str]:
    """Headers for the benchmark's HTTP client (token valid one day)."""
    pool = await create_pool(settings.database_url, max_size=1)
    try:
        _, token = await create_token(
            pool,
            workspace_id=LEGACY_WORKSPACE.id,
            role=Role.EDITOR,
            name="benchmark",
            expires_at=datetime.now(UTC) + timedelta(days=1),
        )
    finally:
        await pool.close()
    return {"authorization": f"Bearer {token}", "x-sluice-csrf": "1"}
