"""GraphQL types for accounts: who am I, workspaces, members, API tokens."""

from __future__ import annotations

from dataclasses import fields
from datetime import datetime
from typing import Annotated

import strawberry

from core.auth import Caller, Membership, Role
from core.auth.store import ApiToken
from schema.errors import UserError

strawberry.enum(
    Role,
    description="VIEWER reads; EDITOR also uploads, retries, cancels; "
    "ADMIN also manages members and tokens.",
)


@strawberry.type
class WorkspaceMembership:
    slug: str
    role: Role

    @classmethod
    def from_model(cls, membership: Membership) -> WorkspaceMembership:
        return cls(slug=membership.workspace.slug, role=membership.role)


@strawberry.type(description="Who is signed in, and where.")
class Me:
    email: str | None = strawberry.field(description="Null when calling with an API token.")
    workspace: str | None = strawberry.field(description="The current workspace's slug.")
    role: Role | None = strawberry.field(description="The role in the current workspace.")
    workspaces: list[WorkspaceMembership] = strawberry.field(
        description="Every workspace this account can switch to (empty for an API token)."
    )

    @classmethod
    def build(
        cls, *, email: str | None, caller: Caller | None, memberships: list[Membership]
    ) -> Me:
        return cls(
            email=email,
            workspace=caller.workspace.slug if caller else None,
            role=caller.role if caller else None,
            workspaces=[WorkspaceMembership.from_model(m) for m in memberships],
        )


@strawberry.type(description="An API token; the token itself is shown only when created.")
class ApiTokenInfo(ApiToken):
    """The stored token's fields (core/auth/store.py `ApiToken`), its id as a GraphQL ID."""

    id: strawberry.ID

    @classmethod
    def from_model(cls, token: ApiToken) -> ApiTokenInfo:
        return cls(**{f.name: getattr(token, f.name) for f in fields(token)})


@strawberry.type(description="A new API token. Copy `token` now: Sluice keeps only its hash.")
class CreatedToken:
    id: strawberry.ID
    name: str
    role: Role
    token: str
    expires_at: datetime | None


@strawberry.type
class Member:
    email: str
    role: Role


@strawberry.type(description="An account request that was refused, and why.")
class AuthRejected(UserError):
    pass


SignInResult = Annotated[Me | AuthRejected, strawberry.union("SignInResult")]
CreateTokenResult = Annotated[CreatedToken | AuthRejected, strawberry.union("CreateTokenResult")]
MemberResult = Annotated[Member | AuthRejected, strawberry.union("MemberResult")]
