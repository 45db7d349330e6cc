"""Uploaded files leave S3 after retention, and a deleted dataset's after its grace period
(core/retention.py, the hourly worker job), on real PostgreSQL and S3."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from core.auth.model import LEGACY_WORKSPACE
from core.control import ActionRefused, retry_task
from core.model import IngestOptions, Task, TaskStatus
from core.retention import DATASET_DELETED, RETENTION
from core.services import Services, open_services
from core.settings import Settings
from core.storage import S3ObjectStore, staged_prefix
from workers.retention import remove_expired_files

WORKSPACE = LEGACY_WORKSPACE.id


@contextlib.asynccontextmanager
async def _services(settings: Settings, **overrides: Any) -> AsyncIterator[Services]:
    async with open_services(settings.model_copy(update=overrides)) as svc:
        yield svc


async def _run(settings: Settings, **overrides: Any) -> int:
    """One run of the worker's retention job under `overrides` of the settings."""
    async with _services(settings, **overrides) as svc:
        return await remove_expired_files({"services": svc})


async def _upload(
    svc: Services, store: S3ObjectStore, tmp_path: Path, name: str, *, status: TaskStatus
) -> Task:
    """A task in `status` with its raw upload, a staged part and a quarantine file in S3."""
    raw_key = f"uploads/u-{name}/{name}.csv"
    task = await svc.tasks.create(
        upload_id=f"u-{name}", task_id=name, filename=f"{name}.csv", content_type="text/csv",
        size_bytes=10, sha256=name.ljust(64, "0"), raw_key=raw_key, datasource="ds",
        options=IngestOptions(), workspace_id=WORKSPACE,
    )  # fmt: skip
    path = tmp_path / f"{name}.csv"
    path.write_text("ts,v\n2024-01-01,1\n")
    for key in (raw_key, f"{staged_prefix('ds', name, 1)}part-0000.csv", _quarantine(name)):
        await store.put_file(key, path)
    await svc.db.execute(
        "UPDATE tasks SET quarantine_key = $2 WHERE id = $1", name, _quarantine(name)
    )
    if status != TaskStatus.QUEUED:
        await svc.tasks.transition(task.id, TaskStatus.VALIDATING)
        await svc.tasks.transition(task.id, status)
    return task


def _quarantine(name: str) -> str:
    return f"quarantine/{name}/rows.csv"


async def _keys(store: S3ObjectStore, name: str) -> list[str]:
    found = [
        *await store.list_keys(f"uploads/u-{name}/"),
        *await store.list_keys(staged_prefix("ds", name)),
        *await store.list_keys(f"quarantine/{name}/"),
    ]
    return [key.split("/")[0] for key in found]


@pytest.fixture
async def services(settings: Settings, clean: None) -> AsyncIterator[Services]:
    async with open_services(settings) as svc:
        yield svc


async def test_finished_uploads_lose_raw_and_staged_files_after_retention(
    services: Services, store: S3ObjectStore, settings: Settings, tmp_path: Path
) -> None:
    done = await _upload(services, store, tmp_path, "done", status=TaskStatus.SUCCEEDED)
    failed = await _upload(services, store, tmp_path, "failed", status=TaskStatus.FAILED)
    running = await _upload(services, store, tmp_path, "running", status=TaskStatus.VALIDATING)
    assert await _run(settings) == 0  # 30 days by default: nothing is due yet

    removed = await _run(settings, raw_upload_retention_days=0.0)

    assert removed == 2
    assert await _keys(store, done.id) == ["quarantine"]  # kept for the round trip
    assert await _keys(store, failed.id) == ["quarantine"]
    assert await _keys(store, running.id) == ["uploads", "staged", "quarantine"]
    now = await services.tasks.get(done.id)
    assert now is not None and now.files_removed_reason == RETENTION and now.files_removed_at
    refused = await retry_task(services, failed.id, workspace_id=WORKSPACE)
    assert isinstance(refused, ActionRefused) and refused.code == "FILE_REMOVED"
    assert "removed after 30 days (retention)" in refused.message
    assert "Upload the file again" in refused.message
    assert await _run(settings, raw_upload_retention_days=0.0) == 0  # done once


async def test_a_deleted_datasets_files_go_after_the_grace_period(
    services: Services, store: S3ObjectStore, settings: Settings, tmp_path: Path
) -> None:
    done = await _upload(services, store, tmp_path, "done", status=TaskStatus.SUCCEEDED)
    deletion = await services.tasks.create_delete(
        task_id="del", datasource="ds", workspace_id=WORKSPACE, message="Deleting"
    )
    await services.tasks.mark_dataset_deleted("ds", delete_task_id=deletion.id)
    assert await _run(settings, deleted_dataset_grace_hours=0.0) == 0  # not deleted yet
    await services.tasks.transition(deletion.id, TaskStatus.SUCCEEDED)
    assert await _run(settings) == 0  # within the grace period

    assert await _run(settings, deleted_dataset_grace_hours=0.0) == 1

    assert await _keys(store, done.id) == []
    now = await services.tasks.get(done.id)
    assert now is not None and now.files_removed_reason == DATASET_DELETED
