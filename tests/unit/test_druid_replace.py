from __future__ import annotations

from core.druid.replace import exact_replace_possible, keep_rows_outside
from core.druid.spec import build_ingestion_spec
from core.model import ColumnProfile, ColumnType, Profile, StagedData, TimestampInfo, WriteMode
from core.settings import Settings

TS = TimestampInfo(column="ts", druid_format="iso", min="2024-03-01T10:00:00Z",
                   max="2024-03-01T12:00:00.5Z")  # fmt: skip
PROFILE = Profile(
    format="csv", encoding="utf-8", delimiter=",", sheet=None, rows_total=3, rows_valid=3,
    rows_quarantined=0, timestamp=TS,
    columns=(ColumnProfile("ts", ColumnType.TIMESTAMP, 0, 3),
             ColumnProfile("city", ColumnType.STRING, 0, 3)),
)  # fmt: skip
STAGED = StagedData(uris=("s3://b/u.csv",), format="csv", columns=("ts", "city"), rows=3)


def _spec() -> dict:  # type: ignore[type-arg]
    replace = build_ingestion_spec(
        task_id="t", upload_id="u1", datasource="sales", profile=PROFILE, staged=STAGED,
        mode=WriteMode.REPLACE, settings=Settings(),
    )  # fmt: skip
    return keep_rows_outside(
        replace, datasource="sales", profile=PROFILE, upload_id="u1",
        existing_columns=[("__time", "TIMESTAMP"), ("city", "VARCHAR"), ("qty", "BIGINT")],
    )  # fmt: skip


def test_the_chunks_rows_outside_the_files_range_are_read_back() -> None:
    io = _spec()["spec"]["ioConfig"]
    kept, new = io["inputSource"]["delegates"]
    assert io["inputSource"]["type"] == "combining"
    assert new == {"type": "s3", "uris": ["s3://b/u.csv"]}
    assert kept == {
        "type": "druid",
        "dataSource": "sales",
        "interval": "2024-03-01T00:00:00.000Z/2024-03-02T00:00:00.000Z",
        "filter": {
            "type": "not",
            "field": {
                "type": "interval",
                "dimension": "__time",
                "intervals": ["2024-03-01T10:00:00.000Z/2024-03-01T12:00:00.501Z"],
            },
        },
    }
    assert io["dropExisting"] is True and io["appendToExisting"] is False


def test_both_inputs_share_one_time_column_and_keep_every_existing_column() -> None:
    schema = _spec()["spec"]["dataSchema"]
    assert schema["timestampSpec"] == {"column": "__time", "format": "auto"}
    assert _spec()["spec"]["ioConfig"]["inputFormat"]["columns"] == ["__time", "city"]
    assert schema["dimensionsSpec"]["dimensions"] == [
        {"type": "string", "name": "city"},
        {"type": "long", "name": "qty"},
        {"type": "string", "name": "sluice_upload"},
    ]


def test_only_rows_inside_the_range_get_the_new_upload_id() -> None:
    (transform,) = _spec()["spec"]["dataSchema"]["transformSpec"]["transforms"]
    assert transform["name"] == "sluice_upload"
    assert transform["expression"] == (
        "if(__time >= 1709287200000 && __time <= 1709294400500, 'u1', \"sluice_upload\")"
    )


def test_epoch_seconds_read_as_uploaded_cannot_share_the_time_column() -> None:
    from dataclasses import replace

    assert exact_replace_possible(PROFILE)
    posix = replace(PROFILE, timestamp=replace(TS, druid_format="posix"))
    assert not exact_replace_possible(posix)
    assert not exact_replace_possible(replace(PROFILE, timestamp=TimestampInfo(column=None)))
