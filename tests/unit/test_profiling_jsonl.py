"""JSON uploads (core/profiling/jsonl.py) through the real validator: values keep their JSON
text, nested keys are dotted, bad records are quarantined with their line or element number,
and documents that are not tables are refused."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest

from core.model import IngestOptions
from core.profiling import InputRejected, Limits, RejectCode, ValidationResult, validate_file

LIMITS = Limits(max_columns=2000, max_xlsx_uncompressed_bytes=32 << 20, max_column_name_length=255)


def _validate(tmp_path: Path, content: bytes, limits: Limits = LIMITS) -> ValidationResult:
    path = tmp_path / "in.json"
    path.write_bytes(content)
    return validate_file(path, options=IngestOptions(), limits=limits, out_dir=tmp_path / "out")


def _staged(result: ValidationResult) -> pl.DataFrame:
    return pl.read_csv(result.staged_files[0], infer_schema=False)


def _quarantined(result: ValidationResult) -> dict[str, str]:
    assert result.quarantine_file is not None
    rows = pl.read_csv(result.quarantine_file, infer_schema=False)
    return dict(zip(rows["_sluice_row"], rows["_sluice_reason"], strict=True))


def test_json_lines_values_keep_their_text(tmp_path: Path) -> None:
    lines = [
        {"id": 1, "price": 2.50, "ok": True, "user": {"name": "a", "geo": {"lat": 1.5}}},
        {"id": 2, "price": 1e3, "ok": False, "tags": ["x", 1.0], "user": None},
        {"id": 3, "zip": "00501", "empty": {}, "note": None},
    ]
    text = "\n".join(json.dumps(line) for line in lines).replace("1000.0", "1e3") + "\n"
    result = _validate(tmp_path, text.encode())
    profile = result.profile
    assert (profile.format, profile.rows_valid, profile.rows_quarantined) == ("json", 3, 0)
    types = {c.name: str(c.type) for c in profile.columns}
    assert types["id"] == "LONG" and types["price"] == "DOUBLE" and types["ok"] == "BOOLEAN"
    assert types["user.geo.lat"] == "DOUBLE" and types["zip"] == "STRING"
    staged = _staged(result)
    assert staged["price"].to_list() == ["2.5", "1e3", None]
    assert staged["tags"].to_list() == [None, '["x",1.0]', None]
    assert staged["empty"].to_list() == [None, None, "{}"]
    assert staged["user.name"].to_list() == ["a", None, None]


def test_bad_lines_are_quarantined_with_their_line_number(tmp_path: Path) -> None:
    content = b'{"a": 1}\n{"a": 2,\n[1, 2]\n\n{"a": 3}\n"text"\n{"a": 4}\n'
    result = _validate(tmp_path, content)
    assert (result.profile.rows_valid, result.profile.rows_quarantined) == (3, 4)
    reasons = _quarantined(result)
    assert set(reasons) == {"2", "3", "4", "6"}
    assert "line 2 is not valid JSON" in reasons["2"]
    assert "line 3 is an array, not an object" in reasons["3"]
    assert reasons["4"] == "row is empty"
    assert "a string, not an object" in reasons["6"]
    assert _staged(result)["a"].to_list() == ["1", "3", "4"]


def test_keys_that_clash_once_flattened_set_the_row_aside(tmp_path: Path) -> None:
    result = _validate(tmp_path, b'{"a.b": 1}\n{"a": {"b": 2}, "a.b": 3}\n{"a.b": 4}\n')
    assert (result.profile.rows_valid, result.profile.rows_quarantined) == (2, 1)
    assert "both make the column 'a.b'" in _quarantined(result)["2"]


def test_array_of_objects_across_read_chunks(tmp_path: Path) -> None:
    # Elements longer than the 1 MB read chunk, and many small ones: the sliding buffer
    # must parse each exactly once, wherever the chunks cut.
    rows = [{"i": i, "s": "x" * (1_500_000 if i % 40 == 5 else i)} for i in range(120)]
    result = _validate(tmp_path, json.dumps(rows, indent=1).encode())
    assert result.profile.rows_valid == 120
    staged = _staged(result)
    assert staged["i"].to_list() == [str(i) for i in range(120)]
    lengths = [len(str(r["s"])) or None for r in rows]  # "" is an empty field, as in a CSV
    assert staged["s"].str.len_chars().to_list() == lengths


def test_array_elements_that_are_not_objects(tmp_path: Path) -> None:
    result = _validate(tmp_path, b'[{"a": 1}, 7, {"a": 2}, null]')
    assert (result.profile.rows_valid, result.profile.rows_quarantined) == (2, 2)
    assert set(_quarantined(result)) == {"2", "4"}


@pytest.mark.parametrize(
    ("content", "code", "text"),
    [
        (b'{"error": "rate limited"}\n', RejectCode.UNSUPPORTED_FORMAT, "single JSON object"),
        (b'{\n "rows": [{"a": 1}]\n}', RejectCode.UNSUPPORTED_FORMAT, "spread over several"),
        (b'[{"a": 1}, {"a": 2]', RejectCode.INVALID_JSON, "past element 1"),
        (b'[{"a": 1}] trailing', RejectCode.INVALID_JSON, "more after"),
        (b'[{"a": 1}', RejectCode.INVALID_JSON, "ends before its closing"),
        (b"[]", RejectCode.NO_VALID_ROWS, "holds no records"),
        (b"[[1, 2], [3, 4]]", RejectCode.NO_VALID_ROWS, "element 1 is an array"),
    ],
)
def test_json_that_is_not_a_table_is_refused(
    tmp_path: Path, content: bytes, code: RejectCode, text: str
) -> None:
    with pytest.raises(InputRejected) as caught:
        _validate(tmp_path, content)
    assert caught.value.code == code
    assert text in caught.value.message


def test_a_line_beyond_the_record_bound_is_quarantined(tmp_path: Path) -> None:
    limits = Limits(
        max_columns=10, max_xlsx_uncompressed_bytes=1, max_column_name_length=255,
        max_json_record_bytes=100,
    )  # fmt: skip
    content = b'{"a": 1}\n{"a": "' + b"x" * 500 + b'"}\n{"a": 3}\n'
    result = _validate(tmp_path, content, limits)
    assert (result.profile.rows_valid, result.profile.rows_quarantined) == (2, 1)
    assert "longer than" in _quarantined(result)["2"]


def test_too_many_keys_stop_the_conversion(tmp_path: Path) -> None:
    limits = Limits(max_columns=3, max_xlsx_uncompressed_bytes=1, max_column_name_length=255)
    with pytest.raises(InputRejected) as caught:
        _validate(tmp_path, b'{"a": 1}\n{"b": 1, "c": {"d": 1, "e": 2}}\n', limits)
    assert caught.value.code == RejectCode.TOO_MANY_COLUMNS
