"""The core enums as GraphQL enums, declared here rather than registered on the core classes.

`Annotated[CoreEnum, strawberry.enum(...)]` names and describes the GraphQL type without an
import-time side effect on `core`: the core class stays a plain `enum.StrEnum`, and resolvers
take and return its members as they are. Every schema module uses these aliases (a bare core
enum in an annotation would register it without its description).
"""

from __future__ import annotations

from typing import Annotated

import strawberry

from core import errors, model
from core.queries import model as queries

TaskStatus = Annotated[
    model.TaskStatus,
    strawberry.enum(name="TaskStatus", description="Where a task is in the pipeline."),
]
WriteMode = Annotated[
    model.WriteMode,
    strawberry.enum(
        name="WriteMode",
        description="APPEND adds rows; REPLACE overwrites the time range the file covers.",
    ),
]
ColumnType = Annotated[model.ColumnType, strawberry.enum(name="ColumnType")]
ErrorCode = Annotated[
    errors.ErrorCode,
    strawberry.enum(
        name="ErrorCode",
        description="Why something was refused or failed; stable, for clients to branch on "
        "(the message is for people).",
    ),
]
Aggregate = Annotated[
    queries.Aggregate,
    strawberry.enum(
        name="Aggregate",
        description="COUNT (rows, or non-null values of a column), SUM, AVG, MIN, MAX, or "
        "APPROX_DISTINCT (HLL sketch, lgK=12: about 1.6% relative standard error; exact for "
        "small counts).",
    ),
]
Granularity = Annotated[
    queries.Granularity,
    strawberry.enum(
        name="Granularity",
        description="Time bucket size (UTC; weeks start on Monday). ALL: one bucket.",
    ),
]
SortDirection = Annotated[queries.SortDirection, strawberry.enum(name="SortDirection")]
