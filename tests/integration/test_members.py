"""Workspace members through the API: add, change, remove, and never the last admin."""

from __future__ import annotations

from typing import Any

import httpx

from core.auth import Role, store
from core.settings import Settings
from tests.conftest import api_client, grant

SET = (
    "mutation($email: String!, $role: Role!) { setMember(email: $email, role: $role) "
    "{ __typename ... on Member { email role } ... on AuthRejected { code message } } }"
)
REMOVE = "mutation($email: String!) { removeMember(email: $email) }"
MEMBERS = "{ members { email role } }"


async def _post(client: httpx.AsyncClient, query: str, **variables: Any) -> dict[str, Any]:
    response = await client.post("/graphql", json={"query": query, "variables": variables})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def test_members_are_added_changed_and_removed_but_never_the_last_admin(
    settings: Settings, db: Any, clean: None
) -> None:
    for email in ("ada@example.com", "bob@example.com"):
        await store.create_user(db, email=email, password="a long password")
    workspace = await store.ensure_workspace(db, "acme")
    ada = await store.user_id_by_email(db, "ada@example.com")
    assert ada is not None
    await store.add_member(db, workspace_id=workspace.id, user_id=ada, role=Role.ADMIN)

    async with api_client(settings, await grant(db, workspace="acme", role=Role.ADMIN)) as admin:
        demoted = await _post(admin, SET, email="ada@example.com", role="VIEWER")
        removed = await _post(admin, REMOVE, email="ada@example.com")
        added = await _post(admin, SET, email="bob@example.com", role="ADMIN")
        now_allowed = await _post(admin, SET, email="ada@example.com", role="EDITOR")
        bob_gone = await _post(admin, REMOVE, email="bob@example.com")  # ada is no admin now
        ada_gone = await _post(admin, REMOVE, email="ada@example.com")
        listed = await _post(admin, MEMBERS)

    assert demoted["data"]["setMember"]["code"] == "LAST_ADMIN"
    assert "last admin" in demoted["data"]["setMember"]["message"]
    assert removed["errors"][0]["extensions"]["code"] == "LAST_ADMIN"
    assert added["data"]["setMember"] == {
        "__typename": "Member",
        "email": "bob@example.com",
        "role": "ADMIN",
    }
    assert now_allowed["data"]["setMember"]["role"] == "EDITOR"
    assert bob_gone["errors"][0]["extensions"]["code"] == "LAST_ADMIN"
    assert ada_gone == {"data": {"removeMember": True}}
    assert listed["data"]["members"] == [{"email": "bob@example.com", "role": "ADMIN"}]
