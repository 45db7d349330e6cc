"""The task store on real PostgreSQL: transitions, events, typed updates, leases."""

from __future__ import annotations

from typing import Any

import pytest

from core.auth.model import LEGACY_WORKSPACE
from core.leases import Leases
from core.model import (
    ColumnProfile,
    ColumnType,
    IllegalTransition,
    IngestOptions,
    Profile,
    StagedData,
    TaskError,
    TaskStatus,
    TimestampInfo,
    WriteMode,
)
from core.task_rows import TaskUpdate
from core.tasks import TaskStore


@pytest.fixture
def tasks(db: Any, redis: Any, clean: None) -> TaskStore:
    return TaskStore(db, redis)


async def _new_task(tasks: TaskStore, task_id: str = "t1") -> str:
    task = await tasks.create(
        upload_id=f"u-{task_id}",
        task_id=task_id,
        filename="a.csv",
        content_type="text/csv",
        size_bytes=10,
        sha256="0" * 64,
        raw_key="uploads/u1/a.csv",
        datasource="ds",
        options=IngestOptions(mode=WriteMode.REPLACE, delimiter=";"),
        workspace_id=LEGACY_WORKSPACE.id,
    )
    return task.id


async def test_every_change_is_an_event_and_progress_keeps_the_status_clock(
    tasks: TaskStore,
) -> None:
    task_id = await _new_task(tasks)
    await tasks.transition(task_id, TaskStatus.VALIDATING, progress=0.0, message="start")
    await tasks.transition(task_id, TaskStatus.VALIDATING, progress=0.5, message="half")
    events = await tasks.events(task_id)

    assert [(e.status, e.progress) for e in events] == [
        (TaskStatus.QUEUED, 0.0),
        (TaskStatus.VALIDATING, 0.0),
        (TaskStatus.VALIDATING, 0.5),
    ]
    assert await tasks.in_status_since(task_id, TaskStatus.VALIDATING) == events[1].at
    assert await tasks.in_status_since(task_id, TaskStatus.STAGING) is None


async def test_failure_is_recorded_and_a_terminal_task_cannot_move_on(tasks: TaskStore) -> None:
    task_id = await _new_task(tasks)
    error = TaskError(code="X", message="it broke", retryable=True, stage=TaskStatus.QUEUED)
    await tasks.transition(task_id, TaskStatus.FAILED, error=error)

    task = await tasks.get(task_id)
    assert task is not None and task.error == error
    with pytest.raises(IllegalTransition):
        await tasks.transition(task_id, TaskStatus.STAGING)
    # Re-queueing (a retry) clears the error.
    await tasks.transition(task_id, TaskStatus.QUEUED, update=TaskUpdate(attempt=2))
    task = await tasks.get(task_id)
    assert task is not None and task.error is None and task.attempt == 2


async def test_typed_updates_round_trip_and_unset_fields_keep_their_value(
    tasks: TaskStore,
) -> None:
    task_id = await _new_task(tasks)
    profile = Profile(
        format="csv",
        encoding="utf-8",
        delimiter=";",
        sheet=None,
        rows_total=2,
        rows_valid=2,
        rows_quarantined=0,
        columns=(
            ColumnProfile("ts", ColumnType.TIMESTAMP, 0, 2),
            ColumnProfile("n", ColumnType.LONG, 0, 2, "1", "2", (("1", 1), ("2", 1))),
        ),
        timestamp=TimestampInfo(column="ts", druid_format="millis", min="2024-01-01T00:00:00Z"),
        warnings=("w",),
    )
    staged = StagedData(uris=("s3://b/k",), format="csv", columns=("ts", "n"), rows=2)
    await tasks.transition(
        task_id,
        TaskStatus.STAGING,
        update=TaskUpdate(profile=profile, rows_total=2, druid_task_id="d1"),
    )
    await tasks.transition(task_id, TaskStatus.SUBMITTING, update=TaskUpdate(staged=staged))

    task = await tasks.require(task_id)
    assert task.profile == profile and task.staged == staged
    assert (task.rows_total, task.druid_task_id) == (2, "d1")  # kept: UNSET the 2nd time
    assert task.options == IngestOptions(mode=WriteMode.REPLACE, delimiter=";")
    await tasks.transition(task_id, TaskStatus.SUBMITTING, update=TaskUpdate(druid_task_id=None))
    assert (await tasks.require(task_id)).druid_task_id is None  # None clears


async def test_a_stale_lease_is_taken_over_and_a_live_one_is_not(tasks: TaskStore, db: Any) -> None:
    task_id = await _new_task(tasks)
    leases = Leases(db)
    assert await leases.take(task_id, "job-a", ttl_s=60)
    assert await leases.take(task_id, "job-a", ttl_s=60)  # renewing one's own lease
    assert not await leases.take(task_id, "job-b", ttl_s=60)  # live: refused

    await db.execute("UPDATE tasks SET lease_until = now() - interval '1 second'")
    assert await leases.take(task_id, "job-b", ttl_s=60)  # stale: taken over
    assert not await leases.take(task_id, "job-a", ttl_s=60)
    await leases.release(task_id, "job-a")  # not the owner: no effect
    assert not await leases.take(task_id, "job-c", ttl_s=60)
    await leases.release(task_id, "job-b")
    assert await leases.take(task_id, "job-c", ttl_s=60)


async def test_a_lease_is_handed_to_the_next_step(tasks: TaskStore, db: Any) -> None:
    task_id = await _new_task(tasks)
    leases = Leases(db)
    assert await leases.take(task_id, "process:t1:1", ttl_s=60)
    assert not await leases.hand_over(task_id, "someone-else", to="x", ttl_s=60)
    assert await leases.hand_over(task_id, "process:t1:1", to="track:t1:1", ttl_s=60)
    await leases.release(task_id, "process:t1:1")  # what the handing job does next: no effect
    assert not await leases.take(task_id, "process:t1:1", ttl_s=60)
    assert await leases.take(task_id, "track:t1:1", ttl_s=60)


async def test_stalled_means_no_live_lease_and_no_change_past_the_deadline(
    tasks: TaskStore, db: Any
) -> None:
    stuck, leased, fresh = [await _new_task(tasks, name) for name in ("s", "l", "f")]
    await db.execute(
        "UPDATE tasks SET status = 'STAGING', updated_at = now() - interval '10 minutes'"
        " WHERE id = ANY($1::text[])",
        [stuck, leased],
    )
    leases = Leases(db)
    await leases.take(leased, "job", ttl_s=60)

    deadlines = {TaskStatus.QUEUED: 300.0, TaskStatus.STAGING: 300.0}
    assert await leases.stalled(deadlines) == [stuck]
    assert fresh not in await leases.stalled(deadlines)
