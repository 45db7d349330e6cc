"""Two identical requests at the same moment: exactly one wins, the other gets the typed
refusal it would get a moment later (core/claims.py: the check and the insert happen under
one PostgreSQL advisory lock per dataset). Real PostgreSQL, Redis and S3, through the API."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from core.auth.model import LEGACY_WORKSPACE
from core.control import ActionRefused
from core.delete import request_delete
from core.model import IngestOptions, Task, TaskStatus
from core.rollback import request_rollback
from core.services import Services, open_services
from core.settings import Settings
from tests.graphql_ops import delete_dataset, upload_file
from tests.integration.test_resumable_upload import COMPLETE, _gql, _put, _start

CSV = b"ts,city,amount\n2024-01-01T00:00:00Z,Paris,1.5\n"
ROUNDS = 5  # each round is a fresh race; one round lost without the lock fails the test


WORKSPACE = LEGACY_WORKSPACE.id


def _outcomes(results: list[dict[str, Any]]) -> list[str]:
    return sorted(r.get("code") or r["__typename"] for r in results)


def _codes(results: list[Task | ActionRefused]) -> list[str]:
    return sorted(r.code if isinstance(r, ActionRefused) else "Task" for r in results)


@pytest.fixture
async def services(settings: Settings, clean: None) -> AsyncIterator[Services]:
    async with open_services(settings) as svc:
        yield svc


async def _loaded(svc: Services, name: str, datasource: str) -> Task:
    """A SUCCEEDED upload into `datasource`: something a rollback can take back."""
    task = await svc.tasks.create(
        upload_id=f"u-{name}", task_id=name, filename="a.csv", content_type="text/csv",
        size_bytes=10, sha256=name.ljust(64, "0"), raw_key=f"uploads/u-{name}/a.csv",
        datasource=datasource, options=IngestOptions(), workspace_id=WORKSPACE,
    )  # fmt: skip
    await svc.tasks.transition(task.id, TaskStatus.VALIDATING)
    return await svc.tasks.transition(task.id, TaskStatus.SUCCEEDED)


async def test_two_deletions_at_once_queue_one_task(client: httpx.AsyncClient, db: Any) -> None:
    for n in range(ROUNDS):
        name = f"sales{n}"
        await db.execute("INSERT INTO datasets (name, row_count) VALUES ($1, 1)", name)

        results = await asyncio.gather(delete_dataset(client, name), delete_dataset(client, name))

        assert _outcomes(list(results)) == ["DATASET_BEING_DELETED", "IngestionTask"], results
        count = await db.fetchval("SELECT count(*) FROM tasks WHERE kind = 'DELETE'")
        assert count == n + 1


async def test_two_identical_uploads_at_once_accept_one(client: httpx.AsyncClient, db: Any) -> None:
    for n in range(ROUNDS):
        content = CSV + f"2024-01-02T00:00:00Z,Rome,{n}\n".encode()
        upload = upload_file(client, filename="a.csv", content=content, datasource="sales")
        again = upload_file(client, filename="a.csv", content=content, datasource="sales")

        results = await asyncio.gather(upload, again)

        assert _outcomes(list(results)) == ["DUPLICATE_FILE", "IngestionTask"], results


async def test_two_identical_resumable_uploads_completed_at_once_accept_one(
    client: httpx.AsyncClient,
) -> None:
    for n in range(ROUNDS):
        content = (CSV + f"2024-01-02T00:00:00Z,Rome,{n}\n".encode()) * 1000
        sessions = [await _start(client, content) for _ in range(2)]
        for session in sessions:
            await _put(session, content, [1])

        results = await asyncio.gather(
            *(_gql(client, COMPLETE, id=session["id"]) for session in sessions)
        )

        assert _outcomes([r["completeUpload"] for r in results]) == [
            "DUPLICATE_FILE",
            "IngestionTask",
        ], results


async def test_an_upload_and_a_deletion_at_once_do_not_both_pass(
    client: httpx.AsyncClient, db: Any
) -> None:
    for n in range(ROUNDS):
        name = f"sales{n}"
        await db.execute("INSERT INTO datasets (name, row_count) VALUES ($1, 1)", name)
        upload = upload_file(client, filename="a.csv", content=CSV, datasource=name)

        results = await asyncio.gather(upload, delete_dataset(client, name))

        # whichever came first, the other is refused: never a deletion racing an upload
        assert _outcomes(list(results)) in (
            ["DATASET_BEING_DELETED", "IngestionTask"],
            ["DATASET_BUSY", "IngestionTask"],
        ), results


async def test_two_rollbacks_of_one_upload_at_once_queue_one(services: Services) -> None:
    for n in range(ROUNDS):
        done = await _loaded(services, f"t{n}", f"ds{n}")
        twice = [request_rollback(services, done.id, workspace_id=WORKSPACE) for _ in range(2)]

        results = await asyncio.gather(*twice)

        assert _codes(list(results)) == ["ALREADY_ROLLED_BACK", "Task"], results


async def test_a_rollback_and_a_deletion_at_once_do_not_both_pass(services: Services) -> None:
    for n in range(ROUNDS):
        done = await _loaded(services, f"t{n}", f"ds{n}")
        undo = request_rollback(services, done.id, workspace_id=WORKSPACE)
        delete = request_delete(services, f"ds{n}", workspace_id=WORKSPACE, shown_as=f"ds{n}")
        await services.db.execute("INSERT INTO datasets (name, row_count) VALUES ($1, 1)", f"ds{n}")

        results = await asyncio.gather(undo, delete)

        assert _codes(list(results)) in (
            ["DATASET_BEING_DELETED", "Task"],
            ["DATASET_BUSY", "Task"],
        ), results
