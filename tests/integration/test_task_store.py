"""The task store on real PostgreSQL: transitions, events and the state machine."""

from __future__ import annotations

from typing import Any

import pytest

from core.auth.model import LEGACY_WORKSPACE
from core.model import IllegalTransition, IngestOptions, TaskError, TaskStatus
from core.tasks import create_upload_and_task, get_task, in_status_since, list_events, transition


async def _new_task(db: Any, redis: Any) -> str:
    task = await create_upload_and_task(
        db,
        redis,
        upload_id="u1",
        task_id="t1",
        filename="a.csv",
        content_type="text/csv",
        size_bytes=10,
        sha256="0" * 64,
        raw_key="uploads/u1/a.csv",
        datasource="ds",
        options=IngestOptions(),
        workspace_id=LEGACY_WORKSPACE.id,
    )
    return task.id


async def test_every_change_is_an_event_and_progress_keeps_the_status_clock(
    db: Any, redis: Any, clean: None
) -> None:
    task_id = await _new_task(db, redis)
    await transition(db, redis, task_id, TaskStatus.VALIDATING, progress=0.0, message="start")
    await transition(db, redis, task_id, TaskStatus.VALIDATING, progress=0.5, message="half")
    events = await list_events(db, task_id)

    assert [(e.status, e.progress) for e in events] == [
        (TaskStatus.QUEUED, 0.0),
        (TaskStatus.VALIDATING, 0.0),
        (TaskStatus.VALIDATING, 0.5),
    ]
    assert await in_status_since(db, task_id, TaskStatus.VALIDATING) == events[1].at
    assert await in_status_since(db, task_id, TaskStatus.STAGING) is None


async def test_failure_is_recorded_and_a_terminal_task_cannot_move_on(
    db: Any, redis: Any, clean: None
) -> None:
    task_id = await _new_task(db, redis)
    error = TaskError(code="X", message="it broke", retryable=True, stage=TaskStatus.QUEUED)
    await transition(db, redis, task_id, TaskStatus.FAILED, error=error)

    task = await get_task(db, task_id)
    assert task is not None and task.error == error
    with pytest.raises(IllegalTransition):
        await transition(db, redis, task_id, TaskStatus.STAGING)
    # Re-queueing (a retry) clears the error.
    await transition(db, redis, task_id, TaskStatus.QUEUED, attempt=2)
    task = await get_task(db, task_id)
    assert task is not None and task.error is None and task.attempt == 2
