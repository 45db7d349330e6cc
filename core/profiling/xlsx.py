"""Excel workbooks: guard against zip bombs, pick the sheet, read it into memory.

calamine (via fastexcel) cannot stream a sheet, so a workbook is read whole. The guard is the
declared uncompressed size of the zip entries, checked before anything is decompressed: a
workbook whose parts add up to more than `Limits.max_xlsx_uncompressed_bytes` is refused.
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

import fastexcel
import polars as pl

from core.errors import clean_foreign_text
from core.profiling.errors import InputRejected, RejectCode
from core.profiling.header import check_header
from core.profiling.result import Limits

_EXCEL_SUFFIXES = {".xlsx", ".xlsm", ".xls"}
_EXACT_INTEGERS = 2**53  # beyond this a float no longer holds every integer exactly
_MIXED_COLUMN = re.compile(r"could not determine dtype for column (.+)$", re.MULTILINE)


@dataclass(frozen=True)
class Sheet:
    """One worksheet, read whole, with validated column names."""

    name: str
    frame: pl.DataFrame


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
    columns = check_header(header, limits=limits)
    data = _load(reader, chosen, header)
    data.columns = list(columns)
    return Sheet(chosen, _integers_as_integers(data))


def _load(reader: fastexcel.ExcelReader, sheet: str, header: list[str]) -> pl.DataFrame:
    """Every row, typed from all cells; a column mixing kinds of cells is read as text.

    fastexcel's default coercion would turn the odd text cell of a mostly-numeric column
    into a null (silent data loss), so coercion is strict and each column it refuses is
    retried as text.
    """
    as_text: dict[str | int, fastexcel.DType] = {}
    for _ in range(len(header) + 1):
        try:
            loaded = reader.load_sheet(
                sheet,
                header_row=0,
                schema_sample_rows=None,
                dtype_coercion="strict",
                skip_whitespace_tail_rows=True,
                dtypes=as_text or None,
            )
            return loaded.to_polars()
        except fastexcel.UnsupportedColumnTypeCombinationError as exc:
            mixed = _MIXED_COLUMN.search(str(exc))
            if mixed is None or mixed.group(1) not in header:
                break
            as_text[header.index(mixed.group(1))] = "string"
    return reader.load_sheet(
        sheet, header_row=0, skip_whitespace_tail_rows=True, dtypes="string"
    ).to_polars()


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
    declared = sum(e.file_size for e in entries)
    if declared > limits.max_xlsx_uncompressed_bytes:
        raise InputRejected(
            RejectCode.XLSX_TOO_LARGE,
            f"The workbook unpacks to {declared / 1024**2:,.0f} MB, more than the "
            f"{limits.max_xlsx_uncompressed_bytes / 1024**2:,.0f} MB Sluice reads from an Excel "
            "file. Save the sheet as CSV (which is streamed, without this limit) and upload that.",
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
