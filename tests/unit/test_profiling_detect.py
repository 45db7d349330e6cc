"""Format, encoding, delimiter and header detection, and the whole-file rejections."""

from __future__ import annotations

import zipfile
from pathlib import Path

import polars as pl
import pytest

from core.model import ColumnType
from core.profiling import InputRejected, RejectCode
from tests.fixtures.uploads import (
    LIMITS,
    column,
    csv_text,
    staged,
    validate,
    write_csv,
    write_xlsx,
)

ROWS = [["name", "qty", "price"], ["Zoë", 1, 2.5], ['Łódź; "quoted"', 2, 3.0], ["plain", 3, 4.25]]


def _reject(path: Path, out: Path, code: RejectCode, **options: object) -> InputRejected:
    with pytest.raises(InputRejected) as info:
        validate(path, out, **options)
    assert info.value.code == code, info.value.message
    assert info.value.message.endswith(".")
    return info.value


@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
def test_delimiters_are_sniffed(tmp_path: Path, delimiter: str) -> None:
    path = write_csv(tmp_path / "in.txt", ROWS, delimiter=delimiter)
    result = validate(path, tmp_path / "out")
    assert result.profile.delimiter == delimiter
    assert result.staged_columns == ("name", "qty", "price")
    assert staged(result)["name"].to_list() == ["Zoë", 'Łódź; "quoted"', "plain"]


def test_delimiter_option_overrides_sniffing(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "in.csv", [["a;b", "c"], ["1;2", "3"]], delimiter=",")
    result = validate(path, tmp_path / "out", delimiter=";")
    assert result.staged_columns == ("a", "b,c")


@pytest.mark.parametrize(
    ("encoding", "bom", "reported"),
    [
        ("utf-8", "", "utf-8"),
        ("utf-8", "\ufeff", "utf-8-sig"),
        ("utf-16-le", "\ufeff", "utf-16-le"),
        ("utf-16-be", "\ufeff", "utf-16-be"),
        ("cp1252", "", "cp1252"),
    ],
)
def test_encodings_are_read_as_utf8(tmp_path: Path, encoding: str, bom: str, reported: str) -> None:
    rows = [["name", "qty"], ["Zoë café", 1], ["naïve € “quotes”", 2], ["Łódź" if bom else "x", 3]]
    path = tmp_path / "in.csv"
    path.write_bytes((bom + csv_text(rows)).encode(encoding))
    result = validate(path, tmp_path / "out")
    assert result.profile.encoding == reported
    assert result.staged_columns == ("name", "qty")
    assert staged(result)["name"].to_list() == [r[0] for r in rows[1:]]
    # Druid reads UTF-8 uploads as they are; anything else is staged as UTF-8.
    assert result.reads_upload == reported.startswith("utf-8")
    for part in result.staged_files:
        assert part.read_bytes().decode("utf-8")


def test_late_non_utf8_byte_falls_back_to_cp1252(tmp_path: Path) -> None:
    head = "".join(f"row{i},{i}\n" for i in range(200_000))  # > 1 MB of ASCII first
    path = tmp_path / "in.csv"
    path.write_bytes(b"name,n\n" + head.encode() + "Müller,1\n".encode("cp1252"))
    result = validate(path, tmp_path / "out")
    assert result.profile.encoding == "cp1252"
    assert staged(result)["name"].to_list()[-1] == "Müller"
    assert any("Windows-1252" in w for w in result.profile.warnings)


def test_crlf_line_endings(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "in.csv", ROWS, newline="\r\n")
    result = validate(path, tmp_path / "out")
    assert staged(result)["price"].to_list() == ["2.5", "3.0", "4.25"]


def test_parquet_is_recognised_by_content(tmp_path: Path) -> None:
    path = tmp_path / "upload.csv"  # the name lies; the content decides
    pl.DataFrame({"a": [1, 2], "b": ["x", "y"]}).write_parquet(path)
    result = validate(path, tmp_path / "out")
    assert result.profile.format == "parquet"
    assert result.profile.encoding is None and result.profile.delimiter is None


def test_xlsx_is_recognised_by_content(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "upload.bin", {"S": [["a", "b"], [1, "x"]]})
    assert validate(path, tmp_path / "out").profile.format == "xlsx"


@pytest.mark.parametrize(
    "content",
    [
        b"\x89PNG\r\n\x1a\n" + b"\x00" * 64,
        b"%PDF-1.7\n%\xe2\xe3\n1 0 obj",
        b"\x1f\x8b\x08\x00rest",
        bytes(range(256)) * 8,
    ],
)
def test_binary_named_csv_is_unsupported(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "data.csv"
    path.write_bytes(content)
    _reject(path, tmp_path / "out", RejectCode.UNSUPPORTED_FORMAT)


def test_zip_without_a_table_is_unsupported(tmp_path: Path) -> None:
    path = tmp_path / "data.csv"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("notes/", "")
        archive.writestr(".DS_Store", "x")
    error = _reject(path, tmp_path / "out", RejectCode.UNSUPPORTED_FORMAT)
    assert "holds no table file" in error.message


def test_utf16_without_bom_is_undecodable(tmp_path: Path) -> None:
    path = tmp_path / "in.csv"
    path.write_bytes("a,b\n1,2\n3,4\n".encode("utf-16-le"))
    _reject(path, tmp_path / "out", RejectCode.UNDECODABLE_TEXT)


def test_broken_utf16_is_undecodable(tmp_path: Path) -> None:
    path = tmp_path / "in.csv"
    path.write_bytes("a,b\n1,2\n".encode("utf-16") + b"\x00\xd8\x41")  # a lone surrogate
    _reject(path, tmp_path / "out", RejectCode.UNDECODABLE_TEXT)


@pytest.mark.parametrize(
    "content",
    [b"", b"  \n\r\n\t", b"\xef\xbb\xbf", b"\xef\xbb\xbf\r\n", " \n".encode("utf-16")],
)
def test_empty_file(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "in.csv"
    path.write_bytes(content)
    _reject(path, tmp_path / "out", RejectCode.EMPTY_FILE)


@pytest.mark.parametrize("content", [b"a,b,c", b"a,b,c\n", b"a,b,c\r\n\r\n\n"])
def test_header_only(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "in.csv"
    path.write_bytes(content)
    _reject(path, tmp_path / "out", RejectCode.HEADER_ONLY)


def test_blank_column_names_are_named_after_their_position(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "in.csv", [["a", " ", "c", "", "column_4"], [1, 2, 3, 4, 5]])
    result = validate(path, tmp_path / "out")
    assert result.staged_columns == ("a", "column_2", "c", "_column_4", "column_4")
    assert [w for w in result.profile.warnings if "no name" in w] == [
        "Column 2 has no name in the header row, so it was named 'column_2'. Give it a name "
        "in the first row to choose another.",
        "Column 4 has no name in the header row, so it was named '_column_4'. Give it a name "
        "in the first row to choose another.",
    ]


def test_pandas_index_column_is_kept(tmp_path: Path) -> None:
    path = tmp_path / "in.csv"
    path.write_text(",city,n\n0,Paris,1\n1,Oslo,2\n")
    result = validate(path, tmp_path / "out")
    assert result.staged_columns == ("column_1", "city", "n")
    assert column(result, "column_1").type == ColumnType.LONG


@pytest.mark.parametrize("header", ["a,b,c,", "a,b,c,,"])
def test_a_delimiter_ending_every_line_is_left_out(tmp_path: Path, header: str) -> None:
    extra = header.count(",") - 2
    path = tmp_path / "in.csv"
    path.write_text(
        header + "\n" + "".join(f"{i},x,{i * 2}" + "," * extra + "\n" for i in range(5))
    )
    result = validate(path, tmp_path / "out")
    assert result.staged_columns == ("a", "b", "c")
    assert [c.name for c in result.profile.columns] == ["a", "b", "c"]
    assert result.profile.rows_valid == 5 and result.profile.rows_quarantined == 0
    assert staged(result).columns == ["a", "b", "c"]


def test_a_late_value_in_an_unnamed_trailing_column_keeps_it(tmp_path: Path) -> None:
    lines = ["a,b,"] + [f"{i},x," for i in range(12_000)] + ["5,y,late"]
    path = tmp_path / "in.csv"
    path.write_text("\n".join(lines) + "\n")
    result = validate(path, tmp_path / "out")
    assert result.staged_columns == ("a", "b", "column_3")
    assert staged(result)["column_3"].to_list()[-1] == "late"
    assert result.profile.rows_valid == 12_001


def test_duplicate_column_name(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "in.csv", [["id", "a", "price", "b", "c", "d", "price "], [1, 2, 3, 4, 5, 6, 7]]
    )
    error = _reject(path, tmp_path / "out", RejectCode.DUPLICATE_COLUMN_NAME)
    assert "Columns 3 and 7 are both called 'price'" in error.message


def test_column_name_too_long(tmp_path: Path) -> None:
    name = "x" * (LIMITS.max_column_name_length + 1)
    path = write_csv(tmp_path / "in.csv", [["a", name], [1, 2]])
    error = _reject(path, tmp_path / "out", RejectCode.COLUMN_NAME_TOO_LONG)
    assert "column 2" in error.message


def test_too_many_columns(tmp_path: Path) -> None:
    width = LIMITS.max_columns + 1
    path = write_csv(tmp_path / "in.csv", [[f"c{i}" for i in range(width)], list(range(width))])
    error = _reject(path, tmp_path / "out", RejectCode.TOO_MANY_COLUMNS)
    assert f"{width:,} columns" in error.message


def test_quoted_header_with_newline(tmp_path: Path) -> None:
    path = tmp_path / "in.csv"
    path.write_bytes(b'"first\nname",n\nann,1\nbob,2\n')
    result = validate(path, tmp_path / "out")
    assert result.staged_columns == ("first\nname", "n")
    assert staged(result)["n"].to_list() == ["1", "2"]


@pytest.mark.parametrize(
    ("body", "kept", "set_aside"),
    [
        (b'a,b\n1,"never closed\n2,3\n', ["3"], 1),
        (b'a,b\n1,5" screen\n2,3\n', ['5" screen', "3"], 0),
    ],
)
def test_malformed_quoting_is_set_aside_not_truncated(
    tmp_path: Path, body: bytes, kept: list[str], set_aside: int
) -> None:
    path = tmp_path / "in.csv"
    path.write_bytes(body)
    result = validate(path, tmp_path / "out")
    assert (result.profile.rows_total, result.profile.rows_quarantined) == (2, set_aside)
    assert staged(result)["b"].to_list() == kept


def test_malformed_quoting_after_the_sample(tmp_path: Path) -> None:
    path = tmp_path / "in.csv"
    path.write_bytes(b"a,b\n" + b"1,2\n" * 20_000 + b'3,"open\n4,5\n')
    result = validate(path, tmp_path / "out")
    profile = result.profile
    assert (profile.rows_total, profile.rows_valid, profile.rows_quarantined) == (20_002, 20_001, 1)
    assert staged(result)["b"].to_list()[-1] == "5"


def test_classic_mac_line_endings(tmp_path: Path) -> None:
    path = tmp_path / "in.csv"
    path.write_bytes(b"a,b\r1,2\r3,4\r")
    result = validate(path, tmp_path / "out")
    assert staged(result)["b"].to_list() == ["2", "4"]
    assert not any(p.name.startswith("source.") for p in (tmp_path / "out").iterdir())


def test_bytes_undefined_in_cp1252_fall_back_to_latin1(tmp_path: Path) -> None:
    path = tmp_path / "in.csv"
    path.write_bytes(b"name,n\nA\x81B,1\ncaf\xe9,2\n")
    result = validate(path, tmp_path / "out")
    assert result.profile.encoding == "latin-1"
    assert staged(result)["name"].to_list() == ["A\x81B", "café"]


def test_progress_is_reported(tmp_path: Path) -> None:
    from core.model import IngestOptions
    from core.profiling import validate_file

    seen: list[tuple[str, float]] = []
    path = write_csv(tmp_path / "in.csv", ROWS)
    validate_file(
        path,
        options=IngestOptions(),
        limits=LIMITS,
        out_dir=tmp_path / "out",
        on_progress=lambda stage, fraction: seen.append((stage, fraction)),
    )
    stages = [stage for stage, _ in seen]
    assert stages[0] == "detecting" and stages[-1] == "done"
    assert {"inferring", "checking"} <= set(stages)  # (no staging: Druid reads the upload)
    fractions = [fraction for _, fraction in seen]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0


def test_damaged_parquet(tmp_path: Path) -> None:
    path = tmp_path / "in.parquet"
    pl.DataFrame({"a": list(range(50_000)), "b": ["x"] * 50_000}).write_parquet(path)
    data = bytearray(path.read_bytes())
    data[100:20_000] = b"\xff" * 19_900  # pages broken, magic and footer intact
    path.write_bytes(bytes(data))
    _reject(path, tmp_path / "out", RejectCode.UNSUPPORTED_FORMAT)


@pytest.mark.parametrize(
    ("content", "what"),
    [
        (b"<!DOCTYPE html>\n<html><head><title>404</title></head></html>", "an HTML page"),
        (b"\xef\xbb\xbf  <html>\n<body>Service unavailable</body></html>", "an HTML page"),
        (b'<?xml version="1.0"?>\n<error><code>AccessDenied</code></error>', "an XML document"),
        (b"<Error><Code>NoSuchKey</Code></Error>", "an XML document"),
        (b'{"error": "not found", "status": 404}', "a single JSON object"),
        (b'{\n  "error": "not found"\n}\n', "a JSON document spread over several lines"),
        ('{"a": 1}'.encode("utf-16"), "a single JSON object"),
    ],
)
def test_pages_and_documents_are_rejected_as_what_they_are(
    tmp_path: Path, content: bytes, what: str
) -> None:
    path = tmp_path / "in.csv"
    path.write_bytes(content)
    error = _reject(path, tmp_path / "out", RejectCode.UNSUPPORTED_FORMAT)
    assert f"The file's content is {what}, not a table" in error.message


@pytest.mark.parametrize("header", ["[id],name", "{a},b", "<a>,b", "a,b"])
def test_tables_starting_with_brackets_are_tables(tmp_path: Path, header: str) -> None:
    path = tmp_path / "in.csv"
    path.write_text(f"{header}\n1,2\n")
    assert validate(path, tmp_path / "out").profile.rows_valid == 1
