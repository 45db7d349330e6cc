"""GraphQL types for ingestion tasks and their validation reports."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry

from core import model, quarantine
from core.auth.naming import visible_name
from core.errors import ErrorCode as CoreErrorCode
from core.mirror import mirror
from core.reconcile_state import reconciliation_of
from schema.context import Info
from schema.enums import ColumnType, ReconciliationState, TaskKind, TaskStatus, WriteMode
from schema.errors import UserError
from schema.permissions import Viewer
from schema.tasks.loaders import task_loader


@strawberry.type(description="Why a task failed.")
class TaskError(UserError):
    retryable: bool = strawberry.field(description="Running it again may succeed as it is.")
    stage: TaskStatus | None


@strawberry.type
class HistogramBucket:
    label: str
    count: int


@strawberry.type
class ColumnProfile:
    name: str
    type: ColumnType
    null_count: int
    distinct_count: int = strawberry.field(description="Approximate for large files.")
    min: str | None
    max: str | None
    histogram: list[HistogramBucket]
    null_tokens: list[str] = strawberry.field(
        description="Texts read as null in this column (e.g. NA, N/A, NULL, -), counted in "
        "nullCount; empty when the nulls were empty cells only."
    )

    @classmethod
    def from_model(cls, column: model.ColumnProfile) -> ColumnProfile:
        return mirror(
            cls,
            column,
            histogram=[
                HistogramBucket(label=label, count=count) for label, count in column.histogram
            ],
            null_tokens=list(column.null_tokens),
        )


@strawberry.type(description="A column whose type in the upload differs from the dataset's.")
class TypeConflict:
    column: str
    dataset_type: ColumnType
    upload_type: ColumnType
    would_lose_values: bool = strawberry.field(
        description="Druid stores the two types differently and reads a column with one type: "
        "values of one side would read as null or be cut. Such an upload fails "
        "SCHEMA_CONFLICT unless allowTypeChange is set."
    )


@strawberry.type(description="How the upload's columns differ from the dataset's.")
class SchemaChanges:
    added: list[str] = strawberry.field(description="Columns the dataset did not have yet.")
    missing: list[str] = strawberry.field(
        description="Dataset columns this file lacks (null in its rows; queries keep working)."
    )
    type_conflicts: list[TypeConflict]

    @classmethod
    def from_model(cls, changes: model.SchemaChanges) -> SchemaChanges:
        conflicts = [mirror(TypeConflict, c) for c in changes.type_conflicts]
        added, missing = list(changes.added), list(changes.missing)
        return cls(added=added, missing=missing, type_conflicts=conflicts)


@strawberry.type(description="The validation report: what Sluice learned about the file.")
class Profile:
    format: str
    encoding: str | None
    delimiter: str | None
    sheet: str | None
    rows_total: int
    rows_valid: int
    rows_quarantined: int
    columns: list[ColumnProfile]
    timestamp_column: str | None = strawberry.field(
        description="The column used as Druid's __time; null when the file has none."
    )
    timestamp_format: str | None
    time_min: str | None
    time_max: str | None
    warnings: list[str]
    schema_changes: SchemaChanges | None = strawberry.field(
        description="How the columns differ from the dataset's; null for a new dataset."
    )

    @classmethod
    def from_model(cls, profile: model.Profile) -> Profile:
        return mirror(
            cls,
            profile,
            columns=[ColumnProfile.from_model(c) for c in profile.columns],
            timestamp_column=profile.timestamp.column,
            timestamp_format=profile.timestamp.source_format,
            time_min=profile.timestamp.min,
            time_max=profile.timestamp.max,
            warnings=list(profile.warnings),
            schema_changes=SchemaChanges.from_model(profile.schema_changes)
            if profile.schema_changes is not None
            else None,
        )


@strawberry.type
class QuarantinedValue:
    column: str
    value: str


@strawberry.type(description="A row that was not ingested, with the reason.")
class QuarantinedRow:
    source_row: int = strawberry.field(description="1-based data row in the uploaded file.")
    reason: str
    values: list[QuarantinedValue]


@strawberry.type(description="A link (valid one hour) to download the quarantined rows.")
class QuarantineLink:
    url: str


@strawberry.type(description="The quarantined rows cannot be downloaded.")
class QuarantineUnavailable(UserError):
    pass


QuarantineUrlResult = Annotated[
    QuarantineLink | QuarantineUnavailable, strawberry.union("QuarantineUrlResult")
]


@strawberry.type
class TaskEvent:
    status: TaskStatus
    progress: float
    message: str | None
    at: datetime


@strawberry.type(
    description="Whether Druid holds exactly what the file holds (checked before SUCCEEDED)."
)
class Reconciliation:
    state: ReconciliationState
    summary: str = strawberry.field(description="One sentence a person can read.")


@strawberry.type(description="One file on its way into Druid.")
class IngestionTask:
    id: strawberry.ID
    status: TaskStatus
    stage: str = strawberry.field(description="What is happening now, in plain words.")
    datasource: str
    filename: str
    size_bytes: float = strawberry.field(description="Bytes (a Float: files can exceed 2^31).")
    mode: WriteMode
    rows_total: int | None
    rows_ingested: int | None
    rows_quarantined: int | None
    rows_thrown_away: int | None = strawberry.field(
        description="Rows Druid dropped as outside the file's time range (its `thrownAway`)."
    )
    rows_processed_with_error: int | None = strawberry.field(
        description="Rows Druid kept with some values it could not read (those became null)."
    )
    rows_unparseable: int | None = strawberry.field(
        description="Rows Druid could not read at all (not ingested)."
    )
    progress: float = strawberry.field(description="0..1 within the current stage.")
    kind: TaskKind
    target_task_id: strawberry.ID | None = strawberry.field(
        description="ROLLBACK: the upload task it undoes."
    )
    rows_removed: int | None = strawberry.field(
        description="ROLLBACK: the upload's rows Druid no longer serves."
    )
    rolled_back_by: strawberry.ID | None = strawberry.field(
        description="The rollback task undoing this upload (running or done), if any."
    )
    dataset_deleted_by: strawberry.ID | None = strawberry.field(
        description="The DELETE task that deleted the dataset this task loaded into: the task "
        "belongs to a deleted dataset (a new dataset may have the same name)."
    )
    files_removed_at: datetime | None = strawberry.field(
        description="When the uploaded file (and its staged copy) was removed from storage."
    )
    files_removed_reason: str | None = strawberry.field(
        description="Why: RETENTION (raw uploads are kept for a set number of days) or "
        "DATASET_DELETED."
    )
    error: TaskError | None
    reconciliation: Reconciliation = strawberry.field(
        description="The comparison of the upload's rows in Druid with the file."
    )
    druid_task_id: str | None
    created_at: datetime
    updated_at: datetime
    profile: Profile | None
    has_quarantine: bool
    quarantine_key: strawberry.Private[str | None]
    fixes_task_id: strawberry.Private[str | None]
    fixed_by_ids: strawberry.Private[tuple[str, ...]]

    @strawberry.field(
        permission_classes=[Viewer],
        description="The task whose quarantined rows this upload fixes (options.fixesTask).",
    )
    async def fixes_task(self, info: Info) -> IngestionTask | None:
        if self.fixes_task_id is None:
            return None
        task = await task_loader(info.context).load(self.fixes_task_id)
        return IngestionTask.from_model(task) if task else None

    @strawberry.field(
        permission_classes=[Viewer],
        description="Uploads that fix this task's quarantined rows, oldest first.",
    )
    async def fixed_by(self, info: Info) -> list[IngestionTask]:
        tasks = await task_loader(info.context).load_many(list(self.fixed_by_ids))
        return [IngestionTask.from_model(t) for t in tasks if t is not None]

    @strawberry.field(
        permission_classes=[Viewer],
        description="Where to download the quarantined rows; null when no row was quarantined.",
    )
    async def quarantine_url(self, info: Info) -> QuarantineUrlResult | None:
        if not self.quarantine_key:
            return None
        store = info.context.services.store
        if not await store.exists(self.quarantine_key):
            return QuarantineUnavailable(
                code=CoreErrorCode.QUARANTINE_MISSING,
                message="The file of quarantined rows is no longer in storage (it was deleted "
                "or expired), so it cannot be downloaded. Upload the original file again to "
                "see which rows are set aside.",
            )
        url = await store.presigned_get(
            self.quarantine_key, filename=f"{self.filename}.quarantine.csv"
        )
        return QuarantineLink(url=url)

    @strawberry.field(
        permission_classes=[Viewer], description="The first quarantined rows, for a quick look."
    )
    async def quarantine_preview(self, info: Info, limit: int = 20) -> list[QuarantinedRow]:
        if not self.quarantine_key or not await info.context.services.store.exists(
            self.quarantine_key
        ):
            return []  # quarantineUrl says why
        rows = await quarantine.preview(
            info.context.services.store, self.quarantine_key, limit=max(1, min(limit, 200))
        )
        return [
            QuarantinedRow(
                source_row=row.source_row,
                reason=row.reason,
                values=[QuarantinedValue(column=c, value=v) for c, v in row.values],
            )
            for row in rows
        ]

    @strawberry.field(description="Every state change and progress step, oldest first.")
    async def events(self, info: Info) -> list[TaskEvent]:
        rows = await info.context.tasks.events(str(self.id))
        return [
            TaskEvent(status=e.status, progress=e.progress, message=e.message, at=e.at)
            for e in rows
        ]

    @classmethod
    def from_model(cls, task: model.Task) -> IngestionTask:
        error = None
        if task.error:
            error = TaskError(
                code=CoreErrorCode.parse(task.error.code),
                message=task.error.message,
                retryable=task.error.retryable,
                stage=task.error.stage,
            )
        return mirror(  # ids, counts, kind and times as the task has them
            cls,
            task,
            stage=task.last_message or task.status.value.title(),
            datasource=visible_name(task.datasource),
            # A DELETE task has no file: it shows the dataset's name.
            filename=visible_name(task.filename)
            if task.kind == model.TaskKind.DELETE
            else task.filename,
            size_bytes=float(task.size_bytes),
            mode=task.options.mode,
            error=error,
            reconciliation=_reconciliation(task),
            profile=Profile.from_model(task.profile) if task.profile else None,
            has_quarantine=bool(task.quarantine_key),
            # (a rollback copies its target's options: the link is the ingestion's only)
            fixes_task_id=task.options.fixes_task if task.kind == model.TaskKind.INGEST else None,
            fixed_by_ids=task.fixed_by,
        )


@strawberry.type
class TaskPage:
    items: list[IngestionTask]
    next_cursor: str | None = strawberry.field(description="Pass as `after` for the next page.")


@strawberry.type(
    description="A task action (retry, cancel, rollback, delete) that cannot be done now."
)
class TaskActionRejected(UserError):
    pass


TaskActionResult = Annotated[
    IngestionTask | TaskActionRejected, strawberry.union("TaskActionResult")
]


def _reconciliation(task: model.Task) -> Reconciliation:
    state, summary = reconciliation_of(task)
    return Reconciliation(state=state, summary=summary)
