"""The core enums as GraphQL enums, declared here and never registered on the core classes.

Each GraphQL enum is a mirror of a core `enum.StrEnum`: same member names, same string values,
made by `strawberry.enum` on a new class, so importing the schema leaves `core` untouched.
Members of the two are interchangeable as values (`StrEnum` members compare and hash as
their strings): a resolver may return core members for these types, and converts what it
receives (`model.WriteMode(options.mode)`) before handing it to core, which may rely on the
core class's own methods. Type checkers see the core classes.
"""

from __future__ import annotations

import enum
from typing import TYPE_CHECKING

import strawberry

from core import errors, model, reconcile_state
from core.queries import model as queries


def _mirror(core: type[enum.StrEnum], description: str | None = None) -> type[enum.StrEnum]:
    """A GraphQL enum with the members of `core`, under the same name."""
    members = [(member.name, member.value) for member in core]
    mirror = enum.StrEnum(core.__name__, members, module=__name__)  # type: ignore[misc]
    return strawberry.enum(mirror, description=description)


if TYPE_CHECKING:
    TaskStatus = model.TaskStatus
    WriteMode = model.WriteMode
    ColumnType = model.ColumnType
    TaskKind = model.TaskKind
    ReconciliationState = reconcile_state.ReconciliationState
    ErrorCode = errors.ErrorCode
    Aggregate = queries.Aggregate
    Granularity = queries.Granularity
    SortDirection = queries.SortDirection
else:
    TaskStatus = _mirror(model.TaskStatus, "Where a task is in the pipeline.")
    WriteMode = _mirror(
        model.WriteMode, "APPEND adds rows; REPLACE overwrites the time range the file covers."
    )
    ColumnType = _mirror(model.ColumnType)
    TaskKind = _mirror(
        model.TaskKind,
        "INGEST loads an upload; ROLLBACK takes one out again; DELETE deletes a whole dataset.",
    )
    ReconciliationState = _mirror(
        reconcile_state.ReconciliationState,
        "PENDING until Druid serves the rows; MATCHED or MISMATCHED after comparing them with "
        "the file; NOT_REACHED when the task ended before; NOT_APPLICABLE for rollbacks and "
        "deletions.",
    )
    ErrorCode = _mirror(
        errors.ErrorCode,
        "Why something was refused or failed; stable, for clients to branch on (the message "
        "is for people).",
    )
    Aggregate = _mirror(
        queries.Aggregate,
        "COUNT (rows, or non-null values of a column), SUM, AVG, MIN, MAX, or APPROX_DISTINCT "
        "(HLL sketch, lgK=12: about 1.6% relative standard error; exact for small counts).",
    )
    Granularity = _mirror(
        queries.Granularity, "Time bucket size (UTC; weeks start on Monday). ALL: one bucket."
    )
    SortDirection = _mirror(queries.SortDirection)
