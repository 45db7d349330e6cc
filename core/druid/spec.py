"""Build the Druid native batch (`index_parallel`) ingestion spec for a staged file.

The spec never carries S3 credentials or an endpoint: Druid's own `druid.s3.*` settings
apply (druid/run.sh passes them from `Settings`). Sending `properties` in an `s3` input
source would make Druid build a separate client that ignores the configured endpoint.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from core.model import ColumnType, Profile, StagedData, TimestampInfo, WriteMode

if TYPE_CHECKING:
    from core.settings import Settings

# Druid's documented way to say "this file has no time column": a column that never exists,
# so every row gets `missingValue` as its timestamp.
NO_TIME_COLUMN = "!!!_no_such_column_!!!"

# Every row Sluice ingests carries the id of the upload it came from in this STRING dimension,
# so reconciliation can read back exactly that upload's rows and a failed one can be found.
# Hidden from dashboards and the catalog (core/catalog.py).
UPLOAD_DIMENSION = "sluice_upload"

# Unparseable rows are counted (and a sample kept in the task report), never fatal:
# the worker compares Druid's counts with the profile and reports any difference.
MAX_SAVED_PARSE_EXCEPTIONS = 100
# APPEND picks the coarsest time chunk that still holds about this many rows.
ROWS_PER_CHUNK = 500_000
_UNLIMITED = 2_147_483_647

_DIMENSION_TYPES = {
    ColumnType.LONG: "long",
    ColumnType.DOUBLE: "double",
    ColumnType.STRING: "string",
    ColumnType.BOOLEAN: "string",
    # A second time column stays text; only the primary one becomes __time.
    ColumnType.TIMESTAMP: "string",
}


def dimension_type(column_type: ColumnType) -> str:
    """How Druid stores a column of this logical type: "string", "long" or "double"."""
    return _DIMENSION_TYPES[column_type]


TIME_COLUMN = "__time"  # Druid's own time column
CSV_DELIMITER = ","  # the staged files Druid reads (and most uploads it reads as they are)


def column_name_problem(profile: Profile) -> str | None:
    """Why Druid would refuse the file's column names, in words a person can act on, or None.

    Druid 25 refuses, at submission: a dimension named `__time` ("Cannot specify a column
    more than once: [__time]"), and a CSV column whose name contains the delimiter.
    """
    time_column = profile.timestamp.column
    for column in profile.columns:
        if column.name == TIME_COLUMN and column.name != time_column:
            chosen = f"its time column is '{time_column}'" if time_column else "it has no time"
            return (
                f"The file has a column named '{TIME_COLUMN}', but {chosen}: Druid keeps its "
                f"own time column under that name. Rename the column in the file, or choose it "
                "as the time column (the timestampColumn option), and upload it again."
            )
        if CSV_DELIMITER in column.name:
            return (
                f"The column name '{column.name}' contains '{CSV_DELIMITER}', which Druid's CSV "
                "reader does not allow in a column name. Rename the column in the file and "
                "upload it again."
            )
    return None


def build_ingestion_spec(
    *,
    task_id: str,
    upload_id: str,
    datasource: str,
    profile: Profile,
    staged: StagedData,
    mode: WriteMode,
    settings: Settings,
) -> dict[str, Any]:
    """The `index_parallel` task for `staged`, with Druid task id `task_id`; every row gets
    `upload_id` in the `UPLOAD_DIMENSION` (a constant set by a transform, so the same spec
    serves a staged copy and an upload Druid reads as it is).

    APPEND adds segments next to what the datasource already holds. REPLACE overwrites
    exactly the time chunks the file covers (its min..max timestamp, aligned to the segment
    granularity); chunks in that range without new rows are emptied (`dropExisting`).
    """
    if staged.format != "csv":
        raise ValueError(f"staged format {staged.format!r} is not supported; Sluice stages CSV")
    timestamp = profile.timestamp
    granularity = segment_granularity(timestamp, rows=staged.rows, mode=mode)
    intervals = task_intervals(profile, staged, mode)
    replace = mode == WriteMode.REPLACE
    if replace and not intervals:
        raise ValueError(
            "REPLACE needs the file's time range (profile.timestamp.min/max) to know which "
            "intervals to overwrite"
        )
    granularity_spec: dict[str, Any] = {
        "type": "uniform",
        "segmentGranularity": granularity,
        "queryGranularity": "none",
        "rollup": False,
    }
    if intervals:
        # Known intervals also spare Druid a first pass over the file to discover them.
        granularity_spec["intervals"] = intervals
    io_config: dict[str, Any] = {
        "type": "index_parallel",
        "inputSource": {"type": "s3", "uris": list(staged.uris)},
        "inputFormat": input_format(staged),
        "appendToExisting": not replace,
    }
    if replace:
        io_config["dropExisting"] = True
    return {
        "type": "index_parallel",
        "id": task_id,
        "spec": {
            "dataSchema": {
                "dataSource": datasource,
                "timestampSpec": timestamp_spec(timestamp),
                "dimensionsSpec": {"dimensions": dimensions(profile, staged)},
                "transformSpec": {"transforms": [upload_transform(upload_id)]},
                "granularitySpec": granularity_spec,
            },
            "ioConfig": io_config,
            "tuningConfig": {
                "type": "index_parallel",
                "partitionsSpec": {"type": "dynamic"},
                # One task: on a small cluster subtasks only add JVM start-ups.
                "maxNumConcurrentSubTasks": 1,
                "logParseExceptions": True,
                "maxParseExceptions": _UNLIMITED,
                "maxSavedParseExceptions": MAX_SAVED_PARSE_EXCEPTIONS,
                # SUCCESS then means "loaded on a historical", not just "published".
                "awaitSegmentAvailabilityTimeoutMillis": int(
                    settings.druid_segment_availability_timeout_s * 1000
                ),
            },
        },
    }


def timestamp_spec(timestamp: TimestampInfo) -> dict[str, Any]:
    """Druid's timestampSpec: the detected column and format, or a constant time."""
    if timestamp.column is None:
        return {"column": NO_TIME_COLUMN, "format": "auto", "missingValue": timestamp.constant}
    return {"column": timestamp.column, "format": timestamp.druid_format}


def input_format(staged: StagedData) -> dict[str, Any]:
    """How Druid reads the files: `csv` for commas (RFC-4180 quoting); for an upload with
    another delimiter that Druid reads as it is, `tsv` with that delimiter, which splits
    each line at every delimiter and knows no quotes (core/profiling/direct.py sends only
    files without a quote character that way)."""
    columns = {
        "columns": list(staged.columns),
        "findColumnsFromHeader": False,
        "skipHeaderRows": staged.header_rows,
    }
    if staged.delimiter == CSV_DELIMITER:
        return {"type": "csv", **columns}
    return {"type": "tsv", "delimiter": staged.delimiter, **columns}


def dimensions(profile: Profile, staged: StagedData) -> list[dict[str, str]]:
    """Typed dimensions in staged-file order, then the upload id; the time column becomes
    __time, not a dimension. A file column named like the upload dimension is overwritten
    by it (reconciliation then reports that column as different)."""
    types = {column.name: column.type for column in profile.columns}
    return [
        *(
            {"type": dimension_type(types.get(name, ColumnType.STRING)), "name": name}
            for name in staged.columns
            if name not in (profile.timestamp.column, UPLOAD_DIMENSION)
        ),
        {"type": "string", "name": UPLOAD_DIMENSION},
    ]


def upload_transform(upload_id: str) -> dict[str, str]:
    """The transform that stamps every row with `upload_id` (a Druid expression literal)."""
    literal = upload_id.replace("\\", "\\\\").replace("'", "\\'")
    return {"type": "expression", "name": UPLOAD_DIMENSION, "expression": f"'{literal}'"}


def segment_granularity(timestamp: TimestampInfo, *, rows: int, mode: WriteMode) -> str:
    """DAY, MONTH or YEAR: how Druid cuts the file into time chunks (segments).

    REPLACE overwrites whole chunks, so it uses the finest granularity that keeps the chunk
    count sane (DAY up to a year of data, MONTH up to 20 years): re-uploading one day's file
    replaces that day, not its month. APPEND uses the coarsest granularity that still gives
    each chunk many rows, because thousands of tiny segments make queries slow; Druid appends
    into existing chunks of any granularity and overlays finer ones on coarser ones.
    """
    low, high = _parse(timestamp.min), _parse(timestamp.max)
    if timestamp.column is None or low is None or high is None:
        return "DAY"
    span_days = (high - low).days + 1
    if mode == WriteMode.REPLACE:
        if span_days <= 366:
            return "DAY"
        return "MONTH" if span_days <= 366 * 20 else "YEAR"
    if rows / span_days >= ROWS_PER_CHUNK:
        return "DAY"
    return "MONTH" if rows / max(span_days / 30, 1) >= ROWS_PER_CHUNK else "YEAR"


def task_intervals(profile: Profile, staged: StagedData, mode: WriteMode) -> list[str]:
    """The time chunks the task for this file writes (what a REPLACE overwrites)."""
    granularity = segment_granularity(profile.timestamp, rows=staged.rows, mode=mode)
    return covered_intervals(profile.timestamp, granularity=granularity)


def covered_intervals(timestamp: TimestampInfo, *, granularity: str) -> list[str]:
    """The file's time range as one ISO interval aligned to `granularity`, or [] if unknown."""
    if timestamp.column is None:
        low = high = _parse(timestamp.constant)
    else:
        low, high = _parse(timestamp.min), _parse(timestamp.max)
    if low is None or high is None:
        return []
    start = _floor(low, granularity)
    return [f"{_iso(start)}/{_end_iso(_floor(high, granularity), granularity)}"]


def epoch_millis(value: str | None) -> int | None:
    """An ISO instant of the profile as Druid keeps it: epoch milliseconds (finer is cut)."""
    moment = _parse(value)
    if moment is None:
        return None
    delta = moment - datetime(1970, 1, 1, tzinfo=UTC)
    return (delta.days * 86_400 + delta.seconds) * 1000 + delta.microseconds // 1000


def _parse(value: str | None) -> datetime | None:
    if not value:
        return None
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if parsed.tzinfo is None:  # the profile promises UTC
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def _floor(moment: datetime, granularity: str) -> datetime:
    day = moment.replace(hour=0, minute=0, second=0, microsecond=0)
    if granularity == "DAY":
        return day
    if granularity == "MONTH":
        return day.replace(day=1)
    return day.replace(month=1, day=1)


def _next(start: datetime, granularity: str) -> datetime:
    if granularity == "DAY":
        return start + timedelta(days=1)
    if granularity == "MONTH":
        return start.replace(year=start.year + start.month // 12, month=start.month % 12 + 1)
    return start.replace(year=start.year + 1)


def _end_iso(last_start: datetime, granularity: str) -> str:
    """The end of the chunk starting at `last_start`. Python's datetime stops at 9999-12-31;
    Druid (Joda time) goes on, so the chunk after that ends at 10000-01-01."""
    try:
        return _iso(_next(last_start, granularity))
    except (ValueError, OverflowError):
        return "10000-01-01T00:00:00.000Z"


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.000Z")
