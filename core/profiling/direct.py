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
  (tests/druid/test_pipeline.py checks each against the real Druid), or no time column; no
  value with a blank in it (`2024-01-02T03:04:05 +01:00`: Druid's `iso` refuses the space);
- no null token (values.py: `NA` in a number column is null in the profile, text to Druid);
- no `""` (a quoted empty value is null in the profile, an empty string to Druid; a doubled
  quote inside a quoted value also has one, so such files are staged, to be safe).

Everything else is staged, in a form Druid reads identically (stage.py).

Druid's row counts are still checked against the profile after ingestion (workers/tracking),
so a difference would fail the task loudly, never lose rows silently.
"""

from __future__ import annotations

from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import polars as pl

from core.profiling.plan import Plan
from core.profiling.readers import Source
from core.profiling.repair import REPAIRED
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


class DirectRead:
    """The checks on the raw bytes that decide whether Druid can read an upload as it is.

    They start at once, on threads (Polars' line scan and a memchr release or barely hold
    the GIL), so they run while the fast pass scans the same file from the page cache.
    """

    def __init__(self, source: Source, plan: Plan, time_format: str) -> None:
        self.time_format, self._header_lines = time_format, source.header_lines
        self._tokens = [f"{c.key}:tokens" for c in plan.columns]
        # Aggregates for the fast pass to take along: values Druid would read otherwise.
        self.exprs: list[pl.Expr] = []
        if plan.time.column is not None and time_format not in _EPOCHS:
            spaced = pl.col(plan.time.column).str.contains(" ", literal=True).sum()
            self.exprs.append(spaced.alias(_SPACED))
        pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="sluice-lines")
        self._lines = pool.submit(_count_lines, source.path)
        self._raw = pool.submit(_raw_bytes_differ, source.path)
        pool.shutdown(wait=False)  # the threads end with their one task each

    def druid_format(self, *, counts: Mapping[str, Any], stats: Mapping[str, Any]) -> str | None:
        """Druid's time format for the upload whose every row is valid (`counts` and `stats`
        of the fast pass, which took `exprs` along); None when Druid would read some value
        differently (see the module docstring)."""
        if self._lines.result() != counts["rows"] + self._header_lines or self._raw.result():
            return None
        if counts.get(_SPACED) or any(stats.get(name) for name in self._tokens):
            return None
        return self.time_format


def direct_read(source: Source, plan: Plan) -> DirectRead | None:
    """The line checks for an upload Druid may read as it is, or None when it cannot
    (format, delimiter, encoding or time format)."""
    if source.format != "csv" or source.delimiter != ",":
        return None
    if source.encoding not in ("utf-8", "utf-8-sig") or source.path.name in (TRANSCODED, REPAIRED):
        return None
    time_format = NO_TIME
    if plan.time.column is not None:
        time_format = DRUID_TIME_FORMATS.get(plan.time.format.label, "")
        if not time_format:
            return None
    return DirectRead(source, plan, time_format)


def _count_lines(path: Path) -> int:
    """Physical lines, the last one even without its line feed. Counted on the raw bytes
    (quotes ignored) by Polars' line scan, at several GB/s in bounded memory (its CSV row
    count maps the whole file instead): a quoted value spanning lines adds a line."""
    count: int = pl.scan_lines(path).select(pl.len()).collect(engine="streaming").item()
    return count


def _raw_bytes_differ(path: Path) -> bool:
    """Whether a CR appears other than right before a LF (Java's line reader splits there),
    or a `""` anywhere (see the module docstring).

    `find` is a memchr over each block (read into one reused buffer), so a file without any
    CR or `""` is checked at memory speed.
    """
    block = bytearray(_BLOCK + 1)
    view = memoryview(block)
    with path.open("rb", buffering=0) as f:
        while size := f.readinto(view[:_BLOCK]):
            if block[size - 1] == _CR:  # a CRLF cut between two blocks: complete it
                size += f.readinto(view[size : size + 1])
            if block.find(b"\r", 0, size) >= 0 and block.count(b"\r", 0, size) != block.count(
                b"\r\n", 0, size
            ):
                return True
            if block.find(b'""', 0, size) >= 0 or (size and block[size - 1] == _QUOTE):
                return True  # (a quote ending a block may begin a `""`: staged, to be safe)
    return False


_BLOCK = 16 << 20
_CR = ord("\r")
_QUOTE = ord('"')
_SPACED = "direct_time_spaced"
_EPOCHS = ("posix", "millis", "micro", "nano")
