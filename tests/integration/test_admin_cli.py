"""`sluice-admin` as an operator runs it: a real process on the real database."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path
from typing import Any

from core.auth import Role, store
from core.settings import Settings
from tests.conftest import client_of

ADMIN = Path(sys.executable).parent / "sluice-admin"


async def _admin(settings: Settings, data_dir: Path, *args: str) -> tuple[int, str, str]:
    env = os.environ | {
        "SLUICE_DATABASE_URL": settings.database_url,
        "SLUICE_DATA_DIR": str(data_dir),
    }
    process = await asyncio.create_subprocess_exec(
        str(ADMIN), *args, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    out, err = await process.communicate()
    return process.returncode or 0, out.decode(), err.decode()


async def test_create_token_prints_only_a_working_token_on_its_last_line(
    settings: Settings, app: Any, db: Any, tmp_path: Path
) -> None:
    code, out, _ = await _admin(
        settings, tmp_path, "create-token", "--workspace", "newco", "--role", "EDITOR",
        "--name", "ci",
    )  # fmt: skip
    assert code == 0
    token = out.strip().splitlines()[-1]
    assert token.startswith("slk_") and " " not in token
    assert await store.workspace_by_slug(db, "newco") is not None  # created on the way
    async with client_of(app, {"authorization": f"Bearer {token}"}) as client:
        me = await client.post("/graphql", json={"query": "{ me { workspace role } }"})
    assert me.json()["data"]["me"] == {"workspace": "newco", "role": "EDITOR"}


async def test_users_workspaces_members_and_the_first_run(
    settings: Settings, db: Any, clean: None, tmp_path: Path
) -> None:
    first = await _admin(settings, tmp_path, "first-run")
    password_file = tmp_path / "secrets" / "first-admin-password"
    assert first[0] == 0 and password_file.read_text().strip() in first[1]
    assert oct(password_file.stat().st_mode & 0o777) == "0o600"
    again = await _admin(settings, tmp_path, "first-run")  # same admin, same password
    assert again[1] == first[1]
    assert (await _admin(settings, tmp_path, "create-workspace", "acme"))[0] == 0
    created = await _admin(settings, tmp_path, "create-user", "--email", "Bo@Example.com")
    password = created[1].strip().rsplit(" ", 1)[-1].rstrip(".")
    assert await store.check_password(db, email="bo@example.com", password=password)
    added = await _admin(
        settings, tmp_path, "add-member", "--workspace", "acme", "--email", "bo@example.com",
        "--role", "VIEWER",
    )  # fmt: skip
    assert added[0] == 0
    user_id = await store.user_id_by_email(db, "bo@example.com")
    assert user_id is not None
    memberships = await store.memberships(db, user_id)
    assert [(m.workspace.slug, m.role) for m in memberships] == [("acme", Role.VIEWER)]
    refused = await _admin(settings, tmp_path, "create-workspace", "Not A Slug")
    assert refused[0] != 0 and "cannot name a workspace" in refused[2]
