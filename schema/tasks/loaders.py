"""Per-request DataLoaders for tasks, shared by the task, dataset and upload types."""

from __future__ import annotations

from strawberry.dataloader import DataLoader

from core import model
from schema.context import Context


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
