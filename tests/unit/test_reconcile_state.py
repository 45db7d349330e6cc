"""The reconciliation verdict shown on the task page (core/reconcile_state.py)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from core.model import Task, TaskError, TaskKind, TaskStatus
from core.reconcile_state import ReconciliationState, reconciliation_of
from tests.tasks import model_task


def _task(status: TaskStatus, *, kind: TaskKind = TaskKind.INGEST) -> Task:
    return model_task(status, kind=kind)


def test_a_succeeded_ingestion_matched_its_rows() -> None:
    task = replace(_task(TaskStatus.SUCCEEDED), rows_ingested=30_000)
    state, summary = reconciliation_of(task)
    assert state is ReconciliationState.MATCHED
    assert "30,000 rows" in summary


def test_a_mismatch_shows_what_differs() -> None:
    message = "column zip: 1 value differs; first: row 3 `00501` → `501`"
    error = TaskError(code="RECONCILIATION_MISMATCH", message=message, retryable=False)
    task = replace(_task(TaskStatus.FAILED), error=error)
    assert reconciliation_of(task) == (ReconciliationState.MISMATCHED, message)


@pytest.mark.parametrize(
    "status,kind,expected",
    [
        (TaskStatus.INGESTING, TaskKind.INGEST, ReconciliationState.PENDING),
        (TaskStatus.QUEUED, TaskKind.INGEST, ReconciliationState.PENDING),
        (TaskStatus.CANCELLED, TaskKind.INGEST, ReconciliationState.NOT_REACHED),
        (TaskStatus.FAILED, TaskKind.INGEST, ReconciliationState.NOT_REACHED),
        (TaskStatus.SUCCEEDED, TaskKind.ROLLBACK, ReconciliationState.NOT_APPLICABLE),
        (TaskStatus.SUCCEEDED, TaskKind.DELETE, ReconciliationState.NOT_APPLICABLE),
    ],
)
def test_every_other_task_says_why_there_is_no_verdict(
    status: TaskStatus, kind: TaskKind, expected: ReconciliationState
) -> None:
    state, summary = reconciliation_of(_task(status, kind=kind))
    assert state is expected
    assert summary.endswith(".")
