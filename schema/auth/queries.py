"""Account queries: me, members, API tokens."""

from __future__ import annotations

import strawberry

from core.auth import store
from schema.auth.types import ApiTokenInfo, Me, Member
from schema.context import Context
from schema.permissions import Admin, SignedIn

Info = strawberry.Info[Context, None]


async def me_of(context: Context) -> Me:
    session = context.session
    memberships = await store.memberships(context.db, session.user_id) if session else []
    return Me.build(
        email=session.email if session else None, caller=context.caller, memberships=memberships
    )


@strawberry.type
class AuthQuery:
    @strawberry.field(permission_classes=[SignedIn], description="Who is signed in, and where.")
    async def me(self, info: Info) -> Me:
        return await me_of(info.context)

    @strawberry.field(permission_classes=[Admin], description="The workspace's members.")
    async def members(self, info: Info) -> list[Member]:
        found = await store.members(info.context.db, info.context.member.workspace_id)
        return [Member(email=email, role=role) for _, email, role in found]

    @strawberry.field(permission_classes=[Admin], description="The workspace's API tokens.")
    async def api_tokens(self, info: Info) -> list[ApiTokenInfo]:
        found = await store.list_tokens(info.context.db, info.context.member.workspace_id)
        return [ApiTokenInfo.from_model(token) for token in found]
