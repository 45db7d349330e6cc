"""Which dataset deletions are refused before any work starts, and what a deleted dataset
leaves readable (core/delete.py), on real PostgreSQL, Redis and S3; what a deletion does in
Druid is tested in tests/druid/test_delete.py."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from core.auth.model import LEGACY_WORKSPACE
from core.catalog import recent_task_ids
from core.control import ActionRefused, cancel_task, retry_task
from core.model import IngestOptions, Task, TaskKind, TaskStatus
from core.rollback import request_rollback
from core.services import Services, open_services
from core.settings import Settings
from tests.graphql_ops import (
    datasource_names,
    delete_dataset,
    graphql,
    upload_file,
)

CSV = b"ts,v\n2024-01-01,1\n"
WORKSPACE = LEGACY_WORKSPACE.id


@pytest.fixture
async def services(settings: Settings, clean: None) -> AsyncIterator[Services]:
    async with open_services(settings) as svc:
        yield svc


async def _dataset(db: Any, name: str) -> None:
    await db.execute("INSERT INTO datasets (name, row_count) VALUES ($1, 1)", name)


async def test_a_dataset_is_not_deleted_while_an_upload_into_it_runs(
    client: httpx.AsyncClient, db: Any, redis: Any, settings: Settings
) -> None:
    await _dataset(db, "sales")
    missing = await delete_dataset(client, "nothing")
    assert (missing["__typename"], missing["code"]) == ("TaskActionRejected", "NOT_FOUND")
    running = await upload_file(client, filename="a.csv", content=CSV, datasource="sales")

    busy = await delete_dataset(client, "sales")

    assert busy["code"] == "DATASET_BUSY" and running["id"] in busy["message"]
    assert "sales" in await datasource_names(client)


async def test_a_deletion_hides_the_dataset_and_refuses_uploads_until_it_ends(
    client: httpx.AsyncClient, db: Any, redis: Any, settings: Settings
) -> None:
    await _dataset(db, "sales")
    await _dataset(db, "other")

    task = await delete_dataset(client, "sales")

    assert task["__typename"] == "IngestionTask", task
    assert (task["kind"], task["status"], task["datasource"], task["filename"]) == (
        "DELETE", "QUEUED", "sales", "sales",
    )  # fmt: skip
    queued = await redis.zrange(settings.queue_name, 0, -1)
    assert [job.decode() for job in queued] == [f"delete:{task['id']}:1"]
    assert await datasource_names(client) == ["other"]
    found = await graphql(client, 'query { datasource(name: "sales") { name } }')
    assert found["datasource"] is None
    again = await delete_dataset(client, "sales")
    assert again["code"] == "DATASET_BEING_DELETED" and task["id"] in again["message"]
    upload = await upload_file(client, filename="b.csv", content=CSV, datasource="sales")
    assert upload["__typename"] == "UploadRejected"
    assert upload["code"] == "DATASET_BEING_DELETED" and task["id"] in upload["message"]


async def _upload(svc: Services, name: str, *, status: TaskStatus) -> Task:
    task = await svc.tasks.create(
        upload_id=f"u-{name}", task_id=name, filename=f"{name}.csv", content_type="text/csv",
        size_bytes=10, sha256=name.ljust(64, "0"), raw_key=f"uploads/u-{name}/{name}.csv",
        datasource="ds", options=IngestOptions(), workspace_id=WORKSPACE,
    )  # fmt: skip
    await svc.tasks.transition(task.id, TaskStatus.VALIDATING)
    return await svc.tasks.transition(task.id, status)


async def test_a_deleted_datasets_tasks_stay_readable_and_cannot_run_again(
    services: Services,
) -> None:
    done = await _upload(services, "done", status=TaskStatus.SUCCEEDED)
    failed = await _upload(services, "failed", status=TaskStatus.FAILED)
    deletion = await services.tasks.create_delete(
        task_id="del", datasource="ds", workspace_id=WORKSPACE, message="Deleting"
    )

    assert await services.tasks.mark_dataset_deleted("ds", delete_task_id=deletion.id) == 2
    again = await _upload(services, "again", status=TaskStatus.SUCCEEDED)  # the name, reused

    old = await services.tasks.get(done.id)
    assert old is not None and old.dataset_deleted_by == deletion.id
    assert old.status == TaskStatus.SUCCEEDED and old.filename == "done.csv"
    retried = await retry_task(services, failed.id, workspace_id=WORKSPACE)
    assert isinstance(retried, ActionRefused) and retried.code == "NOT_RETRYABLE"
    assert deletion.id in retried.message and "Upload the file again" in retried.message
    undo = await request_rollback(services, done.id, workspace_id=WORKSPACE)
    assert isinstance(undo, ActionRefused) and undo.code == "NOT_ROLLBACKABLE"
    assert "deleted" in undo.message
    current, _ = await services.tasks.page(
        workspace_id=WORKSPACE, datasource="ds", kinds=[TaskKind.INGEST],
        current_dataset_only=True,
    )  # fmt: skip
    every, _ = await services.tasks.page(workspace_id=WORKSPACE, datasource="ds")
    assert [t.id for t in current] == [again.id]
    assert {t.id for t in every} == {again.id, deletion.id, failed.id, done.id}


async def test_a_reused_names_recent_tasks_leave_out_the_deletion_of_the_old_dataset(
    services: Services,
) -> None:
    await _upload(services, "old", status=TaskStatus.SUCCEEDED)
    deletion = await services.tasks.create_delete(
        task_id="del", datasource="ds", workspace_id=WORKSPACE, message="Deleting"
    )
    await services.tasks.mark_dataset_deleted("ds", delete_task_id=deletion.id)
    for status in (TaskStatus.SUBMITTING, TaskStatus.INGESTING, TaskStatus.PUBLISHING):
        await services.tasks.transition(deletion.id, status)
    await services.tasks.transition(deletion.id, TaskStatus.SUCCEEDED)
    again = await _upload(services, "again", status=TaskStatus.SUCCEEDED)  # the name, reused

    recent = await recent_task_ids(services.db, ["ds"])

    assert recent == {"ds": [again.id]}


async def test_a_deletion_can_be_cancelled_only_before_it_starts(services: Services) -> None:
    queued = await services.tasks.create_delete(
        task_id="del", datasource="ds", workspace_id=WORKSPACE, message="Deleting"
    )
    started = await services.tasks.create_delete(
        task_id="del2", datasource="other", workspace_id=WORKSPACE, message="Deleting"
    )
    await services.tasks.transition(started.id, TaskStatus.SUBMITTING)

    refused = await cancel_task(services, started.id, workspace_id=WORKSPACE)
    cancelled = await cancel_task(services, queued.id, workspace_id=WORKSPACE)

    assert isinstance(refused, ActionRefused) and refused.code == "NOT_CANCELLABLE"
    assert isinstance(cancelled, Task) and cancelled.status == TaskStatus.CANCELLED
