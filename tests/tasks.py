"""Tasks made straight in the store, for tests and benchmarks that need one to change."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from core.auth.model import LEGACY_WORKSPACE
from core.model import IngestOptions, Task, TaskStatus
from core.services import Services


async def new_task(
    svc: Services, task_id: str, *, datasource: str = "ds", workspace_id: str = LEGACY_WORKSPACE.id
) -> str:
    """A QUEUED-able task (in the legacy workspace unless told) with no upload behind it;
    returns its id."""
    task = await svc.tasks.create(
        upload_id=f"u-{task_id}",
        task_id=task_id,
        filename="a.csv",
        content_type="text/csv",
        size_bytes=1,
        sha256=None,
        raw_key=f"uploads/u-{task_id}/a.csv",
        datasource=datasource,
        options=IngestOptions(),
        workspace_id=workspace_id,
    )
    return task.id


def model_task(status: TaskStatus = TaskStatus.QUEUED, **fields: Any) -> Task:
    """A `Task` value (not stored), for pure-logic tests; `fields` override the defaults."""
    now = datetime.now(UTC)
    task = Task(
        id="t1",
        upload_id="u1",
        datasource="ds",
        filename="a.csv",
        size_bytes=1,
        status=status,
        options=IngestOptions(),
        created_at=now,
        updated_at=now,
    )
    return replace(task, **fields)
