"""Hostile and tricky upload files, made by code, each with the outcome Sluice must give.

    .venv/bin/python -m tests.hostile.cases OUT_DIR    # writes every file into OUT_DIR

`CASES` pairs a generator (bytes of the file; its name says what a person would call it)
with the expected outcome, declared right next to it: rejected with a code, or accepted with
so many valid and quarantined rows, some column types and a time column (and whether Druid
may read the upload itself). tests/hostile/test_hostile.py runs each through `validate_file`.
Files stay small (the whole suite runs in seconds); "huge" means huge for its kind.
"""

from __future__ import annotations

import bz2
import gzip
import io
import json
import lzma
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import polars as pl
import zstandard

from core.model import ColumnType, ColumnTypeRequest, IngestOptions
from tests.fixtures.uploads import csv_text, zip_of


@dataclass(frozen=True)
class Outcome:
    """What `validate_file` must do with a file."""

    code: str | None = None  # rejected with this RejectCode; otherwise accepted:
    rows: int = 0  # valid rows
    quarantined: int = 0
    types: Mapping[str, str] = field(default_factory=dict)  # some columns' types
    time: str | None = None  # the time column
    direct: bool | None = None  # Druid reads the upload itself (None: not checked)
    warning: str | None = None  # text one of the profile's warnings contains
    reason: str | None = None  # text a quarantine reason contains


@dataclass(frozen=True)
class Case:
    name: str
    make: Callable[[], bytes]
    expected: Outcome
    options: IngestOptions = field(default_factory=IngestOptions)  # chosen when uploading


def typed(**types: str) -> IngestOptions:
    """Upload options giving columns a type (`zip="LONG"`)."""
    requests = (ColumnTypeRequest(name, ColumnType(t)) for name, t in types.items())
    return IngestOptions(column_types=tuple(requests))


def rejected(code: str) -> Outcome:
    return Outcome(code=code)


def _csv(rows: list[list[object]], *, sep: str = ",", nl: str = "\n") -> str:
    return csv_text(rows, delimiter=sep, newline=nl)


def _table(n: int = 3) -> list[list[object]]:
    return [["city", "n"], *([f"city{i}", i] for i in range(n))]


def _utf8(text: str) -> Callable[[], bytes]:
    return lambda: text.encode()


def _parquet(frame: pl.DataFrame) -> Callable[[], bytes]:
    def make() -> bytes:
        buffer = io.BytesIO()
        frame.write_parquet(buffer)
        return buffer.getvalue()

    return make


_SHEET_HEAD = (
    b'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/'
    b'spreadsheetml/2006/main"><sheetData>'
)


def _lying_xlsx() -> bytes:
    """A workbook whose zip headers claim its sheet is 1 KB; it unpacks to 64 MB."""
    sheet = _SHEET_HEAD + b" " * (64 << 20) + b"</sheetData></worksheet>"
    data = bytearray(
        zip_of(
            {
                "[Content_Types].xml": b"<Types/>",
                "xl/workbook.xml": b"<w/>",
                "xl/worksheets/sheet1.xml": sheet,
            }
        )
    )
    claimed = (1024).to_bytes(4, "little")
    real = len(sheet).to_bytes(4, "little")
    # uncompressed size: offset 22 in a local header, 24 in a central directory entry
    for signature, offset in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
        at = data.find(signature)
        while at >= 0:
            if data[at + offset : at + offset + 4] == real:
                data[at + offset : at + offset + 4] = claimed
            at = data.find(signature, at + 4)
    return bytes(data)


def _real_xlsx(rows: list[list[object]]) -> Callable[[], bytes]:
    def make() -> bytes:
        import xlsxwriter

        buffer = io.BytesIO()
        workbook = xlsxwriter.Workbook(buffer, {"in_memory": True})
        sheet = workbook.add_worksheet("data")
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                if value is not None:
                    sheet.write(r, c, value)
        workbook.close()
        return buffer.getvalue()

    return make


def _jsonl(rows: list[dict[str, object]]) -> str:
    return "".join(json.dumps(row) + "\n" for row in rows)


def _wikiticker(n: int = 40) -> str:
    """Druid's tutorial sample in shape: flat JSON Lines, an ISO `time`, nullable fields."""
    return _jsonl(
        [
            {
                "time": f"2015-09-12T{i % 24:02d}:{i % 60:02d}:00.000Z",
                "channel": f"#{('en', 'fr', 'de')[i % 3]}.wikipedia",
                "page": f"Page {i}",
                "isRobot": i % 4 == 0,
                "added": i * 3,
                "delta": i - 20,
                "cityName": None if i % 5 else "Paris",
            }
            for i in range(n)
        ]
    )


_LATIN = "café,Zürich,Ångström,naïve"
_MB_OF_UTF8 = _csv([["name", "n"], *([f"ü{i}", i] for i in range(90_000))])
_TIMES = ["2024-01-02T03:04:05Z", "2024-01-03T03:04:05Z", "2024-01-04T03:04:05Z"]


_DECIMAL_38_0 = _parquet(
    pl.DataFrame(
        {"d": [Decimal("12345678901234567890123456789012345678")]},
        schema={"d": pl.Decimal(38, 0)},
    )
)


def _times(values: list[str], name: str = "ts") -> str:
    return _csv([[name, "n"], *([v, i] for i, v in enumerate(values))])


CASES: tuple[Case, ...] = (
    # --- encodings ----------------------------------------------------------------------
    Case("utf8.csv", _utf8(_csv(_table())), Outcome(rows=3, types={"n": "LONG"}, direct=True)),
    Case(
        "utf8_bom.csv",
        lambda: b"\xef\xbb\xbf" + _csv(_table()).encode(),
        Outcome(rows=3, direct=True),
    ),
    Case("utf16le_bom.csv", lambda: _csv(_table()).encode("utf-16"), Outcome(rows=3, direct=False)),
    Case(
        "utf16be_bom.csv", lambda: b"\xfe\xff" + _csv(_table()).encode("utf-16-be"), Outcome(rows=3)
    ),
    Case(
        "utf16_no_bom.csv",
        lambda: _csv(_table(50)).encode("utf-16-le"),
        rejected("UNDECODABLE_TEXT"),
    ),
    Case(
        "latin1.csv",
        lambda: _csv([["name"], *([w] for w in _LATIN.split(","))]).encode("latin-1"),
        Outcome(rows=4, warning="Windows-1252", direct=False),
    ),
    Case(
        "cp1252_quotes.csv",
        lambda: "q,n\n\u201chi\u201d,1\n\u2013,2\n".encode("cp1252"),
        Outcome(rows=2, warning="Windows-1252"),
    ),
    Case(
        "utf8_then_latin1.csv",
        lambda: _MB_OF_UTF8.encode() + "é,1\n".encode("latin-1"),
        Outcome(rows=90_001, warning="Windows-1252"),
    ),
    Case(
        "utf8_bom_then_broken.csv",
        lambda: b"\xef\xbb\xbf" + _MB_OF_UTF8.encode() + b"\xff\xfe,1\n",
        rejected("UNDECODABLE_TEXT"),
    ),
    Case("nul_bytes.csv", lambda: b"a,b\n1,\x002\n" * 20, rejected("UNSUPPORTED_FORMAT")),
    # --- line endings -------------------------------------------------------------------
    Case("crlf.csv", _utf8(_csv(_table(), nl="\r\n")), Outcome(rows=3, direct=True)),
    Case("lone_cr.csv", _utf8(_csv(_table(), nl="\r")), Outcome(rows=3, quarantined=0)),
    Case("lone_cr_no_final.csv", _utf8(_csv(_table(), nl="\r").rstrip("\r")), Outcome(rows=3)),
    Case("mixed_endings.csv", _utf8("city,n\r\na,1\nb,2\r\nc,3\n"), Outcome(rows=3)),
    Case("no_final_newline.csv", _utf8("city,n\na,1\nb,2"), Outcome(rows=2, direct=True)),
    Case("blank_lines.csv", _utf8("city,n\na,1\n\nb,2\n\n"), Outcome(rows=2, quarantined=2)),
    # --- quoting ------------------------------------------------------------------------
    Case(
        "quoted_lf.csv",
        _utf8('id,note\n1,"two\nlines"\n2,plain\n'),
        Outcome(rows=1, quarantined=1, direct=False, reason="line break"),
    ),
    Case(
        "quoted_crlf.csv",
        _utf8('id,note\r\n1,"two\r\nlines"\r\n2,plain\r\n'),
        Outcome(rows=1, quarantined=1, reason="line break"),
    ),
    Case(
        "quoted_lone_cr.csv",
        _utf8('id,note\n1,"two\rlines"\n2,plain\n'),
        Outcome(rows=1, quarantined=1, reason="line break"),
    ),
    Case("quoted_delimiter.csv", _utf8('id,note\n1,"a, b"\n2,c\n'), Outcome(rows=2, direct=True)),
    Case(
        "escaped_quotes.csv", _utf8('id,note\n1,"5"" screen"\n2,c\n'), Outcome(rows=2, direct=True)
    ),
    Case(
        "stray_quote.csv",
        _utf8('id,note\n1,27" monitor\n2,c\n'),
        Outcome(rows=2, types={"note": "STRING"}),
    ),
    Case(
        "unclosed_quote.csv",
        _utf8('id,note\n1,"never closed\n2,c\n3,d\n'),
        Outcome(rows=2, quarantined=1, reason="never closed"),
    ),
    Case("quoted_empty.csv", _utf8('id,note\n1,""\n2,x\n'), Outcome(rows=2, direct=False)),
    Case(
        "all_quoted.csv",
        _utf8('"id","n"\n"1","2"\n"3","4"\n'),
        Outcome(rows=2, types={"n": "LONG"}),
    ),
    # --- headers ------------------------------------------------------------------------
    Case("duplicate_header.csv", _utf8("a,b,a\n1,2,3\n"), rejected("DUPLICATE_COLUMN_NAME")),
    Case(
        "blank_header.csv",
        _utf8("a,,c\n1,2,3\n"),
        Outcome(rows=1, types={"column_2": "LONG"}, warning="named 'column_2'"),
    ),
    Case(
        "trailing_delimiter.csv", _utf8("a,b,\n1,x,\n2,y,\n"), Outcome(rows=2, warning="left out")
    ),
    Case(
        "pandas_index.csv",
        _utf8(",city,n\n0,a,1\n1,b,2\n"),
        Outcome(rows=2, types={"column_1": "LONG"}),
    ),
    Case(
        "name_too_long.csv", _utf8("a," + "x" * 300 + "\n1,2\n"), rejected("COLUMN_NAME_TOO_LONG")
    ),
    Case(
        "delimiter_in_header.csv", _utf8('"a,b",c\n1,2\n'), Outcome(rows=1, types={"a,b": "LONG"})
    ),
    Case("newline_in_header.csv", _utf8('"a\nb",c\n1,2\n'), Outcome(rows=1)),
    Case("header_only.csv", _utf8("a,b,c\n"), rejected("HEADER_ONLY")),
    Case("bom_only.csv", lambda: b"\xef\xbb\xbf", rejected("EMPTY_FILE")),
    Case("empty.csv", lambda: b"", rejected("EMPTY_FILE")),
    Case("blank_space.csv", lambda: b" \n\t\r\n", rejected("EMPTY_FILE")),
    Case(
        "wide_10k_columns.csv",
        _utf8(
            ",".join(f"c{i}" for i in range(10_000))
            + "\n"
            + ",".join("1" for _ in range(10_000))
            + "\n"
        ),
        rejected("TOO_MANY_COLUMNS"),
    ),
    Case(
        "wide_300_columns.csv",
        _utf8(
            ",".join(f"c{i}" for i in range(300))
            + "\n"
            + (",".join(str(i) for i in range(300)) + "\n") * 3
        ),
        Outcome(rows=3, types={"c299": "LONG"}),
    ),
    # Druid reads other delimiters with its `tsv` format, which knows no quotes: a file
    # without any quote is read as uploaded, one with quotes is staged.
    Case("semicolons.csv", _utf8(_csv(_table(), sep=";")), Outcome(rows=3, direct=True)),
    Case("tabs.tsv", _utf8(_csv(_table(), sep="\t")), Outcome(rows=3, direct=True)),
    Case("pipes.csv", _utf8(_csv(_table(), sep="|")), Outcome(rows=3, direct=True)),
    Case(
        "semicolons_quoted.csv",
        _utf8('city;n\n"Paris; FR";1\n"Lyon ""2""";2\n'),
        Outcome(rows=2, direct=False),
    ),
    Case("ragged_rows.csv", _utf8("a,b\n1,2\n3\n4,5,6\n7,8\n"), Outcome(rows=2, quarantined=2)),
    # --- numbers at their limits ----------------------------------------------------------
    Case(
        "zip_codes.csv",
        _utf8("zip,n\n00501,1\n10001,2\n"),
        Outcome(rows=2, types={"zip": "STRING"}, warning="leading zeros"),
    ),
    Case("ids_007.csv", _utf8("id\n007\n008\n"), Outcome(rows=2, types={"id": "STRING"})),
    Case(
        "int64_max.csv",
        _utf8("n\n9223372036854775807\n-9223372036854775808\n"),
        Outcome(rows=2, types={"n": "LONG"}),
    ),
    Case(
        "beyond_int64.csv",
        _utf8("n\n9223372036854775808\n1\n"),
        Outcome(rows=2, types={"n": "STRING"}, warning="64-bit"),
    ),
    Case(
        "beyond_2_53_among_doubles.csv",
        _utf8("n\n9007199254740993\n1.5\n"),
        Outcome(rows=2, types={"n": "STRING"}, warning="exactly"),
    ),
    Case(
        "long_decimals.csv",
        _utf8("x\n0.1234567890123456789\n0.5\n"),
        Outcome(rows=2, types={"x": "STRING"}),
    ),
    Case(
        "fifteen_digits.csv",
        _utf8("x\n0.123456789012345\n0.5\n"),
        Outcome(rows=2, types={"x": "DOUBLE"}),
    ),
    Case("padded_numbers.csv", _utf8('n\n" 5"\n6\n'), Outcome(rows=2, types={"n": "STRING"})),
    Case("exponents.csv", _utf8("x\n1e3\n-2.5E-4\n.5\n"), Outcome(rows=3, types={"x": "DOUBLE"})),
    Case("infinity.csv", _utf8("x\ninf\n1.5\n"), Outcome(rows=2, types={"x": "STRING"})),
    Case(
        "overflowing_double.csv", _utf8("x\n1e400\n1.5\n"), Outcome(rows=2, types={"x": "STRING"})
    ),
    Case(
        "null_tokens.csv",
        _utf8("n,flag\n1,true\nNA,-\nN/A,NULL\n-,false\nNULL,N/A\n"),
        Outcome(rows=5, types={"n": "LONG", "flag": "BOOLEAN"}, direct=False),
    ),
    Case(
        "nan_among_doubles.csv", _utf8("x\n1.5\nNaN\n2.5\n"), Outcome(rows=3, types={"x": "DOUBLE"})
    ),
    Case(
        "booleans.csv",
        _utf8("b\ntrue\nfalse\n\n"),
        Outcome(rows=2, quarantined=1, types={"b": "BOOLEAN"}),
    ),
    Case("capital_booleans.csv", _utf8("b\nTrue\nFALSE\n"), Outcome(rows=2, types={"b": "STRING"})),
    # --- types chosen by the person (IngestOptions.column_types) ----------------------------
    Case(
        "zip_codes_as_long.csv",
        _utf8("zip,n\n00501,1\n10001,2\n"),
        Outcome(rows=2, types={"zip": "LONG"}, warning="converted at your request", direct=True),
        typed(zip="LONG"),
    ),
    Case(
        "beyond_int64_as_double.csv",
        _utf8("n\n9223372036854775808\n1\nNA\n"),
        Outcome(rows=3, types={"n": "DOUBLE"}, warning="converted at your request"),
        typed(n="DOUBLE"),
    ),
    Case(
        "long_decimals_as_double.csv",
        _utf8("x\n0.1234567890123456789\n0.5\n"),
        Outcome(rows=2, types={"x": "DOUBLE"}, warning="floating-point"),
        typed(x="DOUBLE"),
    ),
    Case(
        "ids_as_string.csv",
        _utf8("id,n\n10,1\n11,2\n"),
        Outcome(rows=2, types={"id": "STRING", "n": "LONG"}),
        typed(id="STRING"),
    ),
    Case(
        "decimal_38_0_as_double.parquet",
        _DECIMAL_38_0,
        Outcome(rows=1, types={"d": "DOUBLE"}, warning="converted at your request"),
        typed(d="DOUBLE"),
    ),
    Case(
        "beyond_int64_as_long.csv",
        _utf8("n\n9223372036854775808\n1\n"),
        rejected("COLUMN_TYPE_IMPOSSIBLE"),
        typed(n="LONG"),
    ),
    Case(
        "words_as_double.csv",
        _utf8("n\n1.5\nmany\n"),
        rejected("COLUMN_TYPE_IMPOSSIBLE"),
        typed(n="DOUBLE"),
    ),
    Case(
        "unknown_typed_column.csv", _utf8("a\n1\n"), rejected("COLUMN_NOT_FOUND"), typed(b="LONG")
    ),
    # --- times at their limits -------------------------------------------------------------
    Case("iso_z.csv", _utf8(_times(_TIMES)), Outcome(rows=3, time="ts", direct=True)),
    Case(
        "iso_offset_space.csv",
        _utf8(_times(["2024-01-02T03:04:05 +01:00", "2024-01-03T03:04:05 +01:00"])),
        Outcome(rows=2, time="ts", direct=False),
    ),
    Case(
        "leap_second.csv",
        _utf8(_times(["2016-12-31T23:59:59Z", "2016-12-31T23:59:60Z", *_TIMES])),
        Outcome(rows=4, quarantined=1, time="ts", reason="leap second"),
    ),
    Case(
        "before_1970.csv",
        _utf8(_times(["1969-07-20", "1955-11-05", "1900-01-01"])),
        Outcome(rows=3, time="ts"),
    ),
    Case("year_9999.csv", _utf8(_times(["9999-12-31", "2024-01-01"])), Outcome(rows=2, time="ts")),
    Case("year_0001.csv", _utf8(_times(["0001-01-01", "2024-01-01"])), Outcome(rows=2, time="ts")),
    Case(
        "epoch_ms.csv",
        _utf8(_times(["1704164645000", "1704251045000"], "created")),
        Outcome(rows=2, time="created", direct=True),
    ),
    Case(
        "mixed_date_formats.csv",
        _utf8(
            _times([*["2024-01-02", "2024/03/04", "31.01.2024"] * 4, "2024-02-03", "soon"], "date")
        ),
        Outcome(rows=13, quarantined=1, time="date", reason="expected one of", direct=False),
    ),
    Case(
        "mixed_day_and_month_first.csv",
        _utf8(_times(["01/02/2024", "12/25/2024", "2024-01-05"] * 4 + ["31/01/2024"], "date")),
        Outcome(rows=12, quarantined=1, time="date"),
    ),
    Case(
        "day_first.csv",
        _utf8(_times(["31/01/2024", "15/02/2024"], "date")),
        Outcome(rows=2, time="date"),
    ),
    Case(
        "time_tokens.csv",
        _utf8(_times([*_TIMES, "NA"])),
        Outcome(rows=3, quarantined=1, time="ts", reason="is empty (NA)"),
    ),
    # --- Parquet --------------------------------------------------------------------------
    Case(
        "nested.parquet",
        _parquet(pl.DataFrame({"s": [{"a": 1, "b": "x"}], "l": [[1, 2]]})),
        Outcome(rows=1, types={"s": "STRING", "l": "STRING"}),
    ),
    Case(
        "decimal_38_0.parquet",
        _DECIMAL_38_0,
        Outcome(rows=1, types={"d": "STRING"}, warning="decimals"),
    ),
    Case(
        "decimal_10_2.parquet",
        _parquet(pl.DataFrame({"d": [Decimal("12.34")]}, schema={"d": pl.Decimal(10, 2)})),
        Outcome(rows=1, types={"d": "DOUBLE"}),
    ),
    Case(
        "decimal_18_0.parquet",
        _parquet(
            pl.DataFrame({"d": [Decimal("123456789012345678")]}, schema={"d": pl.Decimal(18, 0)})
        ),
        Outcome(rows=1, types={"d": "LONG"}),
    ),
    Case(
        "uint64_beyond_int64.parquet",
        _parquet(pl.DataFrame({"u": [1, 2**64 - 1]}, schema={"u": pl.UInt64})),
        Outcome(rows=2, types={"u": "STRING"}, warning="beyond the range of a 64-bit"),
    ),
    Case(
        "uint64_small.parquet",
        _parquet(pl.DataFrame({"u": [1, 2]}, schema={"u": pl.UInt64})),
        Outcome(rows=2, types={"u": "LONG"}),
    ),
    Case(
        "datetime_tz.parquet",
        _parquet(pl.DataFrame({"ts": [datetime(2024, 1, 2, tzinfo=UTC)], "n": [1]})),
        Outcome(rows=1, time="ts"),
    ),
    Case("truncated.parquet", lambda: b"PAR1" + b"\x00" * 100, rejected("UNSUPPORTED_FORMAT")),
    # --- Excel ----------------------------------------------------------------------------
    Case(
        "sheet.xlsx",
        _real_xlsx([["city", "n"], ["a", 1], ["b", 2]]),
        Outcome(rows=2, types={"n": "LONG"}),
    ),
    Case(
        "mixed_cells.xlsx",
        _real_xlsx([["v"], [1], ["pending"]]),
        Outcome(rows=2, types={"v": "STRING"}),
    ),
    Case("lying_sizes.xlsx", _lying_xlsx, rejected("XLSX_TOO_LARGE")),
    Case("not_a_workbook.xlsx", lambda: zip_of({"readme.txt": b"hi"}), rejected("XLSX_INVALID")),
    Case("garbage.xlsx", lambda: b"PK\x03\x04" + b"garbage" * 50, rejected("XLSX_INVALID")),
    Case(
        "zip_named_csv.csv",
        lambda: zip_of({"data.csv": b"a,b\n1,2\n"}),
        Outcome(rows=1, direct=False, warning="zip-compressed"),
    ),
    # --- disguised formats ----------------------------------------------------------------
    Case(
        "html_error.csv",
        _utf8("<!DOCTYPE html>\n<html><body><h1>502 Bad Gateway</h1></body></html>\n"),
        rejected("UNSUPPORTED_FORMAT"),
    ),
    Case(
        "s3_error.csv",
        _utf8('<?xml version="1.0"?>\n<Error><Code>AccessDenied</Code></Error>\n'),
        rejected("UNSUPPORTED_FORMAT"),
    ),
    Case(
        "api_error.csv",
        _utf8('{"error": "rate limited", "retry_after": 30}\n'),
        rejected("UNSUPPORTED_FORMAT"),
    ),
    Case("json_rows.csv", _utf8('[{"a": 1}, {"a": 2}]\n'), Outcome(rows=2, types={"a": "LONG"})),
    Case(
        "pdf.csv", lambda: b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n", rejected("UNSUPPORTED_FORMAT")
    ),
    Case(
        "gzip.csv",
        lambda: gzip.compress(_csv(_table()).encode()),
        Outcome(rows=3, direct=False, warning="gzip-compressed"),
    ),
    Case("png.csv", lambda: b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, rejected("UNSUPPORTED_FORMAT")),
    # --- JSON ---------------------------------------------------------------------------
    Case(
        "wikiticker.json.gz",
        lambda: gzip.compress(_wikiticker().encode()),
        Outcome(rows=40, time="time", types={"added": "LONG", "isRobot": "BOOLEAN"}),
    ),
    Case(
        "nested.jsonl",
        _utf8(_jsonl([{"user": {"id": 7, "geo": {"lat": 1.5}}, "tags": [1, 2]}] * 2)),
        Outcome(rows=2, types={"user.id": "LONG", "user.geo.lat": "DOUBLE", "tags": "STRING"}),
    ),
    Case(
        "bad_line.jsonl",
        _utf8('{"a": 1}\n{"a": \n{"a": 3}\n'),
        Outcome(rows=2, quarantined=1, reason="line 2 is not valid JSON"),
    ),
    Case(
        "big_numbers.jsonl",
        _utf8('{"n": 12345678901234567890, "x": 0.1234567890123456789}\n{"n": 1, "x": 1}\n'),
        Outcome(rows=2, types={"n": "STRING", "x": "STRING"}, warning="64-bit"),
    ),
    Case("array.json", _utf8('[{"a": 1, "b": "x"},\n {"a": 2}]'), Outcome(rows=2)),
    Case("single_object.json", _utf8('{"a": 1, "b": 2}\n'), rejected("UNSUPPORTED_FORMAT")),
    Case("pretty_object.json", _utf8('{\n  "a": 1\n}\n'), rejected("UNSUPPORTED_FORMAT")),
    Case("broken_array.json", _utf8('[{"a": 1}, {"a": 2'), rejected("INVALID_JSON")),
    Case("array_of_arrays.json", _utf8("[[1, 2], [3, 4]]"), rejected("NO_VALID_ROWS")),
    Case(
        "time_nulls.jsonl",
        _utf8(_jsonl([{"ts": t, "n": i} for i, t in enumerate([*_TIMES, None])])),
        Outcome(rows=3, quarantined=1, time="ts", reason="is empty"),
    ),
    # --- compressed -----------------------------------------------------------------------
    Case("table.csv.bz2", lambda: bz2.compress(_csv(_table()).encode()), Outcome(rows=3)),
    Case("table.csv.xz", lambda: lzma.compress(_csv(_table()).encode()), Outcome(rows=3)),
    Case(
        "table.csv.zst",
        lambda: zstandard.ZstdCompressor().compress(_csv(_table()).encode()),
        Outcome(rows=3, warning="zstd-compressed"),
    ),
    Case(
        "sheet.xlsx.gz",
        lambda: gzip.compress(_real_xlsx([["city", "n"], ["a", 1]])()),
        Outcome(rows=1, types={"n": "LONG"}),
    ),
    Case(
        "parquet.zip",
        lambda: zip_of({"t.parquet": _parquet(pl.DataFrame({"n": [1, 2]}))()}),
        Outcome(rows=2, types={"n": "LONG"}),
    ),
    Case(
        "two_tables.zip",
        lambda: zip_of({"a.csv": b"a\n1\n", "b.csv": b"b\n2\n"}),
        rejected("ARCHIVE_HAS_SEVERAL_TABLES"),
    ),
    Case(
        "gzip_bomb.csv.gz",
        lambda: gzip.compress(b"a\n" + b"0" * (80 << 20)),
        rejected("DECOMPRESSION_LIMIT"),
    ),
    Case(
        "cut_short.csv.gz",
        lambda: gzip.compress(_MB_OF_UTF8.encode())[:5000],
        rejected("UNSUPPORTED_FORMAT"),
    ),
    Case(
        "twice.csv.gz.gz",
        lambda: gzip.compress(gzip.compress(_csv(_table()).encode())),
        rejected("UNSUPPORTED_FORMAT"),
    ),
    # --- huge for their kind --------------------------------------------------------------
    Case(
        "huge_field.csv",
        _utf8("id,blob\n1," + "x" * (2 << 20) + "\n2,y\n"),
        Outcome(rows=2, types={"blob": "STRING"}),
    ),
    Case("long_unquoted_line.csv", _utf8("a,b\n" + "1," + "é" * 300_000 + "\n"), Outcome(rows=1)),
)


def main(out_dir: Path) -> None:
    out_dir.mkdir(parents=True, exist_ok=True)
    for case in CASES:
        (out_dir / case.name).write_bytes(case.make())
    print(f"{len(CASES)} files in {out_dir}")


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "hostile-files"))
