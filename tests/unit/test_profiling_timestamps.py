"""Time column detection, parsing to epoch milliseconds, and the override."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import polars as pl
import pytest

from core.model import ColumnType
from core.profiling import InputRejected, RejectCode
from core.profiling.direct import DRUID_TIME_FORMATS
from core.profiling.timestamps import time_format
from tests.fixtures.uploads import column, staged, validate, write_csv, write_xlsx


def _millis(*parts: int) -> int:
    return int(datetime(*parts, tzinfo=UTC).timestamp() * 1000)  # type: ignore[misc]


def _run(tmp_path: Path, header: str, values: list[str], **options: object):  # type: ignore[no-untyped-def]
    rows = [["id", header], *([i, v] for i, v in enumerate(values))]
    return validate(write_csv(tmp_path / "in.csv", rows), tmp_path / "out", **options)


JAN2 = _millis(2024, 1, 2)
FEB1 = _millis(2024, 2, 1)


@pytest.mark.parametrize(
    ("values", "source_format", "expected"),
    [
        (["2024-01-02", "2024-02-01"], "%Y-%m-%d", [JAN2, FEB1]),
        (
            ["2024-01-02T03:04:05Z", "2024-02-01T00:00:00.250Z"],
            "%Y-%m-%dT%H:%M:%S%.f%#z",
            [JAN2 + 11_045_000, FEB1 + 250],
        ),
        (
            ["2024-01-02T05:04:05+02:00", "2024-02-01T00:00:00-0100"],
            "%Y-%m-%dT%H:%M:%S%.f%#z",
            [JAN2 + 11_045_000, FEB1 + 3_600_000],
        ),
        (
            ["2024-01-02 03:04:05", "2024-02-01 00:00:00.5"],
            "%Y-%m-%d %H:%M:%S%.f",
            [JAN2 + 11_045_000, FEB1 + 500],
        ),
        (["2024-01-02T03:04", "2024-02-01T00:00"], "%Y-%m-%dT%H:%M", [JAN2 + 11_040_000, FEB1]),
        (["2024/01/02", "2024/2/1"], "%Y/%m/%d", [JAN2, FEB1]),
        (  # mixed date and date-time: read row by row, each by the first pattern that fits
            ["02.01.2024", "01.02.2024 00:00"],
            "%d.%m.%Y %H:%M | %d.%m.%Y",
            [JAN2, FEB1],
        ),
        (["02.01.2024", "1.2.2024"], "%d.%m.%Y", [JAN2, FEB1]),
        (["02-01-2024", "01-02-2024"], "%d-%m-%Y", [JAN2, FEB1]),
        (
            ["01/02/2024 3:04 PM", "02/01/2024 12:00 AM"],
            "%m/%d/%Y %I:%M %p",
            [JAN2 + 54_240_000, FEB1],
        ),
    ],
)
def test_text_formats(
    tmp_path: Path, values: list[str], source_format: str | None, expected: list[int] | None
) -> None:
    result = _run(tmp_path, "created", values)
    info = result.profile.timestamp
    if source_format is None:
        assert info.column is None
        return
    # Druid reads ISO-8601 from the upload itself; other formats are staged as epoch millis.
    druid_format = DRUID_TIME_FORMATS.get(source_format, "millis")
    assert (info.column, info.source_format, info.druid_format) == (
        "created",
        source_format,
        druid_format,
    )
    assert result.reads_upload == (druid_format != "millis")
    assert staged(result)["created"].cast(pl.Int64).to_list() == expected
    assert column(result, "created").type == ColumnType.TIMESTAMP


def test_day_first_is_settled_by_a_late_value(tmp_path: Path) -> None:
    # The first 10,000 rows fit both readings; only row 12,000 shows the day comes first.
    values = ["01/02/2024"] * 12_000 + ["25/12/2024"]
    result = _run(tmp_path, "date", values)
    info = result.profile.timestamp
    assert info.source_format == "%d/%m/%Y"
    assert result.profile.rows_quarantined == 0
    assert staged(result)["date"].cast(pl.Int64).to_list()[-2:] == [FEB1, _millis(2024, 12, 25)]
    assert (info.min, info.max) == ("2024-02-01T00:00:00.000Z", "2024-12-25T00:00:00.000Z")


def test_month_first_when_a_day_exceeds_12(tmp_path: Path) -> None:
    result = _run(tmp_path, "date", ["01/02/2024", "12/31/2024"])
    assert result.profile.timestamp.source_format == "%m/%d/%Y"
    assert not any("also" in w for w in result.profile.warnings)


def test_ambiguous_dates_are_flagged(tmp_path: Path) -> None:
    result = _run(tmp_path, "date", ["01/02/2024", "03/04/2024"])
    assert result.profile.timestamp.source_format == "%m/%d/%Y"
    assert any("also as %d/%m/%Y" in w for w in result.profile.warnings)


@pytest.mark.parametrize(
    ("label", "scale"),
    [("epoch_s", 1), ("epoch_ms", 1_000), ("epoch_us", 1_000_000), ("epoch_ns", 1_000_000_000)],
)
def test_epoch_units(tmp_path: Path, label: str, scale: int) -> None:
    seconds = [1_700_000_000, 1_700_000_123]
    result = _run(tmp_path, "event_ts", [str(s * scale + (scale > 1)) for s in seconds])
    assert result.profile.timestamp.source_format == label
    millis = staged(result)["event_ts"].cast(pl.Int64).to_list()
    assert millis == [s * 1000 + (scale > 1 and scale <= 1000) for s in seconds]


def test_integers_are_epoch_only_with_a_time_name(tmp_path: Path) -> None:
    result = _run(tmp_path, "amount", ["1700000000", "1700000123"])
    assert result.profile.timestamp.column is None
    assert column(result, "amount").type == ColumnType.LONG


def test_epoch_out_of_range_is_not_time(tmp_path: Path) -> None:
    result = _run(tmp_path, "ts", ["5", "17"])
    assert result.profile.timestamp.column is None


def test_excel_serials_in_text(tmp_path: Path) -> None:
    result = _run(tmp_path, "order_date", ["45293", "45323.5"])
    assert result.profile.timestamp.source_format == "excel_serial"
    assert staged(result)["order_date"].cast(pl.Int64).to_list() == [JAN2, FEB1 + 43_200_000]


def test_excel_date_cells_and_serial_numbers(tmp_path: Path) -> None:
    sheets = {
        "data": [["when", "n"], [date(2024, 1, 2), 1], [datetime(2024, 2, 1, 6), 2]],
        "serials": [["day", "n"], [45293, 1], [45323, 2]],
    }
    path = write_xlsx(tmp_path / "in.xlsx", sheets)
    cells = validate(path, tmp_path / "a")
    assert cells.profile.timestamp.column == "when"
    assert staged(cells)["when"].cast(pl.Int64).to_list() == [JAN2, FEB1 + 21_600_000]
    serials = validate(path, tmp_path / "b", sheet="serials")
    assert serials.profile.timestamp.source_format == "excel_serial"
    assert staged(serials)["day"].cast(pl.Int64).to_list() == [JAN2, FEB1]


def test_time_like_name_is_preferred(tmp_path: Path) -> None:
    rows = [
        ["shipped", "created_at", "n"],
        ["2024-01-05", "2024-01-02", 1],
        ["2024-02-05", "2024-02-01", 2],
    ]
    result = validate(write_csv(tmp_path / "in.csv", rows), tmp_path / "out")
    assert result.profile.timestamp.column == "created_at"
    assert column(result, "shipped").type == ColumnType.TIMESTAMP
    assert staged(result)["shipped"].to_list() == ["2024-01-05", "2024-02-05"]  # as uploaded


def test_override_picks_the_column(tmp_path: Path) -> None:
    rows = [["a", "b"], ["2024-01-02", "2024-02-01"], ["2024-01-02", "2024-02-01"]]
    result = validate(write_csv(tmp_path / "in.csv", rows), tmp_path / "out", timestamp_column="b")
    assert result.profile.timestamp.column == "b"
    assert set(staged(result)["b"].cast(pl.Int64).to_list()) == {FEB1}


def test_override_of_a_missing_column(tmp_path: Path) -> None:
    with pytest.raises(InputRejected) as info:
        _run(tmp_path, "date", ["2024-01-02"], timestamp_column="when")
    assert info.value.code == RejectCode.TIMESTAMP_COLUMN_NOT_FOUND
    assert "'when'" in info.value.message and "'date'" in info.value.message


def test_override_of_an_unreadable_column(tmp_path: Path) -> None:
    with pytest.raises(InputRejected) as info:
        _run(tmp_path, "note", ["hello", "world"], timestamp_column="note")
    assert info.value.code == RejectCode.TIMESTAMP_COLUMN_UNPARSEABLE
    assert "'hello'" in info.value.message


def test_override_unreadable_after_the_sample(tmp_path: Path) -> None:
    # Only the rows past the sample have values, and none of them reads as time.
    values = [""] * 10_000 + ["soon", "later"]
    with pytest.raises(InputRejected) as info:
        _run(tmp_path, "note", values, timestamp_column="note")
    assert info.value.code == RejectCode.TIMESTAMP_COLUMN_UNPARSEABLE


def test_no_time_column_means_constant(tmp_path: Path) -> None:
    result = _run(tmp_path, "name", ["x", "y"])
    info = result.profile.timestamp
    assert (info.column, info.druid_format, info.constant) == (None, "auto", "2000-01-01T00:00:00Z")
    assert staged(result).columns == ["id", "name"]
    assert any("constant time" in w for w in result.profile.warnings)


def test_time_histogram_by_period(tmp_path: Path) -> None:
    values = [f"2024-{m:02d}-{d:02d}" for m in range(1, 13) for d in (1, 15)]
    result = _run(tmp_path, "date", values)
    histogram = column(result, "date").histogram
    assert histogram[0] == ("2024-01", 2) and histogram[-1] == ("2024-12", 2)
    assert len(histogram) == 12


# The shortcut for ISO-like times (Polars' own parser for the seconds, then the digits of the
# milliseconds) must read every value as chrono's general parser does, near misses included.
NEAR_ISO = [
    "2024-01-02T03:04:05.678Z", "2024-01-02T03:04:05Z", "2024-01-02 03:04:05",
    "2024-01-02 03:04:05.678", "2024-01-02T03:04:05", "2024-01-02T03:04:05.6Z",
    "2024-01-02T03:04:05.678912Z", "2024-02-30T03:04:05Z", "2024-02-30 03:04:05",
    "2024-01-02T24:00:00Z", "2024-01-02T23:59:60Z", "2024-01-02 23:59:60.500",
    "2024-01-02T03:04:05+01:00", "2024-01-02 03:04:05.-12", "2024-01-02T03:04:05.+12Z",
    "2024-01-02T03:04:05.Z", "2024-01-02 03:04", "9999-12-31 23:59:59.999",
    "0001-01-01 00:00:00", "2024-1-02 03:04:05", "2024-01-02T03:04:05.678ZZ", "x", "",
    "2024-01-02 03:04:05.678Z", "2024-01-02 03:04:05Z", "2024-02-29 03:04:05.6Z",
    "2024-01-02T03:04:05.678", "2024-01-02T03:04:05.5",
]  # fmt: skip


@pytest.mark.parametrize(
    "label",
    [
        "%Y-%m-%dT%H:%M:%S%.f%#z",
        "%Y-%m-%d %H:%M:%S%.f%#z",
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%d %H:%M:%S%.f",
    ],
)
def test_iso_times_read_as_the_general_parser_reads_them(label: str) -> None:
    values = pl.DataFrame({"v": NEAR_ISO})
    text = pl.col("v")
    general = text.str.to_datetime(label, strict=False, time_unit="ms").dt.epoch("ms")
    expected = values.select(pl.when(~text.str.contains(":60")).then(general)).to_series()
    got = values.select(time_format(label).to_millis(text)).to_series()
    assert got.to_list() == expected.to_list()
    assert got.drop_nulls().len() >= 2  # some values are times in that format
