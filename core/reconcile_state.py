"""What a task's reconciliation says, for the task page (core/reconcile.py does the checking).

A task becomes SUCCEEDED only after its rows in Druid matched the profile (workers/tracking.py),
and fails RECONCILIATION_MISMATCH with the differences otherwise; so the verdict follows from
the task's status and error, and nothing more has to be stored.
"""

from __future__ import annotations

import enum

from core.errors import ErrorCode
from core.model import Task, TaskKind, TaskStatus

CHECKS = "row count, nulls, sums, minimum and maximum, non-empty text and its total length"


class ReconciliationState(enum.StrEnum):
    PENDING = "PENDING"  # the rows are not in Druid yet
    MATCHED = "MATCHED"  # every check agreed
    MISMATCHED = "MISMATCHED"  # something differed: the rows were taken out again
    NOT_REACHED = "NOT_REACHED"  # the task ended before its rows were compared
    NOT_APPLICABLE = "NOT_APPLICABLE"  # a rollback or a deletion: no file to compare with


def reconciliation_of(task: Task) -> tuple[ReconciliationState, str]:
    """The verdict and one sentence a person can read."""
    if task.kind is not TaskKind.INGEST:
        return ReconciliationState.NOT_APPLICABLE, "Nothing to compare: this task loads no file."
    if task.status is TaskStatus.SUCCEEDED:
        columns = len(task.profile.columns) if task.profile else 0
        rows = task.rows_ingested or 0
        return ReconciliationState.MATCHED, (
            f"Druid's {rows:,} rows of this upload match the file in all {columns} columns "
            f"({CHECKS})."
        )
    if task.error is not None and task.error.code == ErrorCode.RECONCILIATION_MISMATCH:
        return ReconciliationState.MISMATCHED, task.error.message
    if task.status.is_terminal:
        return ReconciliationState.NOT_REACHED, (
            "Not compared: the task ended before its rows were in Druid."
        )
    return ReconciliationState.PENDING, (
        f"Once Druid serves the rows, they are compared with the file ({CHECKS})."
    )
