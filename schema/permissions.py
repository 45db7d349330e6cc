"""Who may call which field: the one place GraphQL checks roles.

Every root field of Query, Mutation and Subscription carries exactly one of these classes
(tests/integration/test_authorization.py fails for a field without one). What a caller then
sees is scoped to their workspace by the stores, so another workspace's task or dataset looks
exactly like a missing one.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, ClassVar

import strawberry
from graphql import DocumentNode, FieldNode, GraphQLError, visit
from graphql.language import Visitor
from strawberry.extensions import SchemaExtension
from strawberry.permission import BasePermission

from core.auth import Role
from schema.context import Context

SIGN_IN = (
    "You are not signed in. Sign in on the web app, or send an API token as "
    "`Authorization: Bearer <token>` (sluice-admin create-token makes one)."
)
NO_WORKSPACE = (
    "Your account is not a member of any workspace yet. Ask a workspace admin to add you."
)


def _refuse(message: str, code: str) -> GraphQLError:
    return GraphQLError(message, extensions={"code": code})


class Public(BasePermission):
    """Anyone, signed in or not (signing in itself)."""

    def has_permission(self, source: Any, info: strawberry.Info[Context, None], **kw: Any) -> bool:
        return True


class SignedIn(BasePermission):
    """A browser session, whether or not its user belongs to a workspace (`me`, sign-out)."""

    def has_permission(self, source: Any, info: strawberry.Info[Context, None], **kw: Any) -> bool:
        if info.context.session is None and info.context.caller is None:
            raise _refuse(SIGN_IN, "UNAUTHENTICATED")
        return True


class _HasRole(BasePermission):
    role: ClassVar[Role]

    def has_permission(self, source: Any, info: strawberry.Info[Context, None], **kw: Any) -> bool:
        context = info.context
        caller = context.caller
        if caller is None:
            if context.session is not None:
                raise _refuse(NO_WORKSPACE, "FORBIDDEN")
            raise _refuse(SIGN_IN, "UNAUTHENTICATED")
        if not caller.can(self.role):
            raise _refuse(
                f"Your role in workspace '{caller.workspace.slug}' is {caller.role.value}; "
                f"'{info.field_name}' needs {self.role.value} or above. Ask a workspace admin.",
                "FORBIDDEN",
            )
        return True


class Viewer(_HasRole):
    """Read datasets, tasks and dashboards of the caller's workspace."""

    role = Role.VIEWER


class Editor(_HasRole):
    """Upload, retry, cancel, replace, roll back an upload, delete a dataset (an editor can
    already take every row out with REPLACE and rollbacks; docs/decisions.md)."""

    role = Role.EDITOR


class Admin(_HasRole):
    """Members and API tokens."""

    role = Role.ADMIN


ROLE_CLASSES: tuple[type[BasePermission], ...] = (Public, SignedIn, Viewer, Editor, Admin)


class _Introspects(Visitor):
    def __init__(self) -> None:
        super().__init__()
        self.found = False

    def enter_field(self, node: FieldNode, *_: Any) -> None:
        if node.name.value in ("__schema", "__type"):
            self.found = True


def introspects(document: DocumentNode) -> bool:
    visitor = _Introspects()
    visit(document, visitor)
    return visitor.found


class NoAnonymousIntrospection(SchemaExtension):
    """The schema is described only to someone signed in (`__typename` stays open).

    Listed after ValidationCache, which sets the validation errors this adds to."""

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        caller = getattr(context.context, "caller", None)
        session = getattr(context.context, "session", None)
        document = context.graphql_document
        if caller is None and session is None and document is not None and introspects(document):
            errors = list(context.pre_execution_errors or [])
            context.pre_execution_errors = [*errors, _refuse(SIGN_IN, "UNAUTHENTICATED")]
        yield
