"""Job ids and which job moves a task on (core/queue.py)."""

from __future__ import annotations

import pytest

from core import queue
from core.model import Task, TaskStatus
from tests.tasks import model_task


def _task(status: TaskStatus, druid_task_id: str | None = None) -> Task:
    return model_task(status, druid_task_id=druid_task_id)


def test_a_resumption_gets_a_job_id_never_used_before() -> None:
    first = queue.job_id(queue.PROCESS, "t1", 1)
    assert first == "process:t1:1"  # enqueueing the same attempt twice runs it once
    ids = {first, *(queue.job_id(queue.PROCESS, "t1", 1, n) for n in (1, 2, 3))}
    assert len(ids) == 4
    assert queue.job_id(queue.TRACK, "t1", 2, 1) == "track:t1:2:r1"


@pytest.mark.parametrize(
    "status,druid_task_id,function",
    [
        (TaskStatus.QUEUED, None, queue.PROCESS),
        (TaskStatus.STAGING, None, queue.PROCESS),
        (TaskStatus.SUBMITTING, None, queue.PROCESS),
        (TaskStatus.INGESTING, "sluice_t1_1", queue.TRACK),
        (TaskStatus.PUBLISHING, "sluice_t1_1", queue.TRACK),
    ],
)
def test_the_step_for_a_task_follows_its_state(
    status: TaskStatus, druid_task_id: str | None, function: str
) -> None:
    assert queue.step_for(_task(status, druid_task_id)) == function
