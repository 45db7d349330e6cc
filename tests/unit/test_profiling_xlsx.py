"""Excel workbooks: sheets, typed cells, and the zip-bomb guard."""

from __future__ import annotations

import re
import zipfile
from datetime import date
from pathlib import Path

import fastexcel
import pytest

from core.model import ColumnType
from core.profiling import InputRejected, Limits, RejectCode, xlsx
from tests.fixtures.uploads import LIMITS, column, staged, validate, write_xlsx

SHEETS = {
    "first": [
        ["name", "qty", "price", "day"],
        ["a", 1, 1.5, date(2024, 1, 2)],
        ["b", 2, 2, date(2024, 1, 3)],
        ["c", None, 3.25, date(2024, 1, 4)],
    ],
    "second": [["x", "y"], ["p", 10], ["q", 20]],
}


def _reject(path: Path, out: Path, code: RejectCode, **options: object) -> InputRejected:
    with pytest.raises(InputRejected) as info:
        validate(path, out, **options)
    assert info.value.code == code, info.value.message
    return info.value


def test_first_sheet_by_default(tmp_path: Path) -> None:
    result = validate(write_xlsx(tmp_path / "in.xlsx", SHEETS), tmp_path / "out")
    assert result.profile.sheet == "first"
    types = {c.name: c.type for c in result.profile.columns}
    assert types == {
        "name": ColumnType.STRING,
        "qty": ColumnType.LONG,
        "price": ColumnType.DOUBLE,
        "day": ColumnType.TIMESTAMP,
    }
    assert staged(result)["qty"].to_list() == ["1", "2", None]  # whole numbers stay integers
    assert column(result, "qty").null_count == 1


def test_sheet_option(tmp_path: Path) -> None:
    result = validate(write_xlsx(tmp_path / "in.xlsx", SHEETS), tmp_path / "out", sheet="second")
    assert result.profile.sheet == "second"
    assert staged(result)["y"].to_list() == ["10", "20"]


def test_missing_sheet(tmp_path: Path) -> None:
    error = _reject(
        write_xlsx(tmp_path / "in.xlsx", SHEETS),
        tmp_path / "out",
        RejectCode.SHEET_NOT_FOUND,
        sheet="third",
    )
    assert "'first', 'second'" in error.message


def test_mixed_column_becomes_text(tmp_path: Path) -> None:
    rows = [["v"], *([i] for i in range(300)), ["pending"]]
    result = validate(write_xlsx(tmp_path / "in.xlsx", {"s": rows}), tmp_path / "out")
    assert column(result, "v").type == ColumnType.STRING
    assert staged(result)["v"].to_list()[-1] == "pending"


def test_header_rules_apply(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "in.xlsx", {"s": [["a", None, "c"], [1, 2, 3]]})
    assert validate(path, tmp_path / "o1").staged_columns == ("a", "column_2", "c")
    path = write_xlsx(tmp_path / "in2.xlsx", {"s": [["a", "a"], [1, 2]]})
    _reject(path, tmp_path / "o2", RejectCode.DUPLICATE_COLUMN_NAME)


def test_empty_and_header_only_sheets(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "in.xlsx", {"empty": [], "header": [["a", "b"]]})
    _reject(path, tmp_path / "o1", RejectCode.EMPTY_FILE)
    _reject(path, tmp_path / "o2", RejectCode.HEADER_ONLY, sheet="header")


def test_declared_size_over_the_limit(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "in.xlsx", SHEETS)
    limits = Limits(LIMITS.max_columns, 1_000, LIMITS.max_column_name_length)
    from core.model import IngestOptions
    from core.profiling import validate_file

    with pytest.raises(InputRejected) as info:
        validate_file(path, options=IngestOptions(), limits=limits, out_dir=tmp_path / "out")
    assert info.value.code == RejectCode.XLSX_TOO_LARGE


def test_zip_bomb_is_refused_before_reading(tmp_path: Path) -> None:
    path = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"0" * (60 * 1024**2))  # 60 MB of zeros
    assert path.stat().st_size < 1024**2
    _reject(path, tmp_path / "out", RejectCode.XLSX_TOO_LARGE)


@pytest.mark.parametrize("content", [b"PK\x03\x04 truncated", b"not a zip at all"])
def test_not_a_workbook(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "in.xlsx"
    path.write_bytes(content)
    code = RejectCode.XLSX_INVALID if content.startswith(b"PK") else RejectCode.UNSUPPORTED_FORMAT
    if not content.startswith(b"PK"):
        return  # plain text named .xlsx is read as CSV by content; covered elsewhere
    _reject(path, tmp_path / "out", code)


def test_zip_without_workbook_named_xlsx(tmp_path: Path) -> None:
    path = tmp_path / "in.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("word/document.xml", "<doc/>")
    _reject(path, tmp_path / "out", RejectCode.XLSX_INVALID)


def test_corrupt_workbook_part(tmp_path: Path) -> None:
    path = tmp_path / "in.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("xl/workbook.xml", "this is not xml")
    _reject(path, tmp_path / "out", RejectCode.XLSX_INVALID)


def test_mixed_columns_are_found_without_the_error_message(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rows = [["n", "v", "flag", "d"], [1, 1, True, 1.5], [2, "pending", 2, 2.5], [3, 3, False, 4]]
    path = write_xlsx(tmp_path / "in.xlsx", {"s": rows})
    hinted = validate(path, tmp_path / "o1")
    monkeypatch.setattr(xlsx, "_MIXED_COLUMN", re.compile("a message fastexcel never gives"))
    probed = validate(path, tmp_path / "o2")
    types = {"n": ColumnType.LONG, "v": ColumnType.STRING, "flag": ColumnType.STRING}
    for result in (hinted, probed):
        assert {c.name: c.type for c in result.profile.columns if c.name in types} == types
        assert staged(result)["v"].to_list() == ["1", "pending", "3"]
    assert staged(hinted).equals(staged(probed))


def test_the_mixed_column_hint_matches_the_real_fastexcel_error(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "in.xlsx", {"s": [["mixed col"], [1], ["x"]]})
    reader = fastexcel.read_excel(path)
    with pytest.raises(fastexcel.UnsupportedColumnTypeCombinationError) as info:
        reader.load_sheet("s", header_row=0, schema_sample_rows=None, dtype_coercion="strict")
    named = xlsx._MIXED_COLUMN.search(str(info.value))
    assert named is not None and named.group(1) == "mixed col"
