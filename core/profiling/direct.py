"""When Druid can read the upload itself, so no staged copy has to be written or uploaded.

A staged copy costs a write of the whole file (about as long as the scan that validates it)
and an upload of as many bytes to S3. Druid can read a clean upload directly when it reads
every row exactly as the profile did:

- UTF-8 CSV (a byte-order mark sits in the skipped header line) with commas: Druid's `csv`
  input format; the column names come from the profile, not from Druid reading the header;
- one physical line per row: Druid reads CSV line by line, so a quoted value holding a line
  break (LF, or a lone CR, which Java's line reader also splits on) needs the staged copy;
- every row valid (the fast pass proved it: no quarantine, no ragged rows);
- a time column in a format Druid parses to the same instant, listed in `DRUID_TIME_FORMATS`
  (tests/druid/test_pipeline.py checks each against the real Druid), or no time column.

Druid's row counts are still checked against the profile after ingestion (workers/tracking),
so a difference would fail the task loudly, never lose rows silently.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from core.profiling.plan import Plan
from core.profiling.readers import Source
from core.profiling.transcode import TRANSCODED

# Sluice's format label -> Druid timestampSpec format reading the same values identically.
DRUID_TIME_FORMATS = {
    "epoch_s": "posix",
    "epoch_ms": "millis",
    "epoch_us": "micro",
    "epoch_ns": "nano",
    "%Y-%m-%dT%H:%M:%S%.f%#z": "iso",
    "%Y-%m-%dT%H:%M:%S%.f": "iso",
    "%Y-%m-%dT%H:%M": "iso",
    "%Y-%m-%d": "iso",
}
NO_TIME = "auto"  # no time column: Druid uses the constant `missingValue`


def druid_reads_as_is(source: Source, plan: Plan, *, rows: int) -> str | None:
    """Druid's time format for reading `source` as uploaded, or None if it needs a copy.

    `rows` is the number of data rows, all valid (the caller has checked).
    """
    if source.format != "csv" or source.delimiter != ",":
        return None
    if source.encoding not in ("utf-8", "utf-8-sig") or source.path.name == TRANSCODED:
        return None
    time_format = NO_TIME
    if plan.time.column is not None:
        time_format = DRUID_TIME_FORMATS.get(plan.time.format.label, "")
        if not time_format:
            return None
    if not _one_line_per_row(source.path, rows=rows, header_lines=source.header_lines):
        return None
    return time_format


def _one_line_per_row(path: Path, *, rows: int, header_lines: int) -> bool:
    """Whether the file has exactly one physical line per row (plus the header's).

    Lines are counted on the raw bytes (quotes ignored), which Polars does at memory speed:
    a quoted value spanning lines shows up as one line too many.
    """
    lines = _count_lines(path, eol="\n")
    if lines != rows + header_lines:
        return False
    with path.open("rb") as f:
        f.seek(max(0, path.stat().st_size - 1))
        last = f.read(1)
    if last == b"\r":
        return False
    line_feeds = lines - (last != b"\n")  # the last line may lack its line feed
    # Carriage returns: none (LF file) or one per line feed (CRLF file); any other is a
    # lone CR inside a row, where Java's line reader would split it.
    returns = _count_lines(path, eol="\r") - 1  # n of them cut the file into n + 1 parts
    return returns in (0, line_feeds)


def _count_lines(path: Path, *, eol: str) -> int:
    """Lines of the file split at `eol`, the last one counted even without its `eol`."""
    frame = pl.scan_csv(path, has_header=False, separator="\x00", quote_char=None,
                        eol_char=eol, schema={"line": pl.String})
    count: int = frame.select(pl.len()).collect().item()
    return count
