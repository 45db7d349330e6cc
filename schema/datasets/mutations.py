"""Catalog mutations: `deleteDataset`."""

from __future__ import annotations

import strawberry

from core.auth.naming import druid_name, owns
from core.control import ActionRefused
from core.delete import request_delete
from schema.context import Context
from schema.permissions import Editor
from schema.tasks.mutations import task_action_result
from schema.tasks.types import TaskActionResult


@strawberry.type
class DatasetsMutation:
    @strawberry.mutation(
        permission_classes=[Editor],
        description=(
            "Delete a dataset: its rows in Druid (segments marked unused, then killed), its "
            "catalog entry at once, and its files in storage after a grace period, as a DELETE "
            "task with live status. Refused while an upload into it is running. The uploads' "
            "history stays readable, and the name can be used again."
        ),
    )
    async def delete_dataset(
        self, info: strawberry.Info[Context, None], name: str
    ) -> TaskActionResult:
        workspace = info.context.member.workspace
        datasource = druid_name(workspace.druid_prefix, name)
        if not owns(workspace.druid_prefix, datasource):  # another workspace's name
            refused = ActionRefused("NOT_FOUND", f"There is no dataset '{name}'. Check the name.")
            return task_action_result(refused)
        outcome = await request_delete(
            info.context.services, datasource, workspace_id=workspace.id, shown_as=name
        )
        return task_action_result(outcome)
