"""Per-request GraphQL context: shared clients (created in the app lifespan) plus loaders."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeAlias

import strawberry

from core.services import Services

if TYPE_CHECKING:
    import asyncpg

    from core.auth import Caller
    from core.auth.store import SessionUser
    from core.settings import Settings
    from core.tasks import TaskStore

__all__ = ["Context", "Info", "Services"]


@dataclass
class Context:
    """What resolvers receive as `info.context`.

    `loaders` holds per-request DataLoaders keyed by name; `loader()` creates them on first use
    so one request that asks for the same thing twice hits the backend once.
    """

    services: Services
    request: Any = None
    response: Any = None
    loaders: dict[str, Any] = field(default_factory=dict)
    # Who is asking (api/identity.py); None: nobody signed in. `session` is set for a browser
    # session even when its user belongs to no workspace yet.
    caller: Caller | None = None
    session: SessionUser | None = None
    connection_params: dict[str, Any] | None = None  # graphql-transport-ws connection_init

    @property
    def settings(self) -> Settings:
        return self.services.settings

    @property
    def db(self) -> asyncpg.Pool:
        return self.services.db

    @property
    def tasks(self) -> TaskStore:
        return self.services.tasks

    @property
    def member(self) -> Caller:
        """The caller of a field guarded by a role in schema/permissions.py."""
        assert self.caller is not None, "field without a role permission"
        return self.caller


Info: TypeAlias = strawberry.Info[Context, None]  # what every resolver receives
