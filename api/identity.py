"""Who is calling: an API token (`Authorization: Bearer …`, or `authorization` in the
graphql-transport-ws `connection_init` payload) or a browser session cookie."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from core import logs
from core.auth import Caller
from core.auth.model import SESSION_COOKIE
from core.auth.store import Db, SessionUser, caller_for_token, session_user


class BadCredentials(Exception):
    """A token or session was sent but is unknown, expired or revoked."""


@dataclass(frozen=True, slots=True)
class Identity:
    caller: Caller | None = None
    session: SessionUser | None = None


def bearer(value: str | None) -> str | None:
    """The token of an `Authorization: Bearer <token>` value."""
    if not value:
        return None
    scheme, _, token = value.strip().partition(" ")
    return token.strip() or None if scheme.lower() == "bearer" else None


async def identify(
    db: Db,
    *,
    headers: Mapping[str, str],
    cookies: Mapping[str, str],
    connection_params: Mapping[str, Any] | None = None,
) -> Identity:
    """The caller behind a request. A token wins over a cookie; a token that does not work
    is an error (not anonymous access), so a client learns its token is wrong at once."""
    sent = bearer(headers.get("authorization"))
    if connection_params:
        value = connection_params.get("authorization") or connection_params.get("Authorization")
        sent = bearer(value) if isinstance(value, str) else sent
    if sent:
        caller = await caller_for_token(db, sent)
        if caller is None:
            raise BadCredentials
        logs.bind(space=caller.workspace.slug)
        return Identity(caller=caller)
    secret = cookies.get(SESSION_COOKIE)
    if secret:
        found = await session_user(db, secret)
        if found is not None:
            if found.caller is not None:
                logs.bind(space=found.caller.workspace.slug)
            return Identity(caller=found.caller, session=found)
    return Identity()
