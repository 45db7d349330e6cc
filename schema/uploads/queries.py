"""Upload-related queries."""

from __future__ import annotations

import strawberry

from core.catalog import datasource_known
from core.errors import ErrorCode
from core.names import datasource_name_problem
from schema.context import Context
from schema.errors import InvalidArgument
from schema.uploads.types import DatasourceNameCheck


@strawberry.type
class UploadsQuery:
    @strawberry.field(description="Check a datasource name as the user types it.")
    async def check_datasource_name(
        self, info: strawberry.Info[Context, None], name: str
    ) -> DatasourceNameCheck:
        problem = datasource_name_problem(name)
        exists = await datasource_known(info.context.db, name)
        return DatasourceNameCheck(
            problem=InvalidArgument(
                code=ErrorCode.INVALID_DATASOURCE, message=problem, argument="name"
            )
            if problem
            else None,
            exists=exists,
        )
