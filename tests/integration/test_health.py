from __future__ import annotations

import logging
from typing import Any

import pytest
from starlette.types import Receive, Scope, Send

from api.app import create_app
from core.settings import Settings
from tests.conftest import client_of


async def test_health_and_readiness(client: Any) -> None:
    assert (await client.get("/healthz")).text == "ok"
    response = await client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {
        "ready": True,
        "checks": {"postgres": "ok", "redis": "ok", "s3": "ok"},
    }


async def test_readiness_names_what_is_down_and_logs_why(
    settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    """Anyone may ask /readyz: the answer names the dependency, not its error text."""
    app = create_app(settings)
    async with app.router.lifespan_context(app) as state:
        await state["services"].db.close()  # PostgreSQL is gone for this API process

        async def with_state(scope: Scope, receive: Receive, send: Send) -> None:
            await app({**scope, "state": dict(state)}, receive, send)

        async with client_of(with_state, {}) as client:
            response = await client.get("/readyz")
    assert response.status_code == 503
    assert response.json() == {
        "ready": False,
        "checks": {"postgres": "down", "redis": "ok", "s3": "ok"},
    }
    logged = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert any("postgres is down: InterfaceError" in line for line in logged), logged
