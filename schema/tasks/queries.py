"""Task queries."""

from __future__ import annotations

from typing import Annotated

import strawberry

from core import model
from core.auth.naming import druid_name
from core.errors import VisibleError
from schema.context import Info
from schema.enums import TaskStatus
from schema.errors import InvalidArgument
from schema.permissions import Viewer
from schema.tasks.loaders import task_loader
from schema.tasks.types import IngestionTask, TaskPage

TasksResult = Annotated[TaskPage | InvalidArgument, strawberry.union("TasksResult")]


@strawberry.type
class TasksQuery:
    @strawberry.field(permission_classes=[Viewer])
    async def task(self, info: Info, id: strawberry.ID) -> IngestionTask | None:
        task = await task_loader(info.context).load(str(id))
        return IngestionTask.from_model(task) if task else None

    @strawberry.field(
        permission_classes=[Viewer],
        description="Newest first. Filter by status and/or datasource. An `after` cursor this "
        "API did not give gives InvalidArgument (INVALID_CURSOR).",
    )
    async def tasks(
        self,
        info: Info,
        status: list[TaskStatus] | None = None,
        datasource: str | None = None,
        first: int = 50,
        after: str | None = None,
    ) -> TasksResult:
        workspace = info.context.member.workspace
        try:
            items, next_cursor = await info.context.tasks.page(
                workspace_id=workspace.id,
                statuses=[model.TaskStatus(s) for s in status or []],
                datasource=druid_name(workspace.druid_prefix, datasource) if datasource else None,
                first=max(1, min(first, 500)),
                after=after,
            )
        except VisibleError as exc:  # a cursor not given by this API
            return InvalidArgument(code=exc.code, message=exc.message, argument="after")
        return TaskPage(items=[IngestionTask.from_model(t) for t in items], next_cursor=next_cursor)
