"""GraphQL types for uploads."""

from __future__ import annotations

from typing import Annotated

import strawberry

from core import model
from schema.enums import ColumnType, WriteMode
from schema.errors import InvalidArgument, UserError
from schema.tasks.types import IngestionTask


@strawberry.input(description="The type one column gets instead of the inferred one.")
class ColumnTypeInput:
    column: str = strawberry.field(description="The column's name, as in the file's header.")
    type: ColumnType = strawberry.field(
        description="LONG or DOUBLE: numbers, converted as Druid converts them (leading zeros "
        "dropped, digits beyond a double rounded); STRING: every value as written."
    )


@strawberry.input(description="How to ingest a file. Every field is optional.")
class IngestOptions:
    mode: WriteMode = model.WriteMode.APPEND
    timestamp_column: str | None = strawberry.field(
        default=None, description="Use this column as time instead of the detected one."
    )
    sheet: str | None = strawberry.field(default=None, description="XLSX sheet; default: first.")
    delimiter: str | None = strawberry.field(default=None, description="CSV delimiter override.")
    allow_duplicate: bool = strawberry.field(
        default=False,
        description="Ingest even when the same content already went into this datasource "
        "(otherwise rejected as DUPLICATE_FILE).",
    )
    allow_type_change: bool = strawberry.field(
        default=False,
        description="Ingest even when a column's type differs from the dataset's in a way "
        "Druid would lose values over (otherwise the task fails SCHEMA_CONFLICT).",
    )
    fixes_task: strawberry.ID | None = strawberry.field(
        default=None,
        description="The task whose quarantined rows this file fixes (same dataset): the two "
        "tasks are linked (IngestionTask.fixesTask / fixedBy).",
    )
    column_types: list[ColumnTypeInput] | None = strawberry.field(
        default=None,
        description="Types chosen per column (LONG, DOUBLE or STRING), e.g. a column of codes "
        "Sluice keeps as text because of leading zeros, made a number on purpose.",
    )

    def to_model(self) -> model.IngestOptions:
        return model.IngestOptions(
            mode=model.WriteMode(self.mode),
            timestamp_column=self.timestamp_column or None,
            sheet=self.sheet or None,
            delimiter=self.delimiter or None,
            allow_duplicate=self.allow_duplicate,
            allow_type_change=self.allow_type_change,
            fixes_task=str(self.fixes_task) if self.fixes_task else None,
            column_types=tuple(
                model.ColumnTypeRequest(c.column, model.ColumnType(c.type))
                for c in self.column_types or ()
            ),
        )


@strawberry.type(description="The file was not accepted. Nothing was stored.")
class UploadRejected(UserError):
    filename: str = strawberry.field(description="The file as named by the client.")


UploadResult = Annotated[IngestionTask | UploadRejected, strawberry.union("UploadResult")]


@strawberry.type(description="What Sluice thinks of a datasource name, before any upload.")
class DatasourceNameCheck:
    problem: InvalidArgument | None = strawberry.field(
        description="Why the name cannot be used (code INVALID_DATASOURCE); null when it can."
    )
    exists: bool = strawberry.field(description="A dataset with this name exists (uploads append).")
