"""Account mutations: sign in and out, switch workspace, members and API tokens."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import strawberry

from core.auth import Role, store
from core.auth.model import SESSION_COOKIE
from core.auth.ratelimit import address_of, refusal
from core.errors import ErrorCode, VisibleError
from schema.auth.queries import me_of
from schema.auth.types import (
    AuthRejected,
    CreatedToken,
    CreateTokenResult,
    Member,
    MemberResult,
    SignInResult,
)
from schema.context import Context
from schema.permissions import Admin, Public, SignedIn

Info = strawberry.Info[Context, None]
WRONG_PASSWORD = (
    "The e-mail address or the password is wrong. Check both and try again; an administrator "
    "can reset a password with `sluice-admin set-password`."
)


def _set_cookie(context: Context, secret: str) -> None:
    settings = context.settings
    context.response.set_cookie(
        SESSION_COOKIE,
        secret,
        max_age=settings.session_lifetime_hours * 3600,
        httponly=True,
        secure=settings.session_cookie_secure,
        samesite="strict",
        path="/",
    )


@strawberry.type
class AuthMutation:
    @strawberry.mutation(
        permission_classes=[Public],
        description="Sign in with e-mail and password; sets an HttpOnly session cookie.",
    )
    async def sign_in(self, info: Info, email: str, password: str) -> SignInResult:
        context = info.context
        refused = await refusal(
            context.services.redis,
            kind="sign-in",
            what="sign-in attempts",
            per_minute=context.settings.sign_in_rate_per_minute,
            caller=None,
            address=f"{address_of(context.request) or 'unknown'}:{email.lower()}",
        )
        if refused is not None:
            return AuthRejected(code=ErrorCode.RATE_LIMITED, message=refused.message)
        user_id = await store.check_password(context.db, email=email, password=password)
        if user_id is None or context.response is None:
            return AuthRejected(code=ErrorCode.WRONG_PASSWORD, message=WRONG_PASSWORD)
        lifetime = timedelta(hours=context.settings.session_lifetime_hours)
        secret = await store.create_session(context.db, user_id=user_id, lifetime=lifetime)
        _set_cookie(context, secret)
        found = await store.session_user(context.db, secret)
        context.session, context.caller = found, found.caller if found else None
        return await me_of(context)

    @strawberry.mutation(permission_classes=[SignedIn], description="End this browser session.")
    async def sign_out(self, info: Info) -> bool:
        context = info.context
        if context.session is not None:
            await store.end_session(context.db, context.session.session_id)
        if context.response is not None:
            context.response.delete_cookie(SESSION_COOKIE, path="/")
        return True

    @strawberry.mutation(
        permission_classes=[SignedIn], description="Work in another of your workspaces."
    )
    async def switch_workspace(self, info: Info, slug: str) -> SignInResult:
        context = info.context
        session = context.session
        if session is None or not await store.switch_workspace(
            context.db, session_id=session.session_id, user_id=session.user_id, slug=slug
        ):
            return AuthRejected(
                code=ErrorCode.NOT_A_MEMBER,
                message=f"You are not a member of a workspace '{slug}'. Pick one of yours.",
            )
        found = await store.session_user_by_id(context.db, session.session_id)
        context.caller = found.caller if found else None
        return await me_of(context)

    @strawberry.mutation(
        permission_classes=[Admin],
        description="A new API token for this workspace (shown once). Send it as "
        "`Authorization: Bearer <token>`.",
    )
    async def create_token(
        self, info: Info, name: str, role: Role, expires_in_days: int | None = 90
    ) -> CreateTokenResult:
        caller = info.context.member
        expires_at = (
            datetime.now(UTC) + timedelta(days=expires_in_days) if expires_in_days else None
        )
        try:
            token_id, token = await store.create_token(
                info.context.db,
                workspace_id=caller.workspace_id,
                role=role,
                name=name,
                created_by=caller.user_id,
                expires_at=expires_at,
            )
        except store.AuthProblem as exc:
            return AuthRejected(code=ErrorCode.INVALID_TOKEN_REQUEST, message=str(exc))
        return CreatedToken(
            id=strawberry.ID(token_id),
            name=name.strip(),
            role=role,
            token=token,
            expires_at=expires_at,
        )

    @strawberry.mutation(permission_classes=[Admin], description="Revoke an API token at once.")
    async def revoke_token(self, info: Info, id: strawberry.ID) -> bool:
        workspace_id = info.context.member.workspace_id
        return await store.revoke_token(info.context.db, workspace_id=workspace_id, token_id=id)

    @strawberry.mutation(
        permission_classes=[Admin],
        description="Add an existing account to this workspace, or change its role.",
    )
    async def set_member(self, info: Info, email: str, role: Role) -> MemberResult:
        context = info.context
        user_id = await store.user_id_by_email(context.db, email)
        if user_id is None:
            return AuthRejected(
                code=ErrorCode.NO_SUCH_USER,
                message=f"There is no account {email}. Create it first with "
                "`sluice-admin create-user`.",
            )
        try:
            await store.add_member(
                context.db, workspace_id=context.member.workspace_id, user_id=user_id, role=role
            )
        except store.AuthProblem as exc:
            return AuthRejected(code=ErrorCode.LAST_ADMIN, message=str(exc))
        return Member(email=email.strip().lower(), role=role)

    @strawberry.mutation(permission_classes=[Admin], description="Remove a member.")
    async def remove_member(self, info: Info, email: str) -> bool:
        context = info.context
        user_id = await store.user_id_by_email(context.db, email)
        if user_id is None:
            return False
        try:
            return await store.remove_member(
                context.db, workspace_id=context.member.workspace_id, user_id=user_id
            )
        except store.AuthProblem as exc:  # a Boolean result: the refusal is a visible error
            raise VisibleError(str(exc), code=ErrorCode.LAST_ADMIN) from exc
