"""Broken quoting: set the rows aside instead of rejecting the whole file.

Polars refuses a CSV file with a stray quote anywhere (a `5" screen` in an unquoted field, a
quote never closed, text after a closing quote). `repair_csv` re-reads such a file with
Python's csv module in strict mode, one record at a time: records it reads are written back
properly quoted to a clean copy (so `5" screen` stays `5" screen`), and every physical line
it cannot read becomes a quarantined row with the reason and the line's text. A quote never
closed would swallow the rest of the file, so a record may span at most `MAX_SPAN_LINES`
lines: past that, its first line is set aside and reading resumes on the next one.

The clean copy is then validated as usual; `Repaired.original_row` maps its row numbers back
to the upload's, so quarantined rows keep the numbers a person sees in their file.
"""

from __future__ import annotations

import csv
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

import polars as pl

from core.errors import clean_foreign_text
from core.profiling.result import ValidationResult
from core.quarantine import REASON_COLUMN, ROW_COLUMN

REPAIRED = "source.repaired.csv"
MAX_SPAN_LINES = 100
_MAX_TEXT = 300


@dataclass
class Repaired:
    path: Path
    # (original 1-based data row number, reason, the raw text), in file order
    malformed: list[tuple[int, str, str]] = field(default_factory=list)

    def original_row(self, row: pl.Expr) -> pl.Expr:
        """The upload's row number of the clean copy's `row`."""
        if not self.malformed:
            return row
        # Rows of the copy before the j-th set-aside row: its number minus those before it.
        thresholds = pl.Series(
            [n - j for j, (n, _, _) in enumerate(self.malformed, start=1)], dtype=pl.Int64
        )
        shift = pl.lit(thresholds).search_sorted(row.cast(pl.Int64), side="left")
        return row.cast(pl.Int64) + shift.cast(pl.Int64)


class _TooLong(Exception):
    """A record ran past `MAX_SPAN_LINES` lines: a quote is never closed."""


class _Lines:
    """The file's lines for csv.reader, remembering those of the record being read, and
    lines handed back (`again`) to read before the file's next ones."""

    def __init__(self, lines: Iterator[str]) -> None:
        self._lines, self.again, self.record = lines, list[str](), list[str]()

    def __iter__(self) -> _Lines:
        return self

    def __next__(self) -> str:
        if len(self.record) >= MAX_SPAN_LINES:
            raise _TooLong
        line = self.again.pop(0) if self.again else next(self._lines)
        self.record.append(line)
        return line


def repair_csv(path: Path, *, delimiter: str, header_lines: int, out_dir: Path) -> Repaired:
    """Copy the UTF-8 CSV at `path` to `out_dir`, setting aside the records with broken
    quoting (see module docstring)."""
    csv.field_size_limit(sys.maxsize)  # one huge field is data, not an error
    repaired = Repaired(out_dir / REPAIRED)
    with (
        path.open(encoding="utf-8-sig", newline="") as source,
        repaired.path.open("w", encoding="utf-8", newline="") as target,
    ):
        for _ in range(header_lines):
            target.write(next(source, ""))
        writer = csv.writer(target, delimiter=delimiter, lineterminator="\n")
        lines, row = _Lines(iter(source)), 0
        while True:
            lines.record = []
            reader = csv.reader(lines, delimiter=delimiter, strict=True)
            try:
                record = next(reader)
            except StopIteration:
                break
            except (csv.Error, _TooLong) as exc:
                row += 1
                bad, *rest = lines.record or [""]
                lines.again = rest + lines.again  # read those again, after the bad line
                # A record that ran over several lines began with a quote never closed.
                reason = _reason(exc, spanned=bool(rest))
                repaired.malformed.append((row, reason, bad.rstrip("\r\n")[:_MAX_TEXT]))
                continue
            row += 1
            writer.writerow(record)
    return repaired


def _reason(exc: Exception, *, spanned: bool) -> str:
    if spanned or isinstance(exc, _TooLong) or "end of data" in str(exc):
        return "a quoted value is never closed (its quote runs past the end of the row)"
    why = clean_foreign_text(str(exc))
    return f"broken quoting ({why}); quote the whole value and double the quotes inside it"


def with_malformed(
    result: ValidationResult, repaired: Repaired, *, out_dir: Path, warning: str | None = None
) -> ValidationResult:
    """`result` of the clean copy, with the set-aside rows counted and quarantined, and every
    quarantined row numbered as in the upload. `warning` says what the set-aside rows have
    in common (default: broken quoting)."""
    if not repaired.malformed:
        return result
    frames = []
    names: list[str]
    if result.quarantine_file is not None:
        kept = pl.read_csv(result.quarantine_file, infer_schema=False)
        names = kept.columns
        frames.append(
            kept.with_columns(
                repaired.original_row(pl.col(ROW_COLUMN).cast(pl.Int64))
                .cast(pl.String)
                .alias(ROW_COLUMN)
            )
        )
    else:
        names = [*result.staged_columns, ROW_COLUMN, REASON_COLUMN]
    malformed = {
        ROW_COLUMN: [str(n) for n, _, _ in repaired.malformed],
        REASON_COLUMN: [f"{reason}: {text}" for _, reason, text in repaired.malformed],
    }
    frames.append(
        pl.DataFrame(malformed, schema=dict.fromkeys(malformed, pl.String)).select(
            pl.col(n) if n in malformed else pl.lit(None, pl.String).alias(n) for n in names
        )
    )
    path = out_dir / "quarantine.repaired.csv"
    pl.concat(frames, how="vertical").write_csv(path)
    count, profile = len(repaired.malformed), result.profile
    warning = warning or (
        f"{count:,} row(s) have broken quoting (a quote never closed, or text right "
        "after a closing quote) and were quarantined with their text; the other rows "
        "were read as usual."
    )
    return replace(
        result,
        quarantine_file=path,
        profile=replace(
            profile,
            rows_total=profile.rows_total + count,
            rows_quarantined=profile.rows_quarantined + count,
            warnings=(*profile.warnings, warning),
        ),
    )
