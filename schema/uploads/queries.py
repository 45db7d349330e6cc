"""Upload-related queries."""

from __future__ import annotations

import strawberry

from core.auth.naming import druid_name
from core.catalog import datasource_known
from core.errors import ErrorCode
from core.names import datasource_name_problem
from schema.context import Info
from schema.errors import InvalidArgument
from schema.permissions import Viewer
from schema.uploads.types import DatasourceNameCheck


@strawberry.type
class UploadsQuery:
    @strawberry.field(
        permission_classes=[Viewer], description="Check a datasource name as the user types it."
    )
    async def check_datasource_name(self, info: Info, name: str) -> DatasourceNameCheck:
        problem = datasource_name_problem(name)
        prefix = info.context.member.workspace.druid_prefix
        exists = await datasource_known(info.context.db, druid_name(prefix, name))
        return DatasourceNameCheck(
            problem=InvalidArgument(
                code=ErrorCode.INVALID_DATASOURCE, message=problem, argument="name"
            )
            if problem
            else None,
            exists=exists,
        )
