"""Roles and the authenticated caller."""

from __future__ import annotations

import enum
from dataclasses import dataclass

from core.auth.naming import LEGACY_SLUG

SESSION_COOKIE = "sluice_session"


class Role(enum.StrEnum):
    """What a member may do in a workspace; each role includes the ones before it."""

    VIEWER = "VIEWER"  # read datasets, tasks, dashboards
    EDITOR = "EDITOR"  # + upload, retry, cancel, replace
    ADMIN = "ADMIN"  # + members and tokens

    @property
    def rank(self) -> int:
        return _RANK[self]

    def includes(self, other: Role) -> bool:
        return self.rank >= other.rank


_RANK = {Role.VIEWER: 1, Role.EDITOR: 2, Role.ADMIN: 3}


@dataclass(frozen=True, slots=True)
class Workspace:
    id: str
    slug: str
    druid_prefix: str  # "{slug}__"; '' for the workspace holding data from before accounts


# Created by migration 0005: what existed before accounts, under unchanged Druid names.
LEGACY_WORKSPACE = Workspace(id="legacy", slug=LEGACY_SLUG, druid_prefix="")


@dataclass(frozen=True, slots=True)
class Membership:
    workspace: Workspace
    role: Role


@dataclass(frozen=True, slots=True)
class Caller:
    """Who is asking, in which workspace and with which role.

    A browser session is a user acting in the workspace they switched to; an API token acts
    in its one workspace with its own role (`user_id` is who created it, if anyone).
    """

    workspace: Workspace
    role: Role
    user_id: str | None = None
    email: str | None = None
    token_id: str | None = None
    session_id: str | None = None

    def can(self, role: Role) -> bool:
        return self.role.includes(role)

    @property
    def workspace_id(self) -> str:
        return self.workspace.id
