"""Excel workbooks: guard against zip bombs, pick the sheet, read it into memory.

calamine (via fastexcel) cannot stream a sheet, so a workbook is read whole. The guard is the
size the zip entries unpack to: first as their headers declare it, then as they really do
(headers can lie: a 1.3 MB file once claimed little and expanded to 1.26 billion characters),
decompressed once in bounded memory and stopped past the limit. A workbook whose parts add up
to more than `Limits.max_xlsx_uncompressed_bytes` is refused, one whose headers lie as well.
"""

from __future__ import annotations

import re
import struct
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import fastexcel
import polars as pl

from core.errors import clean_foreign_text
from core.profiling.errors import InputRejected, RejectCode
from core.profiling.header import check_header
from core.profiling.result import Limits

_EXCEL_SUFFIXES = {".xlsx", ".xlsm", ".xls"}
_EXACT_INTEGERS = 2**53  # beyond this a float no longer holds every integer exactly
_LOCAL_HEADER = 30  # bytes of a zip local file header before its name and extra field
_READ_BYTES = 1 << 20
# fastexcel's message naming a mixed column: a shortcut, tested against the real error.
_MIXED_COLUMN = re.compile(r"could not determine dtype for column (.+)$", re.MULTILINE)


@dataclass(frozen=True)
class Sheet:
    """One worksheet, read whole, with validated column names."""

    name: str
    frame: pl.DataFrame
    unnamed: tuple[str, ...] = ()  # names given to blank header cells


def read_sheet(path: Path, *, sheet: str | None, limits: Limits) -> Sheet:
    """Check the zip, then read `sheet` (default: the first) with every row typed."""
    _check_zip(path, limits=limits)
    try:
        reader = fastexcel.read_excel(path)
    except Exception as exc:  # fastexcel raises several unrelated types for a broken file
        raise _invalid(
            f"it could not be opened as a workbook ({clean_foreign_text(str(exc))})"
        ) from exc
    names = list(reader.sheet_names)
    if not names:
        raise _invalid("it has no worksheets")
    if sheet is not None and sheet not in names:
        listed = ", ".join(f"'{n}'" for n in names[:20])
        raise InputRejected(
            RejectCode.SHEET_NOT_FOUND,
            f"The workbook has no sheet called '{sheet}'. Its sheets are {listed}. "
            "Pick one of them and upload again.",
        )
    chosen = sheet if sheet is not None else names[0]
    header = _header_row(reader, chosen)
    checked = check_header(header, limits=limits)
    data = _load(reader, chosen, header)
    data.columns = list(checked.names)
    return Sheet(chosen, _integers_as_integers(data), checked.unnamed)


def _load(reader: fastexcel.ExcelReader, sheet: str, header: list[str]) -> pl.DataFrame:
    """Every row, typed from all cells; a column mixing kinds of cells is read as text.

    fastexcel's default coercion would turn the odd text cell of a mostly-numeric column
    into a null, or a boolean cell among numbers into 1.0 (silent data loss), so coercion is
    strict and each column it refuses (`UnsupportedColumnTypeCombinationError`) is read as
    text. The error's message names one such column, a shortcut only: when it names none
    (a fastexcel upgrade may word it otherwise), each column is tried on its own.
    """
    as_text: dict[str | int, fastexcel.DType] = {}
    for _ in range(len(header) + 1):
        try:
            return _load_strict(reader, sheet, dtypes=as_text)
        except fastexcel.UnsupportedColumnTypeCombinationError as exc:
            named = _MIXED_COLUMN.search(str(exc))
            index = header.index(named.group(1)) if named and named.group(1) in header else None
            if index is not None and index not in as_text:
                as_text[index] = "string"
                continue
            found = [i for i in _mixed_columns(reader, sheet, header) if i not in as_text]
            if not found:
                break
            as_text.update(dict.fromkeys(found, "string"))
    return reader.load_sheet(  # (not expected: every cell as text rather than any lost)
        sheet, header_row=0, skip_whitespace_tail_rows=True, dtypes="string"
    ).to_polars()


def _load_strict(
    reader: fastexcel.ExcelReader,
    sheet: str,
    *,
    dtypes: dict[str | int, fastexcel.DType],
    columns: list[int] | None = None,
) -> pl.DataFrame:
    return reader.load_sheet(
        sheet,
        header_row=0,
        schema_sample_rows=None,
        dtype_coercion="strict",
        skip_whitespace_tail_rows=True,
        dtypes=dtypes or None,
        use_columns=columns,
    ).to_polars()


def _mixed_columns(reader: fastexcel.ExcelReader, sheet: str, header: list[str]) -> list[int]:
    """The columns strict coercion refuses, each loaded on its own (one read per column)."""
    mixed = []
    for index in range(len(header)):
        try:
            _load_strict(reader, sheet, dtypes={}, columns=[index])
        except fastexcel.UnsupportedColumnTypeCombinationError:
            mixed.append(index)
    return mixed


def _check_zip(path: Path, *, limits: Limits) -> None:
    excel_name = path.suffix.lower() in _EXCEL_SUFFIXES
    try:
        with zipfile.ZipFile(path) as archive:
            entries = archive.infolist()
    except (zipfile.BadZipFile, OSError) as exc:
        if not excel_name:
            raise _disguised("a damaged ZIP archive") from exc
        raise _invalid("it is not a valid ZIP archive (an .xlsx file is one)") from exc
    if not any(e.filename == "xl/workbook.xml" for e in entries):
        if not excel_name:
            raise _disguised("a ZIP archive")
        raise _invalid("the archive has no xl/workbook.xml, so it is not an Excel workbook")
    limit = limits.max_xlsx_uncompressed_bytes
    declared = sum(e.file_size for e in entries)
    if declared > limit:
        raise _too_large(declared, limit)
    # Headers can lie: count what the entries really unpack to, stopping past the limit.
    with path.open("rb") as f:
        for entry in entries:
            budget = limit - declared + entry.file_size
            unpacked = _unpacked_size(f, entry, budget=budget)
            if unpacked > budget:
                raise _too_large(declared - entry.file_size + unpacked, limit)
            if unpacked != entry.file_size:
                raise _invalid(f"the zip header of its part {entry.filename} gives a wrong size")


def _unpacked_size(f: BinaryIO, entry: zipfile.ZipInfo, *, budget: int) -> int:
    """What `entry` really unpacks to, decompressed in bounded memory; past `budget`
    (its share of the limit) the count stops, at a size above it."""
    f.seek(entry.header_offset)
    header = f.read(_LOCAL_HEADER)
    if len(header) < _LOCAL_HEADER or not header.startswith(b"PK\x03\x04"):
        raise _invalid(f"the zip entry of {entry.filename} is damaged")
    name_length, extra_length = struct.unpack("<HH", header[26:30])
    f.seek(entry.header_offset + _LOCAL_HEADER + name_length + extra_length)
    if entry.compress_type == zipfile.ZIP_STORED:
        return entry.compress_size  # stored as is: no bigger than the file
    if entry.compress_type != zipfile.ZIP_DEFLATED:
        raise _invalid(f"its part {entry.filename} is compressed in a way Excel does not use")
    inflate, size = zlib.decompressobj(-zlib.MAX_WBITS), 0
    while not inflate.eof and size <= budget:
        data = inflate.unconsumed_tail or f.read(_READ_BYTES)
        if not data:
            raise _invalid(f"its part {entry.filename} ends early")
        try:
            size += len(inflate.decompress(data, _READ_BYTES))
        except zlib.error as exc:
            raise _invalid(f"its part {entry.filename} cannot be decompressed") from exc
    return size


def _too_large(size: int, limit: int) -> InputRejected:
    return InputRejected(
        RejectCode.XLSX_TOO_LARGE,
        f"The workbook unpacks to more than {limit / 1024**2:,.0f} MB "
        f"({size / 1024**2:,.0f} MB or more), the most Sluice reads from an Excel file. Save "
        "the sheet as CSV (which is streamed, without this limit) and upload that.",
    )


def _header_row(reader: fastexcel.ExcelReader, sheet: str) -> list[str]:
    first = reader.load_sheet(sheet, header_row=None, n_rows=1).to_polars()
    if first.height == 0:
        raise InputRejected(
            RejectCode.EMPTY_FILE,
            f"The sheet '{sheet}' is empty. Put the column names in the first row and the data "
            "below them, or pick another sheet, and upload again.",
        )
    return [_cell_text(value) for value in first.row(0)]


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # a header cell typed as the number 2024 means "2024"
    return str(value)


def _integers_as_integers(frame: pl.DataFrame) -> pl.DataFrame:
    """Excel stores every number as a float: columns holding only whole numbers become Int64."""
    casts = []
    for name, dtype in frame.schema.items():
        if not dtype.is_float():
            continue
        values = frame.get_column(name).drop_nulls()
        if values.is_empty() or not values.is_finite().all():
            continue
        whole = (values == values.round()).all() and values.abs().max() < _EXACT_INTEGERS  # type: ignore[operator]
        if whole:
            casts.append(pl.col(name).cast(pl.Int64))
    return frame.with_columns(casts) if casts else frame


def _invalid(why: str) -> InputRejected:
    return InputRejected(
        RejectCode.XLSX_INVALID,
        f"The file cannot be read as an Excel workbook: {why}. Open it in Excel (or another "
        "spreadsheet program), save it as .xlsx or CSV, and upload it again.",
    )


def _disguised(what: str) -> InputRejected:
    return InputRejected(
        RejectCode.UNSUPPORTED_FORMAT,
        f"The file's content is {what}, not a table, whatever its name says. "
        "Upload a CSV, TSV, XLSX or Parquet file.",
    )
