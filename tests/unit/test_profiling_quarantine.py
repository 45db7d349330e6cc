"""Rows that cannot be staged go to the quarantine file with a reason; counts add up exactly."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from core.profiling import InputRejected, RejectCode
from tests.fixtures.uploads import quarantined, staged, validate, write_csv, write_xlsx


def _file(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "in.csv"
    path.write_text(text, encoding="utf-8")
    return path


def _check_accounting(result) -> None:  # type: ignore[no-untyped-def]
    profile = result.profile
    assert profile.rows_total == profile.rows_valid + profile.rows_quarantined
    assert staged(result).height == profile.rows_valid
    bad = quarantined(result).height if result.quarantine_file else 0
    assert bad == profile.rows_quarantined


def test_ragged_rows_are_quarantined_with_field_counts(tmp_path: Path) -> None:
    text = (
        "a,b,c,d\n1,2,3,4\n5,6,7,8,9\n10,11,12\n13,14,15,16\n17,18,19,20,21,22,23,24,25\n"
        "26,,,\n27,28\n"
    )
    result = validate(_file(tmp_path, text), tmp_path / "out")
    _check_accounting(result)
    assert (result.profile.rows_total, result.profile.rows_quarantined) == (7, 4)
    bad = quarantined(result)
    # The upload's columns first (fixable, uploadable again), then Sluice's bookkeeping.
    assert bad.columns == ["a", "b", "c", "d", "_sluice_row", "_sluice_reason",
                           "_sluice_extra_1", "_sluice_extra_2", "_sluice_extra_3"]  # fmt: skip
    reasons = zip(bad["_sluice_row"].to_list(), bad["_sluice_reason"].to_list(), strict=True)
    assert dict(reasons) == {
        "2": "row has 5 fields, header has 4",
        "3": "row has 3 fields, header has 4",
        "5": "row has 7 or more fields, header has 4",
        "7": "row has 2 fields, header has 4",
    }
    assert bad.select("a", "b", "c", "d", "_sluice_extra_1", "_sluice_extra_2").row(0) == (
        "5", "6", "7", "8", "9", None,
    )  # fmt: skip
    assert staged(result)["a"].to_list() == ["1", "13", "26"]  # 26,,, is complete (empty fields)
    assert any(
        "2 with too many fields, 2 with too few fields" in w for w in result.profile.warnings
    )


def test_short_rows_in_a_file_with_quoted_newlines(tmp_path: Path) -> None:
    text = 'a,b,c\n1,"two\nlines",3\n4,5\n6,"x,y",7\n'
    result = validate(_file(tmp_path, text), tmp_path / "out")
    _check_accounting(result)
    bad = quarantined(result)
    assert bad.select("_sluice_row", "_sluice_reason").rows() == [
        (
            "1",
            "a value holds a line break, which Druid would cut into two rows; remove the line "
            "breaks inside values and upload the rows again",
        ),
        ("2", "row has 2 fields, header has 3"),
    ]
    assert bad["b"].to_list()[0] == "two\nlines"  # kept, exactly, in the quarantine file
    assert staged(result)["b"].to_list() == ["x,y"]


def test_empty_fields_at_the_end_are_not_short(tmp_path: Path) -> None:
    text = "a,b,c\n1,2,\n3,,\n4,5,6\n"
    result = validate(_file(tmp_path, text), tmp_path / "out")
    assert result.quarantine_file is None
    assert result.profile.rows_valid == 3


def test_blank_lines_are_quarantined_as_empty(tmp_path: Path) -> None:
    result = validate(_file(tmp_path, "a,b\n1,2\n\n3,4\n,\n"), tmp_path / "out")
    _check_accounting(result)
    assert quarantined(result).select("_sluice_row", "_sluice_reason").rows() == [
        ("2", "row is empty"),
        ("4", "row is empty"),
    ]


def test_bad_timestamps_are_quarantined_with_reasons(tmp_path: Path) -> None:
    rows = [["date", "v"]] + [[f"2024-01-{d:02d}", d] for d in range(1, 29)]
    rows += [["2024-13-45", 99], [None, 98], ["2024-02-30", 97], ["2024-01-05", 96]]
    result = validate(write_csv(tmp_path / "in.csv", rows), tmp_path / "out")
    _check_accounting(result)
    profile = result.profile
    assert (profile.rows_total, profile.rows_valid, profile.rows_quarantined) == (32, 29, 3)
    assert quarantined(result).select("_sluice_row", "_sluice_reason", "date", "v").rows() == [
        (
            "29",
            "timestamp '2024-13-45' in column 'date' is not a valid date (expected %Y-%m-%d)",
            "2024-13-45",
            "99",
        ),
        ("30", "timestamp column 'date' is empty", None, "98"),
        (
            "31",
            "timestamp '2024-02-30' in column 'date' is not a valid date (expected %Y-%m-%d)",
            "2024-02-30",
            "97",
        ),
    ]
    assert staged(result)["v"].to_list()[-1] == "96"


def test_bad_rows_after_the_sample(tmp_path: Path) -> None:
    rows = [["ts", "n"]] + [[1_700_000_000 + i, i] for i in range(15_000)]
    rows[12_001] = ["oops", 12_000]
    rows[14_001] = [1_700_000_000, 1, "extra"]
    result = validate(write_csv(tmp_path / "in.csv", rows), tmp_path / "out")
    _check_accounting(result)
    assert quarantined(result).select("_sluice_row", "_sluice_reason").rows() == [
        (
            "12001",
            "timestamp 'oops' in column 'ts' is not a valid date "
            "(expected epoch seconds between 1990 and 2100)",
        ),
        ("14001", "row has 3 fields, header has 2"),
    ]


def test_quarantine_keeps_the_upload_columns_and_only_filled_extras(tmp_path: Path) -> None:
    text = "reason,source_row\n1,2\n3,4,5\n,\n"
    result = validate(_file(tmp_path, text), tmp_path / "out")
    bad = quarantined(result)
    # One surplus field in one row: one extra column, not three empty ones.
    assert bad.columns == [
        "reason", "source_row", "_sluice_row", "_sluice_reason", "_sluice_extra_1",
    ]  # fmt: skip
    assert bad.rows() == [
        ("3", "4", "2", "row has 3 fields, header has 2", "5"),
        (None, None, "3", "row is empty", None),
    ]


def test_quarantine_without_surplus_fields_has_no_extra_columns(tmp_path: Path) -> None:
    rows = [["date", "v"]] + [[f"2024-01-{d:02d}", d] for d in range(1, 29)] + [["never", 2]]
    result = validate(write_csv(tmp_path / "in.csv", rows), tmp_path / "out")
    assert quarantined(result).columns == ["date", "v", "_sluice_row", "_sluice_reason"]


def test_every_row_bad_is_rejected(tmp_path: Path) -> None:
    rows = [["date", "v"], ["nope", 1], ["2024-01-02", 2, 3]]
    rows[1] = ["2024-01-02", 1, 9]
    with pytest.raises(InputRejected) as info:
        validate(write_csv(tmp_path / "in.csv", rows), tmp_path / "out")
    assert info.value.code == RejectCode.NO_VALID_ROWS
    assert "None of the 2 rows" in info.value.message
    assert "row 1: row has 3 fields, header has 2" in info.value.message


def test_typed_source_quarantines_missing_times(tmp_path: Path) -> None:
    frame = pl.DataFrame({"when": [None, *["2024-01-02"] * 10, "bad"], "n": range(12)})
    frame.write_parquet(tmp_path / "in.parquet")
    result = validate(tmp_path / "in.parquet", tmp_path / "out")
    _check_accounting(result)
    assert result.profile.rows_quarantined == 2
    assert quarantined(result)["_sluice_reason"].to_list() == [
        "timestamp column 'when' is empty",
        "timestamp 'bad' in column 'when' is not a valid date (expected %Y-%m-%d)",
    ]


def test_short_rows_below_a_two_line_header(tmp_path: Path) -> None:
    text = 'a,"b\nc",d\n1,2,3\n4,5\n6,7,8\n'
    result = validate(_file(tmp_path, text), tmp_path / "out")
    assert result.staged_columns == ("a", "b\nc", "d")
    assert quarantined(result).select("_sluice_row", "_sluice_reason").rows() == [
        ("2", "row has 2 fields, header has 3")
    ]


def test_a_fixed_quarantine_file_loads_without_the_sluice_columns(tmp_path: Path) -> None:
    rows = [["date", "v", "note"]] + [[f"2024-01-{d:02d}", d, "ok"] for d in range(1, 29)]
    rows += [["never", 29, "x"], ["2024-02-01", 30, "y", "surplus"]]
    result = validate(write_csv(tmp_path / "in.csv", rows), tmp_path / "out")
    bad = quarantined(result)
    # A person fixes the rows in the file as downloaded, keeping Sluice's columns.
    fixed = bad.with_columns(
        date=pl.Series(["2024-02-02", "2024-02-01"]), note=pl.Series(["x", "y, surplus"])
    )
    path = tmp_path / "fixed.csv"
    fixed.write_csv(path)
    again = validate(path, tmp_path / "again")
    assert again.quarantine_file is None
    assert [c.name for c in again.profile.columns] == ["date", "v", "note"]
    assert again.staged_columns == ("date", "v", "note")
    assert staged(again).select("v", "note").rows() == [("29", "x"), ("30", "y, surplus")]
    assert any("_sluice_row, _sluice_reason, _sluice_extra_1" in w for w in again.profile.warnings)


def test_sluice_columns_are_left_out_of_a_workbook(tmp_path: Path) -> None:
    rows = [["v", "_sluice_reason", "w"], [1, "why", "a"], [2, "why", "b"]]
    result = validate(write_xlsx(tmp_path / "in.xlsx", {"s": rows}), tmp_path / "out")
    assert [c.name for c in result.profile.columns] == ["v", "w"]
    assert staged(result).columns == ["v", "w"]
