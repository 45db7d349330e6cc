"""`sluice-admin`: accounts, workspaces and API tokens from the command line.

    sluice-admin create-user --email a@example.com [--password …]   (generated if omitted)
    sluice-admin create-workspace SLUG
    sluice-admin add-member --workspace SLUG --email a@example.com --role EDITOR
    sluice-admin create-token --workspace SLUG --role EDITOR --name ci [--expires-days 90]
    sluice-admin create-token --metrics --name prometheus [--expires-days 90]
    sluice-admin revoke-token --metrics --name prometheus
    sluice-admin set-password --email a@example.com [--password …]
    sluice-admin first-run        (make run: a first admin and how to sign in, once)

create-token creates the workspace if it is missing and prints ONLY the token on its last line.
"""

from __future__ import annotations

import argparse
import asyncio
import secrets
import sys
from datetime import UTC, datetime, timedelta

import asyncpg

from core.auth import Role, metrics_tokens, store
from core.db import create_pool
from core.settings import Settings

FIRST_ADMIN = "admin@localhost"
FIRST_WORKSPACE = "default"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="sluice-admin", description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    user = commands.add_parser("create-user", help="create an account")
    user.add_argument("--email", required=True)
    user.add_argument("--password", help="at least 10 characters; generated when omitted")
    workspace = commands.add_parser("create-workspace", help="create a workspace")
    workspace.add_argument("slug")
    member = commands.add_parser("add-member", help="add an account to a workspace (or re-role)")
    member.add_argument("--workspace", required=True)
    member.add_argument("--email", required=True)
    member.add_argument("--role", required=True, type=Role, choices=list(Role))
    token = commands.add_parser("create-token", help="an API token; prints only the token")
    token.add_argument("--metrics", action="store_true", help="reads GET /metrics, nothing else")
    token.add_argument("--workspace", help="the token's workspace (not with --metrics)")
    token.add_argument("--role", type=Role, choices=list(Role), help="(not with --metrics)")
    token.add_argument("--name", required=True)
    token.add_argument("--expires-days", type=int, default=None, help="default: never")
    revoke = commands.add_parser("revoke-token", help="revoke the metrics tokens of a name")
    revoke.add_argument("--metrics", action="store_true", required=True)
    revoke.add_argument("--name", required=True)
    password = commands.add_parser("set-password", help="reset an account's password")
    password.add_argument("--email", required=True)
    password.add_argument("--password", help="generated when omitted")
    commands.add_parser("first-run", help="create the first admin once; say how to sign in")
    return parser


async def _run(args: argparse.Namespace, db: asyncpg.Pool, settings: Settings) -> str:
    if args.command == "create-user":
        password = args.password or secrets.token_urlsafe(12)
        await store.create_user(db, email=args.email, password=password)
        shown = "" if args.password else f" with the password {password}"
        return f"Created the account {args.email.lower()}{shown}."
    if args.command == "create-workspace":
        created = await store.create_workspace(db, args.slug)
        return f"Created the workspace '{created.slug}'."
    if args.command == "add-member":
        workspace = await store.workspace_by_slug(db, args.workspace)
        user_id = await store.user_id_by_email(db, args.email)
        if workspace is None or user_id is None:
            missing = "workspace" if workspace is None else "account"
            raise store.AuthProblem(
                f"There is no {missing} '{args.workspace if workspace is None else args.email}'."
            )
        await store.add_member(db, workspace_id=workspace.id, user_id=user_id, role=args.role)
        return f"{args.email.lower()} is now {args.role.value} in '{workspace.slug}'."
    if args.command == "create-token":
        return await _create_token(args, db)
    if args.command == "revoke-token":
        revoked = await metrics_tokens.revoke(db, name=args.name)
        if not revoked:
            raise store.AuthProblem(f"There is no live metrics token named '{args.name}'.")
        return f"Revoked {revoked} metrics token(s) named '{args.name}'."
    if args.command == "set-password":
        password = args.password or secrets.token_urlsafe(12)
        await store.set_password(db, email=args.email, password=password)
        return f"New password for {args.email.lower()}: {password}"
    return await first_run(db, settings)


async def _create_token(args: argparse.Namespace, db: asyncpg.Pool) -> str:
    expires = datetime.now(UTC) + timedelta(days=args.expires_days) if args.expires_days else None
    if args.metrics:
        if args.workspace or args.role:
            raise store.AuthProblem(
                "A metrics token belongs to no workspace and has no role: "
                "leave out --workspace and --role."
            )
        return await metrics_tokens.create(db, name=args.name, expires_at=expires)
    if not args.workspace or not args.role:
        raise store.AuthProblem(
            "A workspace token needs --workspace and --role (or use --metrics for a token "
            "that reads GET /metrics)."
        )
    workspace = await store.ensure_workspace(db, args.workspace)
    _, token = await store.create_token(
        db, workspace_id=workspace.id, role=args.role, name=args.name, expires_at=expires
    )
    return token


async def first_run(db: asyncpg.Pool, settings: Settings) -> str:
    """On a machine without accounts: an admin with a generated password, kept in the
    git-ignored `.data/secrets/` so `make run` can show it again until it is changed."""
    path = settings.data_dir / "secrets" / "first-admin-password"
    if await db.fetchval("SELECT count(*) FROM users") == 0:
        password = secrets.token_urlsafe(12)
        user_id = await store.create_user(db, email=FIRST_ADMIN, password=password)
        workspace = await store.ensure_workspace(db, FIRST_WORKSPACE)
        await store.add_member(db, workspace_id=workspace.id, user_id=user_id, role=Role.ADMIN)
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        path.touch(mode=0o600)
        path.write_text(password + "\n")
    if not path.exists():
        return "Sign in with your account (sluice-admin set-password resets a password)."
    password = path.read_text().strip()
    url = f"http://localhost:{settings.api_port}"
    return (
        f"First sign-in at {url}: e-mail {FIRST_ADMIN}, password {password} "
        f"(kept in {path}; delete that file once you have your own account)."
    )


async def _main(args: argparse.Namespace) -> str:
    settings = Settings()
    db = await create_pool(settings.database_url, max_size=2)
    try:
        return await _run(args, db, settings)
    finally:
        await db.close()


def main(argv: list[str] | None = None) -> None:
    args = _parser().parse_args(argv)
    try:
        print(asyncio.run(_main(args)))
    except store.AuthProblem as exc:
        sys.exit(f"sluice-admin: {exc}")


if __name__ == "__main__":
    main()
