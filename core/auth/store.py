"""Users, workspaces, memberships, API tokens and sessions in PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, TypeAlias

import asyncpg
from asyncpg.pool import PoolConnectionProxy

from core.auth.model import Caller, Membership, Role, Workspace
from core.auth.naming import druid_prefix, slug_problem
from core.auth.secrets import (
    burn_password_check,
    digest,
    hash_password,
    new_id,
    new_session_secret,
    new_token,
    verify_password,
)

Db: TypeAlias = asyncpg.Pool | asyncpg.Connection
Conn: TypeAlias = asyncpg.Connection | PoolConnectionProxy  # one connection, from a pool or not
MIN_PASSWORD_LENGTH = 10


class AuthProblem(Exception):
    """A request about accounts that cannot be done as asked; the message says why and what
    to do instead (shown to the person, or printed by sluice-admin)."""


@dataclass(slots=True)  # not frozen: the GraphQL type ApiTokenInfo extends it
class ApiToken:
    id: str
    name: str
    role: Role
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None
    last_used_at: datetime | None


def _workspace(row: Any) -> Workspace:
    return Workspace(id=row["id"], slug=row["slug"], druid_prefix=row["druid_prefix"])


# --- users and workspaces ------------------------------------------------------------------


async def create_user(db: Db, *, email: str, password: str) -> str:
    email = email.strip().lower()
    if "@" not in email:
        raise AuthProblem(f"'{email}' is not an e-mail address.")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AuthProblem(
            f"The password is too short: use at least {MIN_PASSWORD_LENGTH} characters."
        )
    user_id = new_id()
    try:
        await db.execute(
            "INSERT INTO users (id, email, password_hash) VALUES ($1, $2, $3)",
            user_id,
            email,
            hash_password(password),
        )
    except asyncpg.UniqueViolationError as exc:
        raise AuthProblem(f"There is already a user {email}.") from exc
    return user_id


async def set_password(db: Db, *, email: str, password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AuthProblem(
            f"The password is too short: use at least {MIN_PASSWORD_LENGTH} characters."
        )
    done = await db.execute(
        "UPDATE users SET password_hash = $2 WHERE email = $1",
        email.strip().lower(),
        hash_password(password),
    )
    if done.endswith(" 0"):
        raise AuthProblem(f"There is no user {email}.")


async def user_id_by_email(db: Db, email: str) -> str | None:
    found: str | None = await db.fetchval(
        "SELECT id FROM users WHERE email = $1", email.strip().lower()
    )
    return found


async def check_password(db: Db, *, email: str, password: str) -> str | None:
    """The user's id when the password is right; None otherwise (same cost either way)."""
    row = await db.fetchrow(
        "SELECT id, password_hash FROM users WHERE email = $1", email.strip().lower()
    )
    if row is None:
        burn_password_check(password)
        return None
    return str(row["id"]) if verify_password(row["password_hash"], password) else None


async def create_workspace(db: Db, slug: str) -> Workspace:
    problem = slug_problem(slug)
    if problem:
        raise AuthProblem(problem)
    row = await db.fetchrow(
        "INSERT INTO workspaces (id, slug, druid_prefix) VALUES ($1, $2, $3)"
        " ON CONFLICT (slug) DO NOTHING RETURNING *",
        new_id(),
        slug,
        druid_prefix(slug),
    )
    if row is None:
        raise AuthProblem(f"There is already a workspace '{slug}'.")
    return _workspace(row)


async def workspace_by_slug(db: Db, slug: str) -> Workspace | None:
    row = await db.fetchrow("SELECT * FROM workspaces WHERE slug = $1", slug)
    return _workspace(row) if row else None


async def ensure_workspace(db: Db, slug: str) -> Workspace:
    found = await workspace_by_slug(db, slug)
    if found is not None:
        return found
    try:
        return await create_workspace(db, slug)
    except AuthProblem:  # created by someone else meanwhile
        found = await workspace_by_slug(db, slug)
        if found is None:
            raise
        return found


LAST_ADMIN = (
    "This is the workspace's last admin: without one, nobody could manage its members and "
    "tokens. Make another member admin first, then change or remove this one."
)


@asynccontextmanager
async def _transaction(db: Db) -> AsyncIterator[Conn]:
    if isinstance(db, asyncpg.Pool):
        async with db.acquire() as conn, conn.transaction():
            yield conn
    else:
        async with db.transaction():
            yield db


async def _keep_an_admin(conn: Conn, *, workspace_id: str, user_id: str) -> None:
    """Raise AuthProblem when `user_id` is the workspace's only admin. The admins' rows are
    locked, so two admins demoting each other at once cannot both succeed."""
    admins = await conn.fetch(
        "SELECT user_id FROM memberships WHERE workspace_id = $1 AND role = 'ADMIN' FOR UPDATE",
        workspace_id,
    )
    if [row["user_id"] for row in admins] == [user_id]:
        raise AuthProblem(LAST_ADMIN)


async def add_member(db: Db, *, workspace_id: str, user_id: str, role: Role) -> None:
    """Add a member, or change their role (never the last admin's: AuthProblem)."""
    async with _transaction(db) as conn:
        if role is not Role.ADMIN:
            await _keep_an_admin(conn, workspace_id=workspace_id, user_id=user_id)
        await conn.execute(
            "INSERT INTO memberships (workspace_id, user_id, role) VALUES ($1, $2, $3)"
            " ON CONFLICT (workspace_id, user_id) DO UPDATE SET role = EXCLUDED.role",
            workspace_id,
            user_id,
            role.value,
        )


async def remove_member(db: Db, *, workspace_id: str, user_id: str) -> bool:
    """Remove a member (never the last admin: AuthProblem). False: not a member."""
    async with _transaction(db) as conn:
        await _keep_an_admin(conn, workspace_id=workspace_id, user_id=user_id)
        done = await conn.execute(
            "DELETE FROM memberships WHERE workspace_id = $1 AND user_id = $2",
            workspace_id,
            user_id,
        )
    return not str(done).endswith(" 0")


async def memberships(db: Db, user_id: str) -> list[Membership]:
    rows = await db.fetch(
        "SELECT w.*, m.role FROM memberships m JOIN workspaces w ON w.id = m.workspace_id"
        " WHERE m.user_id = $1 ORDER BY w.slug",
        user_id,
    )
    return [Membership(workspace=_workspace(r), role=Role(r["role"])) for r in rows]


async def members(db: Db, workspace_id: str) -> list[tuple[str, str, Role]]:
    """(user id, e-mail, role) of every member, by e-mail."""
    rows = await db.fetch(
        "SELECT u.id, u.email, m.role FROM memberships m JOIN users u ON u.id = m.user_id"
        " WHERE m.workspace_id = $1 ORDER BY u.email",
        workspace_id,
    )
    return [(r["id"], r["email"], Role(r["role"])) for r in rows]


# --- API tokens ----------------------------------------------------------------------------


async def create_token(
    db: Db,
    *,
    workspace_id: str,
    role: Role,
    name: str,
    created_by: str | None = None,
    expires_at: datetime | None = None,
) -> tuple[str, str]:
    """A new API token: returns (token id, the token itself; shown once, stored hashed)."""
    if not name.strip():
        raise AuthProblem("Give the token a name that says who or what uses it.")
    token, token_id = new_token(), new_id()
    await db.execute(
        "INSERT INTO api_tokens (id, token_hash, name, workspace_id, role, created_by,"
        " expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        token_id,
        digest(token),
        name.strip(),
        workspace_id,
        role.value,
        created_by,
        expires_at,
    )
    return token_id, token


async def list_tokens(db: Db, workspace_id: str) -> list[ApiToken]:
    rows = await db.fetch(
        "SELECT * FROM api_tokens WHERE workspace_id = $1 ORDER BY created_at DESC", workspace_id
    )
    return [
        ApiToken(
            id=r["id"],
            name=r["name"],
            role=Role(r["role"]),
            created_at=r["created_at"],
            expires_at=r["expires_at"],
            revoked_at=r["revoked_at"],
            last_used_at=r["last_used_at"],
        )
        for r in rows
    ]


async def revoke_token(db: Db, *, workspace_id: str, token_id: str) -> bool:
    done = await db.execute(
        "UPDATE api_tokens SET revoked_at = now()"
        " WHERE id = $1 AND workspace_id = $2 AND revoked_at IS NULL",
        token_id,
        workspace_id,
    )
    return not done.endswith(" 0")


async def caller_for_token(db: Db, token: str) -> Caller | None:
    """The caller a bearer token stands for, or None (unknown, expired or revoked)."""
    row = await db.fetchrow(
        "UPDATE api_tokens t SET last_used_at = now() FROM workspaces w"
        " WHERE t.token_hash = $1 AND w.id = t.workspace_id AND t.revoked_at IS NULL"
        " AND (t.expires_at IS NULL OR t.expires_at > now())"
        " RETURNING t.id AS token_id, t.role, t.created_by, w.*",
        digest(token),
    )
    if row is None:
        return None
    return Caller(
        workspace=_workspace(row),
        role=Role(row["role"]),
        user_id=row["created_by"],
        token_id=row["token_id"],
    )


# --- browser sessions ----------------------------------------------------------------------


async def create_session(db: Db, *, user_id: str, lifetime: timedelta) -> str:
    """A new session for a signed-in user, in their first workspace. Returns the cookie value."""
    secret = new_session_secret()
    first = await memberships(db, user_id)
    await db.execute(
        "INSERT INTO sessions (id, user_id, workspace_id, expires_at) VALUES ($1, $2, $3, $4)",
        digest(secret),
        user_id,
        first[0].workspace.id if first else None,
        datetime.now(UTC) + lifetime,
    )
    return secret


async def end_session(db: Db, session_id: str) -> None:
    await db.execute("DELETE FROM sessions WHERE id = $1", session_id)


async def switch_workspace(db: Db, *, session_id: str, user_id: str, slug: str) -> bool:
    """Point the session at another workspace the user is a member of."""
    done = await db.execute(
        "UPDATE sessions s SET workspace_id = w.id FROM workspaces w, memberships m"
        " WHERE s.id = $1 AND s.user_id = $2 AND w.slug = $3"
        " AND m.workspace_id = w.id AND m.user_id = s.user_id",
        session_id,
        user_id,
        slug,
    )
    return not done.endswith(" 0")


@dataclass(frozen=True, slots=True)
class SessionUser:
    """A valid session: the user, and the caller in their current workspace (None when the
    user belongs to no workspace yet)."""

    session_id: str
    user_id: str
    email: str
    caller: Caller | None


async def session_user(db: Db, secret: str) -> SessionUser | None:
    """The session a cookie value opens, or None (unknown or expired)."""
    return await session_user_by_id(db, digest(secret))


async def session_user_by_id(db: Db, session_id: str) -> SessionUser | None:
    row = await db.fetchrow(
        "SELECT s.user_id, u.email, m.role, w.id, w.slug, w.druid_prefix"
        " FROM sessions s JOIN users u ON u.id = s.user_id"
        " LEFT JOIN memberships m ON m.user_id = s.user_id AND m.workspace_id = s.workspace_id"
        " LEFT JOIN workspaces w ON w.id = m.workspace_id"
        " WHERE s.id = $1 AND s.expires_at > now()",
        session_id,
    )
    if row is None:
        return None
    caller = None
    if row["role"] is not None:
        caller = Caller(
            workspace=_workspace(row),
            role=Role(row["role"]),
            user_id=row["user_id"],
            email=row["email"],
            session_id=session_id,
        )
    return SessionUser(session_id, row["user_id"], row["email"], caller)
