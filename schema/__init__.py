"""The Sluice GraphQL schema, composed from one package per domain."""

from __future__ import annotations

import strawberry
from strawberry.extensions import (
    AddValidationRules,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    ParserCache,
    QueryDepthLimiter,
    ValidationCache,
)
from strawberry.file_uploads import Upload  # noqa: F401  (the Upload scalar is part of the API)

from core.settings import Settings
from schema.auth.mutations import AuthMutation
from schema.auth.queries import AuthQuery
from schema.cost import CostLimit
from schema.dashboards.queries import DashboardsQuery
from schema.datasets.mutations import DatasetsMutation
from schema.datasets.queries import DatasetsQuery
from schema.errors import MaskUnexpectedErrors, RejectNulCharacters, SluiceSchema
from schema.metrics import OperationMetrics
from schema.permissions import NoAnonymousIntrospection
from schema.tasks.mutations import TasksMutation
from schema.tasks.queries import TasksQuery
from schema.tasks.subscriptions import TasksSubscription
from schema.uploads.mutations import UploadsMutation
from schema.uploads.queries import UploadsQuery
from schema.uploads.resumable import ResumableMutation, ResumableQuery


@strawberry.type
class Query(AuthQuery, TasksQuery, UploadsQuery, ResumableQuery, DatasetsQuery, DashboardsQuery):
    pass


@strawberry.type
class Mutation(AuthMutation, UploadsMutation, ResumableMutation, TasksMutation, DatasetsMutation):
    pass


@strawberry.type
class Subscription(TasksSubscription):
    pass


def build_schema(settings: Settings | None = None) -> strawberry.Schema:
    """The executable schema, with the query-cost limiters configured from settings.

    The limiter rules are built once and passed through `AddValidationRules`, so the
    validation of a document can be cached (`ValidationCache`): a dashboard sends the same few
    documents again and again, and re-validating each costs ~3 ms of CPU (bench/RESULTS.md).
    """
    settings = settings or Settings()
    rules = [
        *QueryDepthLimiter(max_depth=settings.graphql_max_depth).validation_rules,
        *MaxAliasesLimiter(max_alias_count=settings.graphql_max_aliases).validation_rules,
    ]
    return SluiceSchema(
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        extensions=[
            OperationMetrics,
            # Factories: Strawberry builds fresh extension instances per request.
            lambda: AddValidationRules(rules),
            lambda: MaxTokensLimiter(max_token_count=settings.graphql_max_tokens),
            lambda: ParserCache(maxsize=256),
            lambda: ValidationCache(maxsize=256),
            NoAnonymousIntrospection,  # after ValidationCache: it adds to its errors
            lambda: CostLimit(limit=settings.graphql_max_cost),  # after it too: valid documents
            RejectNulCharacters,
            MaskUnexpectedErrors,  # only GraphQL errors and VisibleError keep their text
        ],
    )


def export_sdl() -> str:
    """The SDL checked in as schema.graphql (what the frontend generates its types from)."""
    return (
        strawberry.Schema(query=Query, mutation=Mutation, subscription=Subscription).as_str() + "\n"
    )
