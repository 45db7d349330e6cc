"""Per-request GraphQL context: shared clients (created in the app lifespan) plus loaders."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from core.services import Services

if TYPE_CHECKING:
    import asyncpg

    from core.settings import Settings
    from core.tasks import TaskStore

__all__ = ["Context", "Services"]


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

    @property
    def settings(self) -> Settings:
        return self.services.settings

    @property
    def db(self) -> asyncpg.Pool:
        return self.services.db

    @property
    def tasks(self) -> TaskStore:
        return self.services.tasks
