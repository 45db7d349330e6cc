"""Who reads GET /metrics: a metrics token made by `sluice-admin create-token --metrics` (a
real process on the real database), and nobody else: not a workspace's ADMIN token, not an
anonymous caller, not a revoked metrics token."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.types import ASGIApp

from api.app import create_app, in_process
from core.auth import Role
from core.settings import Settings
from tests.conftest import client_of, grant, unique
from tests.integration.test_admin_cli import _admin


@pytest.fixture
async def app(settings: Settings, clean: None) -> Any:
    """The app with no SLUICE_METRICS_TOKEN: only stored metrics tokens open /metrics."""
    async with in_process(create_app(settings.model_copy(update={"metrics_token": None}))) as asgi:
        yield asgi


async def _metrics(app: ASGIApp, token: str | None) -> httpx.Response:
    headers = {"authorization": f"Bearer {token}"} if token else {}
    async with client_of(app, headers) as client:
        return await client.get("/metrics")


async def _metrics_token(settings: Settings, tmp_path: Path, name: str) -> str:
    code, out, err = await _admin(settings, tmp_path, "create-token", "--metrics", "--name", name)
    assert code == 0, err
    token = out.strip().splitlines()[-1]
    assert token.startswith("slk_") and " " not in token
    return token


async def test_a_metrics_token_reads_metrics_and_nothing_else(
    settings: Settings, app: ASGIApp, tmp_path: Path
) -> None:
    token = await _metrics_token(settings, tmp_path, unique("prometheus"))
    response = await _metrics(app, token)
    assert response.status_code == 200, response.text
    assert "sluice_uploads_total" in response.text
    async with client_of(app, {"authorization": f"Bearer {token}"}) as client:
        me = await client.post("/graphql", json={"query": "{ me { workspace } }"})
    assert me.status_code == 401  # it opens no workspace


@pytest.mark.parametrize("role", [Role.ADMIN, None])
async def test_workspace_tokens_and_anonymous_callers_do_not(
    app: ASGIApp, db: Any, role: Role | None
) -> None:
    token = None
    if role is not None:
        token = (await grant(db, workspace="acme", role=role))["authorization"].split()[1]
    response = await _metrics(app, token)
    assert response.status_code == 401
    assert "create-token --metrics" in response.text
    assert "sluice_" not in response.text.replace("sluice-admin", "")


async def test_a_revoked_metrics_token_does_not(
    settings: Settings, app: ASGIApp, tmp_path: Path
) -> None:
    name = unique("scraper")
    token = await _metrics_token(settings, tmp_path, name)
    assert (await _metrics(app, token)).status_code == 200
    code, out, err = await _admin(settings, tmp_path, "revoke-token", "--metrics", "--name", name)
    assert code == 0, err
    assert "Revoked 1" in out
    assert (await _metrics(app, token)).status_code == 401
    code, _, err = await _admin(settings, tmp_path, "revoke-token", "--metrics", "--name", name)
    assert code != 0 and "no live metrics token" in err


async def test_create_token_says_what_a_metrics_token_cannot_have(
    settings: Settings, clean: None, tmp_path: Path
) -> None:
    code, _, err = await _admin(
        settings, tmp_path, "create-token", "--metrics", "--workspace", "acme", "--name", "p"
    )
    assert code != 0 and "leave out --workspace and --role" in err
    code, _, err = await _admin(settings, tmp_path, "create-token", "--name", "ci")
    assert code != 0 and "needs --workspace and --role" in err
