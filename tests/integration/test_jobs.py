"""Every job ends its task truthfully, and a task nobody moves is resumed or failed.

Real PostgreSQL, Redis and S3, a real arq worker in burst mode; Druid is unreachable, so a
task that gets as far as submitting ends FAILED with DRUID_UNAVAILABLE.
"""

from __future__ import annotations

import logging
import re
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from arq import Retry
from arq.connections import ArqRedis
from asyncpg.exceptions import AdminShutdownError, ConnectionDoesNotExistError, InterfaceError

from core.auth.model import LEGACY_WORKSPACE
from core.model import IngestOptions, Task, TaskKind, TaskStatus
from core.services import Services, open_services
from core.settings import Settings
from core.storage import S3ObjectStore
from tests.conftest import run_worker
from tests.graphql_ops import get_task, upload_file
from workers.jobs import Job, fail_unexpected, task_job
from workers.watchdog import watch_tasks

CSV = b"ts,city,qty\n2024-01-01T00:00:00Z,Paris,1\n2024-01-02T00:00:00Z,Lyon,2\n"


@pytest.fixture
async def services(settings: Settings, clean: None) -> AsyncIterator[Services]:
    async with open_services(settings) as svc:
        yield svc


async def _stalled_in(db: Any, redis: ArqRedis, task_id: str, status: TaskStatus) -> None:
    """What a SIGKILLed worker leaves: the task in `status`, its lease run out, its job gone."""
    await redis.flushdb()
    await db.execute(
        "UPDATE tasks SET status = $2, error_code = NULL, error_message = NULL,"
        " error_retryable = NULL, error_stage = NULL, updated_at = now() - interval '1 hour',"
        " lease_owner = 'process:dead', lease_until = now() - interval '10 minutes'"
        " WHERE id = $1",
        task_id,
        status.value,
    )


async def test_an_unexpected_exception_fails_the_task_with_an_incident_id(
    client: httpx.AsyncClient,
    settings: Settings,
    redis: ArqRedis,
    store: S3ObjectStore,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    task = await upload_file(client, filename="a.csv", content=CSV, datasource="ds")

    def bug(*args: Any, **kwargs: Any) -> None:
        raise KeyError("a bug nobody expected")

    monkeypatch.setattr("workers.pipeline.validate_file", bug)
    with caplog.at_level(logging.ERROR, logger="workers.jobs"):
        await run_worker(settings, redis)

    done = await get_task(client, task["id"])
    error = done["error"]
    assert done["status"] == "FAILED"
    assert (error["code"], error["stage"], error["retryable"]) == (
        "INTERNAL_ERROR",
        "VALIDATING",
        True,
    )
    incident = re.search(r"incident ([0-9a-f]{12})", error["message"])
    assert incident is not None, error["message"]
    assert "validating the file" in error["message"]
    assert "nobody expected" not in error["message"] and "Traceback" not in error["message"]
    logged = [r for r in caplog.records if incident.group(1) in r.getMessage()]
    assert logged and logged[0].exc_info is not None  # the traceback is in the worker log


@pytest.mark.parametrize(
    ("kind", "status", "doing"),
    [
        (TaskKind.ROLLBACK, TaskStatus.SUBMITTING, "counting the rows Druid serves before the"),
        (TaskKind.DELETE, TaskStatus.PUBLISHING, "waiting for Druid to delete the dataset's"),
    ],
)
async def test_an_unexpected_error_names_the_step_of_its_kind_of_task(
    services: Services, kind: TaskKind, status: TaskStatus, doing: str
) -> None:
    upload = await services.tasks.create(
        upload_id="u", task_id="up", filename="a.csv", content_type="text/csv", size_bytes=3,
        sha256="0" * 64, raw_key="uploads/u/a.csv", datasource="ds", options=IngestOptions(),
        workspace_id=LEGACY_WORKSPACE.id,
    )  # fmt: skip
    if kind == TaskKind.ROLLBACK:
        task = await services.tasks.create_follow_up(
            task_id="t", kind=kind, target=upload, message="queued"
        )
    else:
        task = await services.tasks.create_delete(
            task_id="t", datasource="ds", workspace_id=LEGACY_WORKSPACE.id, message="queued"
        )
    await services.tasks.transition(task.id, status)

    await fail_unexpected(services, task.id, RuntimeError("boom"))

    failed = await services.tasks.require(task.id)
    assert failed.error is not None and failed.error.code == "INTERNAL_ERROR"
    assert doing in failed.error.message and "ingestion" not in failed.error.message
    assert "boom" not in failed.error.message


async def test_a_job_leaves_a_task_alone_while_another_holds_a_live_lease(
    client: httpx.AsyncClient, settings: Settings, redis: ArqRedis, db: Any
) -> None:
    task = await upload_file(client, filename="a.csv", content=CSV, datasource="ds")
    await db.execute(
        "UPDATE tasks SET lease_owner = 'process:other', lease_until = now() + interval '1 hour'"
    )

    await run_worker(settings, redis)

    assert (await get_task(client, task["id"]))["status"] == "QUEUED"


@pytest.mark.parametrize("status", [TaskStatus.VALIDATING, TaskStatus.STAGING])
async def test_the_watchdog_resumes_a_task_whose_worker_died(
    client: httpx.AsyncClient,
    services: Services,
    settings: Settings,
    redis: ArqRedis,
    store: S3ObjectStore,
    db: Any,
    status: TaskStatus,
) -> None:
    task = await upload_file(client, filename="a.csv", content=CSV, datasource="ds")
    await _stalled_in(db, redis, task["id"], status)

    assert await watch_tasks({"services": services}) == 1
    assert await watch_tasks({"services": services}) == 0  # resumed: not stalled any more
    await run_worker(settings, redis)

    done = await get_task(client, task["id"])
    # It went all the way to the Druid submission (unreachable in these tests).
    assert (done["status"], done["error"]["code"]) == ("FAILED", "DRUID_UNAVAILABLE")
    assert done["profile"]["rowsTotal"] == 2
    statuses = [e["status"] for e in done["events"]]
    assert statuses.count("SUBMITTING") == 1  # staged and submitted once
    resumed = [e for e in done["events"] if e["message"].startswith("Resuming")]
    assert len(resumed) == 1 and status.value in {e["status"] for e in resumed}


async def test_the_watchdog_resumes_a_task_stuck_in_submitting(
    client: httpx.AsyncClient,
    services: Services,
    settings: Settings,
    redis: ArqRedis,
    db: Any,
) -> None:
    task = await upload_file(client, filename="a.csv", content=CSV, datasource="ds")
    await run_worker(settings, redis)  # validated and staged; submitting fails (no Druid)
    await _stalled_in(db, redis, task["id"], TaskStatus.SUBMITTING)

    assert await watch_tasks({"services": services}) == 1
    await run_worker(settings, redis)

    done = await get_task(client, task["id"])
    assert (done["status"], done["error"]["code"]) == ("FAILED", "DRUID_UNAVAILABLE")
    messages = [e["message"] or "" for e in done["events"]]
    resumed_at = next(i for i, m in enumerate(messages) if m.startswith("Resuming"))
    # Resumed in SUBMITTING: it submitted again without validating again.
    after = [e["status"] for e in done["events"][resumed_at:]]
    assert after == ["SUBMITTING", "FAILED"]


async def test_the_watchdog_fails_a_task_it_has_resumed_enough(
    client: httpx.AsyncClient, services: Services, settings: Settings, redis: ArqRedis, db: Any
) -> None:
    task = await upload_file(client, filename="a.csv", content=CSV, datasource="ds")
    await _stalled_in(db, redis, task["id"], TaskStatus.STAGING)
    await db.execute("UPDATE tasks SET resumes = $1", settings.max_resumes)

    assert await watch_tasks({"services": services}) == 1

    done = await get_task(client, task["id"])
    error = done["error"]
    assert (done["status"], error["code"], error["stage"]) == ("FAILED", "STALLED", "STAGING")
    assert "staging the file" in error["message"] and "worker is running" in error["message"]
    assert error["retryable"] is True


def _raised_while_handling(exc: Exception, cause: Exception) -> Exception:
    exc.__context__ = cause
    return exc


@pytest.mark.parametrize(
    "outage",
    [
        ConnectionResetError("connection reset"),
        AdminShutdownError("terminating connection"),
        _raised_while_handling(
            InterfaceError("the underlying connection is closed"),
            ConnectionDoesNotExistError("connection was closed in the middle of operation"),
        ),
    ],
    ids=["connection reset", "postgres terminated the session", "session cut in a transaction"],
)
async def test_a_lost_connection_runs_the_job_again_instead_of_failing_the_task(
    client: httpx.AsyncClient, services: Services, outage: Exception
) -> None:
    task = await upload_file(client, filename="a.csv", content=CSV, datasource="ds")

    @task_job
    async def step(job: Job, task: Task) -> str:
        raise outage

    with pytest.raises(Retry):
        await step({"services": services, "job_id": "process:x"}, task["id"])
    after = await services.tasks.require(task["id"])
    assert after.status == TaskStatus.QUEUED and after.error is None
