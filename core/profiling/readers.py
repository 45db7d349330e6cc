"""Open an upload as a Polars LazyFrame with validated column names, whatever its format."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import polars as pl

from core.errors import clean_foreign_text
from core.profiling.detect import read_layout
from core.profiling.errors import InputRejected, RejectCode
from core.profiling.header import check_header
from core.profiling.result import Limits
from core.profiling.xlsx import read_sheet

# Extra string columns past the header catch rows with too many fields: with
# truncate_ragged_lines Polars would silently drop those fields, so they must land somewhere.
EXTRA_FIELDS = 3
EXTRA_PREFIX = "__sluice_extra_"


@dataclass(frozen=True)
class Source:
    """A readable upload. `scan()` yields its columns (and, for CSV, the extra-field columns)."""

    format: Literal["csv", "xlsx", "parquet"]
    path: Path
    columns: tuple[str, ...]
    schema: pl.Schema  # dtypes of `columns` as read: all String for CSV
    encoding: str | None = None
    delimiter: str | None = None
    header_lines: int = 1  # CSV: physical lines before the first data row
    sheet: str | None = None
    frame: pl.DataFrame | None = field(default=None, repr=False)  # XLSX: the sheet in memory
    unnamed: tuple[str, ...] = ()  # names given to blank header cells (header.py)
    rewritten: bool = False  # CSV: `path` is a copy Sluice made (transcoded or repaired)
    dropped: tuple[str, ...] = ()  # Sluice's own `_sluice_*` columns left out (bookkeeping.py)
    _renames: tuple[tuple[str, str], ...] = ()  # Parquet: stored name -> clean name

    @property
    def extra_columns(self) -> tuple[str, ...]:
        if self.format != "csv":
            return ()
        return tuple(f"{EXTRA_PREFIX}{i}" for i in range(1, EXTRA_FIELDS + 1))

    def scan(
        self,
        *,
        n_rows: int | None = None,
        strict: bool = False,
    ) -> pl.LazyFrame:
        """A lazy scan of the data rows (header excluded).

        CSV columns are read as text (values.py says what a text means).
        `strict` reads no extra-field columns: Polars raises on a row with too many fields.
        """
        if self.format == "csv":
            return self.read_csv(self.path, n_rows=n_rows, strict=strict)
        if self.format == "parquet":
            frame = pl.scan_parquet(self.path, n_rows=n_rows)
            frame = frame.rename(dict(self._renames)) if self._renames else frame
            return frame.drop(self.dropped) if self.dropped else frame
        assert self.frame is not None
        frame = self.frame.lazy()
        return frame.head(n_rows) if n_rows is not None else frame

    def read_csv(
        self,
        data: Path | bytes,
        *,
        skip_lines: int | None = None,
        n_rows: int | None = None,
        strict: bool = False,
    ) -> pl.LazyFrame:
        """CSV text (the file, or some of its lines) read as this source reads it."""
        names = self.columns if strict else (*self.columns, *self.extra_columns)
        schema: dict[str, pl.DataType] = dict.fromkeys(names, pl.String())
        return pl.scan_csv(
            data,
            has_header=False,
            # Not skip_rows: its quote handling runs to the end of the file on a stray
            # quote and returns no rows at all; skipping lines makes such a file fail
            # loudly instead.
            skip_lines=self.header_lines if skip_lines is None else skip_lines,
            separator=self.delimiter or ",",
            schema=schema,
            null_values=[""],  # "" quoted or not: both are empty fields
            truncate_ragged_lines=not strict,
            missing_columns="insert",
            n_rows=n_rows,
        )


def open_csv(
    path: Path, *, encoding: str, delimiter: str | None, limits: Limits, rewritten: bool = False
) -> Source:
    """A UTF-8 CSV file: sniff the delimiter (unless given) and check the header.
    `rewritten`: the file is a copy Sluice made of the upload (Druid cannot read it)."""
    if delimiter is not None and len(delimiter.encode()) != 1:
        raise InputRejected(
            RejectCode.UNSUPPORTED_FORMAT,
            f"The delimiter {delimiter!r} is not a single character. Pick one of , ; | or tab.",
        )
    layout = read_layout(path, delimiter=delimiter)
    header = check_header(layout.header, limits=limits)
    schema = pl.Schema(dict.fromkeys(header.names, pl.String))
    return Source(
        "csv",
        path,
        header.names,
        schema,
        encoding=encoding,
        delimiter=layout.delimiter,
        header_lines=layout.header_lines,
        unnamed=header.unnamed,
        rewritten=rewritten,
    )


def open_parquet(path: Path, *, limits: Limits) -> Source:
    """A Parquet file: its schema gives names and types."""
    try:
        stored = pl.scan_parquet(path).collect_schema()
    except Exception as exc:  # polars raises ComputeError/OSError variants for a bad footer
        raise InputRejected(
            RejectCode.UNSUPPORTED_FORMAT,
            f"The file starts like Parquet but cannot be read ({clean_foreign_text(str(exc))}). "
            "Export it again and "
            "upload the new file.",
        ) from exc
    header = check_header(list(stored.names()), limits=limits)
    renames = tuple(
        (old, new) for old, new in zip(stored.names(), header.names, strict=True) if old != new
    )
    schema = pl.Schema(dict(zip(header.names, stored.dtypes(), strict=True)))
    return Source("parquet", path, header.names, schema, unnamed=header.unnamed, _renames=renames)


def open_xlsx(path: Path, *, sheet: str | None, limits: Limits) -> Source:
    """An Excel workbook: the chosen sheet, read into memory (see xlsx.py)."""
    chosen = read_sheet(path, sheet=sheet, limits=limits)
    frame = chosen.frame
    return Source(
        "xlsx",
        path,
        tuple(frame.columns),
        frame.schema,
        sheet=chosen.name,
        frame=frame,
        unnamed=chosen.unnamed,
    )
