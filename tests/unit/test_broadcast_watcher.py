"""A watcher's mailbox keeps the latest state of each task, never more than its bound."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from core.broadcast import Watcher
from core.model import Task, TaskStatus
from tests.tasks import model_task

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def _task(task_id: str, *, status: TaskStatus = TaskStatus.QUEUED, second: int = 0) -> Task:
    return model_task(
        status,
        id=task_id,
        upload_id=f"u-{task_id}",
        created_at=T0,
        updated_at=T0 + timedelta(seconds=second),
    )


def _feed(max_pending: int = 10) -> Watcher:
    return Watcher(task_id=None, workspace_id=None, max_pending=max_pending)


async def test_changes_to_one_task_collapse_to_its_latest_state() -> None:
    watcher = _feed()
    watcher.offer(_task("a", second=1), "w")
    watcher.offer(_task("b", second=2), "w")
    watcher.offer(_task("a", status=TaskStatus.FAILED, second=3), "w")

    batch = await watcher.next()

    assert [(t.id, t.status) for t in batch.tasks] == [("b", "QUEUED"), ("a", "FAILED")]
    assert not batch.resync


async def test_a_watcher_that_falls_behind_its_bound_is_told_to_resync() -> None:
    watcher = _feed(max_pending=3)
    for n in range(4):
        watcher.offer(_task(f"t{n}", second=n), "w")

    batch = await watcher.next()

    assert batch.tasks == [] and batch.resync
    watcher.offer(_task("t9"), "w")
    assert [t.id for t in (await watcher.next()).tasks] == ["t9"]  # and then goes on


async def test_tasks_of_another_workspace_are_never_offered() -> None:
    watcher = Watcher(task_id=None, workspace_id="w1", max_pending=10)
    watcher.offer(_task("secret"), "w2")
    watcher.offer(_task("mine"), "w1")

    assert [t.id for t in (await watcher.next()).tasks] == ["mine"]
