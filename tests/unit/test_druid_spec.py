from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from core.druid.spec import (
    NO_TIME_COLUMN,
    UPLOAD_DIMENSION,
    build_ingestion_spec,
    column_name_problem,
    covered_intervals,
    input_format,
    segment_granularity,
    upload_transform,
)
from core.model import ColumnProfile, ColumnType, Profile, StagedData, TimestampInfo, WriteMode
from core.settings import Settings

URI = "s3://sluice/staged/sales/t1/part-0000.csv"


def _profile(timestamp: TimestampInfo, *columns: tuple[str, ColumnType]) -> Profile:
    return Profile(
        format="csv", encoding="utf-8", delimiter=",", sheet=None, rows_total=3, rows_valid=3,
        rows_quarantined=0, timestamp=timestamp,
        columns=tuple(ColumnProfile(name=n, type=t, null_count=0, distinct_count=3)
                      for n, t in columns),
    )  # fmt: skip


COLUMNS = (
    ("ts", ColumnType.TIMESTAMP),
    ("city", ColumnType.STRING),
    ("qty", ColumnType.LONG),
    ("price", ColumnType.DOUBLE),
    ("paid", ColumnType.BOOLEAN),
)
TS = TimestampInfo(column="ts", druid_format="iso", min="2024-03-01T10:00:00Z",
                   max="2024-03-05T23:59:59Z")  # fmt: skip
STAGED = StagedData(uris=(URI,), format="csv", columns=tuple(n for n, _ in COLUMNS), rows=3)


def _build(
    *, timestamp: TimestampInfo = TS, mode: WriteMode = WriteMode.APPEND, **settings: Any
) -> dict[str, Any]:
    return build_ingestion_spec(
        task_id="sluice_t1", upload_id="u1", datasource="sales",
        profile=_profile(timestamp, *COLUMNS), staged=STAGED, mode=mode,
        settings=Settings(**settings),
    )  # fmt: skip


def test_task_is_index_parallel_with_the_given_id() -> None:
    spec = _build()
    assert spec["type"] == "index_parallel"
    assert spec["id"] == "sluice_t1"
    assert spec["spec"]["dataSchema"]["dataSource"] == "sales"


def test_input_is_the_staged_csv_without_credentials() -> None:
    io = _build()["spec"]["ioConfig"]
    assert io["inputSource"] == {"type": "s3", "uris": [URI]}
    assert io["inputFormat"] == {
        "type": "csv",
        "columns": ["ts", "city", "qty", "price", "paid"],
        "findColumnsFromHeader": False,
        "skipHeaderRows": 1,
    }
    text = json.dumps(_build(s3_secret_key="very-secret", s3_access_key="key-id"))
    for leak in ("very-secret", "key-id", "properties", "endpoint", "accessKey"):
        assert leak not in text


def test_an_upload_with_another_delimiter_is_read_by_druids_tsv_format() -> None:
    upload = replace(STAGED, reads_upload=True, delimiter=";", header_rows=2)
    assert input_format(upload) == {
        "type": "tsv",
        "delimiter": ";",
        "columns": ["ts", "city", "qty", "price", "paid"],
        "findColumnsFromHeader": False,
        "skipHeaderRows": 2,
    }
    assert input_format(replace(upload, delimiter=","))["type"] == "csv"


def test_dimensions_are_typed_and_exclude_the_time_column() -> None:
    dims = _build()["spec"]["dataSchema"]["dimensionsSpec"]["dimensions"]
    assert dims == [
        {"type": "string", "name": "city"},
        {"type": "long", "name": "qty"},
        {"type": "double", "name": "price"},
        {"type": "string", "name": "paid"},
        {"type": "string", "name": UPLOAD_DIMENSION},
    ]


def test_every_row_is_stamped_with_its_upload_id() -> None:
    schema = _build()["spec"]["dataSchema"]
    assert schema["transformSpec"] == {
        "transforms": [{"type": "expression", "name": "sluice_upload", "expression": "'u1'"}]
    }


def test_upload_id_is_a_quoted_expression_literal() -> None:
    assert upload_transform("a'b\\c")["expression"] == "'a\\'b\\\\c'"


def test_a_file_column_named_like_the_upload_dimension_is_not_a_second_dimension() -> None:
    staged = StagedData(uris=(URI,), format="csv", columns=("ts", UPLOAD_DIMENSION), rows=3)
    spec = build_ingestion_spec(
        task_id="t", upload_id="u", datasource="d", staged=staged, mode=WriteMode.APPEND,
        profile=_profile(TS, ("ts", ColumnType.TIMESTAMP), (UPLOAD_DIMENSION, ColumnType.STRING)),
        settings=Settings(),
    )  # fmt: skip
    dims = spec["spec"]["dataSchema"]["dimensionsSpec"]["dimensions"]
    assert dims == [{"type": "string", "name": UPLOAD_DIMENSION}]


def test_timestamp_spec_uses_the_detected_column_and_format() -> None:
    schema = _build()["spec"]["dataSchema"]
    assert schema["timestampSpec"] == {"column": "ts", "format": "iso"}
    gran = schema["granularitySpec"]
    assert gran["rollup"] is False
    assert gran["queryGranularity"] == "none"


def test_no_time_column_gives_a_constant_timestamp_and_keeps_all_columns() -> None:
    constant = TimestampInfo(column=None, constant="2000-01-01T00:00:00Z")
    schema = _build(timestamp=constant)["spec"]["dataSchema"]
    assert schema["timestampSpec"] == {
        "column": NO_TIME_COLUMN,
        "format": "auto",
        "missingValue": "2000-01-01T00:00:00Z",
    }
    names = [d["name"] for d in schema["dimensionsSpec"]["dimensions"]]
    assert names == ["ts", "city", "qty", "price", "paid", UPLOAD_DIMENSION]
    assert schema["granularitySpec"]["intervals"] == [
        "2000-01-01T00:00:00.000Z/2000-01-02T00:00:00.000Z"
    ]


def test_append_adds_to_existing_segments() -> None:
    spec = _build(mode=WriteMode.APPEND)["spec"]
    assert spec["ioConfig"]["appendToExisting"] is True
    assert "dropExisting" not in spec["ioConfig"]
    # A small file becomes one segment; known intervals spare Druid a pass over the file.
    gran = spec["dataSchema"]["granularitySpec"]
    assert gran["segmentGranularity"] == "YEAR"
    assert gran["intervals"] == ["2024-01-01T00:00:00.000Z/2025-01-01T00:00:00.000Z"]


def test_replace_overwrites_exactly_the_covered_intervals() -> None:
    spec = _build(mode=WriteMode.REPLACE)["spec"]
    assert spec["ioConfig"]["appendToExisting"] is False
    assert spec["ioConfig"]["dropExisting"] is True
    gran = spec["dataSchema"]["granularitySpec"]
    assert gran["segmentGranularity"] == "DAY"
    assert gran["intervals"] == ["2024-03-01T00:00:00.000Z/2024-03-06T00:00:00.000Z"]


def test_replace_without_a_known_time_range_is_refused() -> None:
    unknown = TimestampInfo(column="ts", druid_format="auto")
    with pytest.raises(ValueError, match="REPLACE"):
        _build(timestamp=unknown, mode=WriteMode.REPLACE)
    # Append still works: Druid then finds the intervals itself.
    spec = _build(timestamp=unknown)["spec"]
    assert "intervals" not in spec["dataSchema"]["granularitySpec"]


@pytest.mark.parametrize(
    "low,high,granularity,interval",
    [
        ("2024-12-31T23:00:00Z", "2024-12-31T23:30:00Z", "DAY",
         "2024-12-31T00:00:00.000Z/2025-01-01T00:00:00.000Z"),
        ("2023-01-15T00:00:00Z", "2024-01-15T00:00:00Z", "DAY",
         "2023-01-15T00:00:00.000Z/2024-01-16T00:00:00.000Z"),
        ("2020-02-10T00:00:00Z", "2024-12-31T12:00:00Z", "MONTH",
         "2020-02-01T00:00:00.000Z/2025-01-01T00:00:00.000Z"),
        ("1950-06-01T00:00:00Z", "2024-06-01T00:00:00Z", "YEAR",
         "1950-01-01T00:00:00.000Z/2025-01-01T00:00:00.000Z"),
        # A non-UTC offset is converted before aligning: 01:00+02:00 is the previous UTC day.
        ("2024-03-02T01:00:00+02:00", "2024-03-02T05:00:00+02:00", "DAY",
         "2024-03-01T00:00:00.000Z/2024-03-03T00:00:00.000Z"),
    ],
)  # fmt: skip
def test_replace_uses_the_finest_sane_granularity(
    low: str, high: str, granularity: str, interval: str
) -> None:
    timestamp = TimestampInfo(column="ts", min=low, max=high)
    assert segment_granularity(timestamp, rows=10, mode=WriteMode.REPLACE) == granularity
    gran = _build(timestamp=timestamp, mode=WriteMode.REPLACE)["spec"]["dataSchema"][
        "granularitySpec"
    ]
    assert gran["segmentGranularity"] == granularity
    assert gran["intervals"] == [interval]


@pytest.mark.parametrize(
    "days,rows,granularity",
    [
        (20, 26_000, "YEAR"),  # a 1 MB file: one segment, not twenty tiny ones
        (365, 12_000_000, "MONTH"),  # ~1 M rows a month
        (10, 20_000_000, "DAY"),  # 2 M rows a day
        (1, 100, "YEAR"),
    ],
)
def test_append_uses_the_coarsest_granularity_that_keeps_chunks_full(
    days: int, rows: int, granularity: str
) -> None:
    end = datetime(2024, 1, 1, tzinfo=UTC) + timedelta(days=days - 1)
    timestamp = TimestampInfo(column="ts", min="2024-01-01T00:00:00Z", max=end.isoformat())
    assert segment_granularity(timestamp, rows=rows, mode=WriteMode.APPEND) == granularity


def test_unparseable_rows_are_counted_not_fatal_and_handoff_is_awaited() -> None:
    tuning = _build(druid_segment_availability_timeout_s=42)["spec"]["tuningConfig"]
    assert tuning["type"] == "index_parallel"
    assert tuning["maxNumConcurrentSubTasks"] == 1
    assert tuning["maxParseExceptions"] == 2_147_483_647
    assert tuning["maxSavedParseExceptions"] > 0
    assert tuning["logParseExceptions"] is True
    assert tuning["awaitSegmentAvailabilityTimeoutMillis"] == 42_000
    assert tuning["partitionsSpec"] == {"type": "dynamic"}


def test_only_csv_is_staged() -> None:
    parquet = StagedData(uris=(URI,), format="parquet", columns=("ts",), rows=1)
    with pytest.raises(ValueError, match="parquet"):
        build_ingestion_spec(
            task_id="t", upload_id="u", datasource="d", profile=_profile(TS, *COLUMNS),
            staged=parquet,
            mode=WriteMode.APPEND, settings=Settings(),
        )  # fmt: skip


def _profile_with(*names: str, time_column: str | None = "ts") -> Profile:
    columns = tuple(ColumnProfile(name, ColumnType.STRING, 0, 1) for name in names)
    return Profile(
        format="csv",
        encoding="utf-8",
        delimiter=",",
        sheet=None,
        rows_total=1,
        rows_valid=1,
        rows_quarantined=0,
        columns=columns,
        timestamp=TimestampInfo(column=time_column),
    )


def test_column_names_druid_refuses_are_named_before_submission() -> None:
    assert column_name_problem(_profile_with("ts", "city")) is None
    assert column_name_problem(_profile_with("__time", "city", time_column="__time")) is None
    duplicate_time = column_name_problem(_profile_with("ts", "__time"))
    assert duplicate_time is not None and "'__time'" in duplicate_time and "'ts'" in duplicate_time
    delimiter = column_name_problem(_profile_with("ts", 'a","type":"local'))
    assert delimiter is not None and "contains ','" in delimiter


@pytest.mark.parametrize("granularity", ["DAY", "MONTH", "YEAR"])
def test_times_in_year_9999_get_an_interval_druid_reads(granularity: str) -> None:
    timestamp = TimestampInfo(column="ts", min="9999-06-01T00:00:00Z", max="9999-12-31T23:59:59Z")
    (interval,) = covered_intervals(timestamp, granularity=granularity)
    assert interval.endswith("/10000-01-01T00:00:00.000Z")  # Joda parses a 5-digit year
