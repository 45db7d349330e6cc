"""Tokens allowed to read `GET /metrics`, created by `sluice-admin create-token --metrics`.

Metrics count the uploads and tasks of every workspace, so a workspace role cannot grant them:
a metrics token belongs to no workspace and opens nothing but `/metrics` (it is unknown to
GraphQL). Stored as sha256 like API tokens; revoked by name. `SLUICE_METRICS_TOKEN` stays as a
second way in, for Prometheus configurations written before these tokens existed.
"""

from __future__ import annotations

from datetime import datetime

from core.auth.secrets import digest, new_id, new_token
from core.auth.store import AuthProblem, Db


async def create(db: Db, *, name: str, expires_at: datetime | None = None) -> str:
    """A new metrics token; returns the token itself (shown once, stored hashed)."""
    if not name.strip():
        raise AuthProblem("Give the metrics token a name that says who scrapes with it.")
    token = new_token()
    await db.execute(
        "INSERT INTO metrics_tokens (id, token_hash, name, expires_at) VALUES ($1, $2, $3, $4)",
        new_id(),
        digest(token),
        name.strip(),
        expires_at,
    )
    return token


async def revoke(db: Db, *, name: str) -> int:
    """Revoke every live metrics token called `name`; how many there were."""
    done = await db.execute(
        "UPDATE metrics_tokens SET revoked_at = now() WHERE name = $1 AND revoked_at IS NULL",
        name.strip(),
    )
    return int(done.rsplit(" ", 1)[1])


async def allows(db: Db, token: str) -> bool:
    """Whether `token` is a live metrics token (and note that it was used)."""
    found = await db.fetchval(
        "UPDATE metrics_tokens SET last_used_at = now() WHERE token_hash = $1"
        " AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > now()) RETURNING id",
        digest(token),
    )
    return found is not None
