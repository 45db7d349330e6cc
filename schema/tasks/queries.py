"""Task queries."""

from __future__ import annotations

import strawberry
from strawberry.dataloader import DataLoader

from core import model
from core.auth.naming import druid_name
from schema.context import Context
from schema.permissions import Viewer
from schema.tasks.types import IngestionTask, TaskPage, TaskStatus


def task_loader(context: Context) -> DataLoader[str, model.Task | None]:
    """One per request: asking for the same task twice costs one query. Only the caller's
    workspace's tasks are found."""
    loader = context.loaders.get("task")
    if loader is None:
        tasks, workspace_id = context.tasks, context.member.workspace_id
        loader = context.loaders["task"] = DataLoader(
            load_fn=lambda ids: tasks.get_many(ids, workspace_id=workspace_id)
        )
    return loader


@strawberry.type
class TasksQuery:
    @strawberry.field(permission_classes=[Viewer])
    async def task(
        self, info: strawberry.Info[Context, None], id: strawberry.ID
    ) -> IngestionTask | None:
        task = await task_loader(info.context).load(str(id))
        return IngestionTask.from_model(task) if task else None

    @strawberry.field(
        permission_classes=[Viewer],
        description="Newest first. Filter by status and/or datasource.",
    )
    async def tasks(
        self,
        info: strawberry.Info[Context, None],
        status: list[TaskStatus] | None = None,
        datasource: str | None = None,
        first: int = 50,
        after: str | None = None,
    ) -> TaskPage:
        workspace = info.context.member.workspace
        items, next_cursor = await info.context.tasks.page(
            workspace_id=workspace.id,
            statuses=[model.TaskStatus(s.value) for s in status or []],
            datasource=druid_name(workspace.druid_prefix, datasource) if datasource else None,
            first=max(1, min(first, 500)),
            after=after,
        )
        return TaskPage(items=[IngestionTask.from_model(t) for t in items], next_cursor=next_cursor)
