"""Which rollbacks are refused before any work starts (core/rollback.py), on real
PostgreSQL and Redis; what a rollback does in Druid is tested in tests/druid/test_rollback.py."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from core.auth.model import LEGACY_WORKSPACE
from core.control import ActionRefused
from core.model import IngestOptions, Task, TaskKind, TaskStatus, WriteMode
from core.rollback import request_rollback
from core.services import Services, open_services
from core.settings import Settings

WORKSPACE = LEGACY_WORKSPACE.id


@pytest.fixture
async def services(settings: Settings, clean: None) -> AsyncIterator[Services]:
    async with open_services(settings) as svc:
        yield svc


async def _upload(
    svc: Services, name: str, *, mode: WriteMode = WriteMode.APPEND, status: TaskStatus
) -> Task:
    task = await svc.tasks.create(
        upload_id=f"u-{name}", task_id=name, filename=f"{name}.csv", content_type="text/csv",
        size_bytes=10, sha256=name.ljust(64, "0"), raw_key=f"uploads/u-{name}/{name}.csv",
        datasource="ds", options=IngestOptions(mode=mode), workspace_id=WORKSPACE,
    )  # fmt: skip
    if status == TaskStatus.SUCCEEDED:
        await svc.tasks.transition(task.id, TaskStatus.VALIDATING)
    return await svc.tasks.transition(task.id, status)


async def _rollback(svc: Services, task_id: str) -> Task | ActionRefused:
    return await request_rollback(svc, task_id, workspace_id=WORKSPACE)


def _refused(outcome: Task | ActionRefused, code: str) -> str:
    assert isinstance(outcome, ActionRefused), outcome
    assert outcome.code == code, outcome
    return outcome.message


async def test_only_a_succeeded_upload_can_be_rolled_back_once(services: Services) -> None:
    _refused(await _rollback(services, "nope"), "NOT_FOUND")
    failed = await _upload(services, "bad", status=TaskStatus.FAILED)
    assert "FAILED" in _refused(
        await _rollback(services, failed.id),
        "NOT_ROLLBACKABLE",
    )
    done = await _upload(services, "good", status=TaskStatus.SUCCEEDED)

    rollback = await _rollback(services, done.id)

    assert isinstance(rollback, Task)
    assert (rollback.kind, rollback.target_task_id, rollback.status) == (
        TaskKind.ROLLBACK, done.id, TaskStatus.QUEUED,
    )  # fmt: skip
    assert rollback.filename == "good.csv" and rollback.datasource == "ds"
    message = _refused(
        await _rollback(services, done.id),
        "ALREADY_ROLLED_BACK",
    )
    assert rollback.id in message
    _refused(
        await _rollback(services, rollback.id),
        "NOT_ROLLBACKABLE",
    )
    queued = await services.redis.zrange(services.settings.queue_name, 0, -1)
    assert [job.decode() for job in queued] == [f"rollback:{rollback.id}:1"]


async def test_a_replace_is_rolled_back_only_as_the_newest_upload(services: Services) -> None:
    replace = await _upload(services, "r", mode=WriteMode.REPLACE, status=TaskStatus.SUCCEEDED)
    later = await _upload(services, "later", status=TaskStatus.SUCCEEDED)

    message = _refused(
        await _rollback(services, replace.id),
        "NOT_ROLLBACKABLE",
    )

    assert later.id in message and "newest first" in message


async def test_a_datasets_uploads_are_paged_newest_first_with_their_rollback(
    services: Services,
) -> None:
    first = await _upload(services, "a", status=TaskStatus.SUCCEEDED)
    second = await _upload(services, "b", status=TaskStatus.SUCCEEDED)
    rollback = await _rollback(services, first.id)
    assert isinstance(rollback, Task)

    page, cursor = await services.tasks.page(
        workspace_id=WORKSPACE, datasource="ds", kinds=[TaskKind.INGEST], first=1
    )
    rest, end = await services.tasks.page(
        workspace_id=WORKSPACE, datasource="ds", kinds=[TaskKind.INGEST], first=1, after=cursor
    )

    assert [t.id for t in page + rest] == [second.id, first.id] and end is None
    assert (page[0].rolled_back_by, rest[0].rolled_back_by) == (None, rollback.id)
