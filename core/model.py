"""Domain model shared by the API, the workers and the Druid layer.

Plain dataclasses and enums: no I/O here.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime


class TaskStatus(enum.StrEnum):
    QUEUED = "QUEUED"
    VALIDATING = "VALIDATING"
    STAGING = "STAGING"
    SUBMITTING = "SUBMITTING"
    INGESTING = "INGESTING"
    PUBLISHING = "PUBLISHING"
    SUCCEEDED = "SUCCEEDED"
    FAILED = "FAILED"
    CANCELLED = "CANCELLED"

    @property
    def is_terminal(self) -> bool:
        return self in TERMINAL


TERMINAL = frozenset({TaskStatus.SUCCEEDED, TaskStatus.FAILED, TaskStatus.CANCELLED})

# The forward path; FAILED and CANCELLED can be reached from any non-terminal state.
PIPELINE: tuple[TaskStatus, ...] = (
    TaskStatus.QUEUED,
    TaskStatus.VALIDATING,
    TaskStatus.STAGING,
    TaskStatus.SUBMITTING,
    TaskStatus.INGESTING,
    TaskStatus.PUBLISHING,
    TaskStatus.SUCCEEDED,
)


class IllegalTransition(Exception):
    """A state change the task state machine does not allow (a bug, not bad input)."""

    def __init__(self, current: TaskStatus, target: TaskStatus) -> None:
        self.current, self.target = current, target
        super().__init__(f"task cannot go from {current} to {target}")


class TaskNotFound(Exception):
    """No task with this id in the metadata store."""

    def __init__(self, task_id: str) -> None:
        self.task_id = task_id
        super().__init__(f"no task with id {task_id!r}")


def check_transition(current: TaskStatus, target: TaskStatus) -> None:
    """Raise `IllegalTransition` unless `current -> target` is allowed.

    Allowed: staying in the same state (progress updates), moving forward along `PIPELINE`
    (steps may be skipped, e.g. a retry resuming at SUBMITTING), failing or cancelling a
    non-terminal task, and re-queueing a FAILED or CANCELLED task (retry).
    """
    if current == target and not current.is_terminal:
        return
    if current.is_terminal:
        if target == TaskStatus.QUEUED and current != TaskStatus.SUCCEEDED:
            return
        raise IllegalTransition(current, target)
    if target in (TaskStatus.FAILED, TaskStatus.CANCELLED):
        return
    if target in PIPELINE and PIPELINE.index(target) > PIPELINE.index(current):
        return
    raise IllegalTransition(current, target)


class TaskKind(enum.StrEnum):
    """What a task does: load an upload, take one upload's rows out again, or delete a
    whole dataset."""

    INGEST = "INGEST"
    ROLLBACK = "ROLLBACK"
    DELETE = "DELETE"


class ColumnType(enum.StrEnum):
    """Logical column types, mapped onto Druid dimension types by the spec builder."""

    STRING = "STRING"
    LONG = "LONG"
    DOUBLE = "DOUBLE"
    BOOLEAN = "BOOLEAN"
    TIMESTAMP = "TIMESTAMP"


class WriteMode(enum.StrEnum):
    APPEND = "APPEND"
    REPLACE = "REPLACE"


@dataclass(frozen=True, slots=True)
class ColumnProfile:
    name: str
    type: ColumnType
    null_count: int
    distinct_count: int  # approximate for large files
    min: str | None = None  # rendered as text: numbers, ISO timestamps or strings
    max: str | None = None
    # Small histogram for the UI: list of (label, count), at most ~20 buckets.
    histogram: tuple[tuple[str, int], ...] = ()
    # For reconciliation with what Druid holds (exact, over the valid rows):
    sum: str | None = None  # LONG/DOUBLE: sum of non-null values (int exactly; repr(float))
    non_empty: int | None = None  # STRING: non-null, non-empty values
    total_length: int | None = None  # STRING: characters (Python len) of non-null values
    null_tokens: tuple[str, ...] = ()  # texts read as null here, e.g. "NA", "-" (values.py)


@dataclass(frozen=True, slots=True)
class TimestampInfo:
    """How the time column is encoded in the file Druid reads (staged, or the upload)."""

    column: str | None  # None: the file has no time column; a constant timestamp is used
    druid_format: str = "auto"  # Druid timestampSpec format: "auto", "iso", "millis", "posix", ...
    source_format: str | None = None  # what was detected in the upload, e.g. "epoch_ms", "%d/%m/%Y"
    constant: str = "2000-01-01T00:00:00Z"  # used when column is None
    min: str | None = None  # ISO-8601, UTC
    max: str | None = None


@dataclass(frozen=True, slots=True)
class TypeConflict:
    """A column whose type in the upload differs from the dataset's."""

    column: str
    dataset_type: ColumnType
    upload_type: ColumnType
    # Druid stores the two differently (text, whole or decimal numbers) and reads a column
    # with one type: the values of the other side would read as null or be cut.
    would_lose_values: bool


@dataclass(frozen=True, slots=True)
class SchemaChanges:
    """How an upload's columns differ from those of the dataset it goes into."""

    added: tuple[str, ...] = ()  # in the upload, not yet in the dataset
    missing: tuple[str, ...] = ()  # in the dataset, not in the upload (null in its rows)
    type_conflicts: tuple[TypeConflict, ...] = ()

    @property
    def losing(self) -> tuple[TypeConflict, ...]:
        return tuple(c for c in self.type_conflicts if c.would_lose_values)

    def __bool__(self) -> bool:
        return bool(self.added or self.missing or self.type_conflicts)


@dataclass(frozen=True, slots=True)
class Profile:
    """What validation learned about a file: the validation report."""

    format: str  # "csv" | "xlsx" | "parquet"
    encoding: str | None
    delimiter: str | None
    sheet: str | None
    rows_total: int  # data rows in the file (header excluded)
    rows_valid: int
    rows_quarantined: int
    columns: tuple[ColumnProfile, ...]
    timestamp: TimestampInfo
    warnings: tuple[str, ...] = ()
    # None: the dataset is new (or was not known when validating); else how the columns moved.
    schema_changes: SchemaChanges | None = None


@dataclass(frozen=True, slots=True)
class StagedData:
    """The validated file(s) as staged for Druid."""

    uris: tuple[str, ...]  # s3://bucket/staged/{datasource}/{task_id}/part-....csv, or the upload
    format: str  # Druid inputFormat type: "csv" (see docs/decisions.md)
    columns: tuple[str, ...]  # column order in the staged file
    rows: int
    header_rows: int = 1  # lines before the first row (more than 1 only in an upload)
    reads_upload: bool = False  # Druid reads the uploaded file itself (no staged copy)
    delimiter: str = ","  # between values: a comma in a staged copy, any in an upload Druid reads


# The types a person may ask for: a number that may round or lose leading zeros, or text.
REQUESTABLE_TYPES = (ColumnType.LONG, ColumnType.DOUBLE, ColumnType.STRING)


@dataclass(frozen=True, slots=True)
class ColumnTypeRequest:
    """A column's type chosen by the person instead of inferred: LONG or DOUBLE turn a column
    Sluice keeps as text to stay exact (`00501`, integers beyond 64 bits or 2^53, long
    decimals) into numbers, converted as Druid converts them; STRING keeps numbers as text."""

    column: str
    type: ColumnType


@dataclass(frozen=True, slots=True)
class IngestOptions:
    mode: WriteMode = WriteMode.APPEND
    timestamp_column: str | None = None  # override detection
    sheet: str | None = None  # XLSX sheet name
    delimiter: str | None = None  # override detection
    allow_duplicate: bool = False  # ingest even if the same content already went there
    allow_type_change: bool = False  # ingest even when a column's type change loses values
    fixes_task: str | None = None  # the task whose quarantined rows this upload fixes
    column_types: tuple[ColumnTypeRequest, ...] = ()  # override inference, per column

    def requested_type(self, column: str) -> ColumnType | None:
        return next((r.type for r in self.column_types if r.column == column), None)


@dataclass(slots=True)
class TaskError:
    code: str
    message: str
    retryable: bool
    stage: TaskStatus | None = None


@dataclass(slots=True)
class Task:
    id: str
    upload_id: str  # "" for a DELETE task: it acts on a dataset, not on an upload
    datasource: str
    filename: str
    size_bytes: int
    status: TaskStatus
    options: IngestOptions
    created_at: datetime
    updated_at: datetime
    progress: float = 0.0
    rows_total: int | None = None
    rows_ingested: int | None = None
    rows_quarantined: int | None = None
    rows_thrown_away: int | None = None
    # Druid's own counts, kept apart: rows it kept with some values unreadable (nulled), and
    # rows it could not read at all.
    rows_processed_with_error: int | None = None
    rows_unparseable: int | None = None
    druid_task_id: str | None = None
    error: TaskError | None = None
    profile: Profile | None = None
    staged: StagedData | None = None
    quarantine_key: str | None = None
    attempt: int = 1  # 1 for the first run; a retry by a person starts the next attempt
    resumes: int = 0  # times the watchdog resumed this attempt after its worker vanished
    raw_key: str = ""  # the uploaded file in the object store
    last_message: str | None = None  # the newest event's message: what is happening now
    kind: TaskKind = TaskKind.INGEST
    target_task_id: str | None = None  # ROLLBACK: the ingestion it undoes
    rows_removed: int | None = None  # ROLLBACK: the upload's rows Druid no longer serves
    rolled_back_by: str | None = None  # INGEST: the rollback (not failed) that undoes it
    fixed_by: tuple[str, ...] = ()  # INGEST: uploads whose `fixes_task` is this task, oldest first
    dataset_deleted_by: str | None = None  # the DELETE task that deleted its dataset
    files_removed_at: datetime | None = None  # raw upload and staged copy removed from S3
    files_removed_reason: str | None = None  # why: core.retention.RETENTION or DATASET_DELETED
