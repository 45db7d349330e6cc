"""When Druid can read the upload itself, so no staged copy has to be written or uploaded.

A staged copy costs a write of the whole file (about as long as the scan that validates it)
and an upload of as many bytes to S3. Druid can read a clean upload directly when it reads
every row exactly as the profile did:

- UTF-8 CSV (a byte-order mark sits in the skipped header line) with commas: Druid's `csv`
  input format; the column names come from the profile, not from Druid reading the header.
  With another delimiter (tab, semicolon, pipe): Druid's `tsv` input format with that
  delimiter, which splits a line at every delimiter and knows no quoting, so only a file
  without any `"` byte (checked on the raw bytes beside the CR check, at memory speed) is
  split alike by both; a quoted one is staged. Staging had cost a TSV a third of its
  throughput (0.33x raw Polars against 0.52x for the same table with commas);
- one physical line per row (`LineCheck`, for every CSV: a value holding a line break is
  quarantined, as Druid would cut it into garbled rows from any file);
- every row valid (the fast pass proved it: no quarantine, no ragged rows);
- a time column in a format Druid parses to the same instant, listed in `DRUID_TIME_FORMATS`
  (tests/druid/test_pipeline.py checks each against the real Druid), or no time column; no
  value with a blank in it (`2024-01-02T03:04:05 +01:00`: Druid's `iso` refuses the space).
  Times written `2013-01-01 05:00:00` (how SQL clients and spreadsheets export them) are
  read by Druid's `auto` parser (an ISO date, `T` or a blank, an ISO time, in UTC) when every
  value has exactly that shape (chrono would also take `2013-01-0105:00:00` or two blanks,
  which Druid refuses): staging them cost half the throughput of the clean file. Likewise
  day- or month-first times `14/11/2023 22:13:20` and dates, read by a Joda pattern;
- no null token (values.py: `NA` in a number column is null in the profile, text to Druid);
- no `""` as a whole value (a quoted empty value is null in the profile, an empty string to
  Druid; a doubled quote inside a quoted value is read alike by both).

Everything else is staged, in a form Druid reads identically (stage.py).

Druid's row counts are still checked against the profile after ingestion (workers/tracking),
so a difference would fail the task loudly, never lose rows silently.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import polars as pl

from core.profiling.plan import Plan
from core.profiling.quarantine import short_lines
from core.profiling.readers import Source
from core.profiling.stats import RowCounts, Stats

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
    "%Y-%m-%d %H:%M:%S%.f": "auto",
    "%Y-%m-%d %H:%M": "auto",
    "%d/%m/%Y %H:%M:%S%.f": "dd/MM/yyyy HH:mm:ss",  # Joda patterns, read in UTC
    "%m/%d/%Y %H:%M:%S%.f": "MM/dd/yyyy HH:mm:ss",
    "%d/%m/%Y": "dd/MM/yyyy",
    "%m/%d/%Y": "MM/dd/yyyy",
}
# Formats whose every value must have exactly this shape for Druid to read it as the
# profile did (chrono also takes one-digit fields, fractions, missing or doubled blanks).
_D2, _D4 = "[0-9]{2}", "[0-9]{4}"
_SLASHED = f"{_D2}/{_D2}/{_D4}"
_SHAPES = {
    "%Y-%m-%d %H:%M:%S%.f": rf"^{_D4}-{_D2}-{_D2} {_D2}:{_D2}(:{_D2}(\.[0-9]{{1,9}})?)?$",
    "%Y-%m-%d %H:%M": rf"^{_D4}-{_D2}-{_D2} {_D2}:{_D2}$",
    "%d/%m/%Y %H:%M:%S%.f": f"^{_SLASHED} {_D2}:{_D2}:{_D2}$",
    "%m/%d/%Y %H:%M:%S%.f": f"^{_SLASHED} {_D2}:{_D2}:{_D2}$",
    "%d/%m/%Y": f"^{_SLASHED}$",
    "%m/%d/%Y": f"^{_SLASHED}$",
}
NO_TIME = "auto"  # no time column: Druid uses the constant `missingValue`


class LineCheck:
    """Whether every row of a CSV file is one physical line, from its raw bytes.

    Druid reads CSV line by line, so a value holding a line break (LF, or a lone CR, which
    Java's line reader also splits on) would land as garbled rows: such a file cannot be
    clean, and the main pass quarantines those rows. The checks start at once, on threads
    (Polars' line scan and a memchr release or barely hold the GIL), so they run while the
    fast pass scans the same file from the page cache.
    """

    def __init__(self, source: Source, *, empty_quoted: bool = True, short: bool = False) -> None:
        """`empty_quoted`: also look for `""` values (only Druid reading the upload cares:
        it costs the line scan a string per line). `short`: also count lines with fewer
        fields than the header (when some last fields are empty: in the same scan this
        costs 0.1 s of CPU per 200 MB, the separate `find_short_rows` 0.6 s)."""
        self._header_lines = source.header_lines
        width = len(source.columns) if short and len(source.columns) > 1 else None
        pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="sluice-lines")
        self._lines = pool.submit(
            _count_lines,
            source.path,
            empty_quoted=empty_quoted,
            fields=None if width is None else (source.delimiter or ",", width),
            header_lines=source.header_lines,
        )
        self._raw = pool.submit(_raw_bytes, source.path)
        pool.shutdown(wait=False)  # the threads end with their one task each

    def one_per_row(self, rows: int) -> bool:
        """Whether the file's `rows` data rows (all valid) are as many lines."""
        lines, _, _ = self._lines.result()
        lone_returns, _ = self._raw.result()
        return lines == rows + self._header_lines and not lone_returns

    @property
    def quoted(self) -> bool:
        """Whether the file holds a quote character anywhere (header included)."""
        return self._raw.result()[1]

    @property
    def empty_quoted(self) -> bool:
        """Whether some line holds an empty quoted value `""` (comma-separated)."""
        return bool(self._lines.result()[1])

    def short_rows(self) -> int | None:
        """Data lines with fewer fields than the header, None when not counted. As many
        short rows when `one_per_row`; otherwise the file is not clean anyway."""
        return self._lines.result()[2]


class DirectRead:
    """What decides whether Druid can read an upload as it is, beside the `LineCheck`."""

    def __init__(self, plan: Plan, time_format: str, lines: LineCheck, *, delimiter: str) -> None:
        self.time_format, self._lines, self.delimiter = time_format, lines, delimiter
        self._keys = [c.key for c in plan.columns]
        # Aggregates for the fast pass to take along: values Druid would read otherwise.
        self.exprs: list[pl.Expr] = []
        if plan.time.column is not None and time_format not in _EPOCHS:
            value, shape = pl.col(plan.time.column), _SHAPES.get(plan.time.format.label)
            if shape is not None:
                unlike = value.is_not_null() & ~value.str.contains(shape)
            else:  # ISO-8601: Druid's `iso` refuses any blank
                unlike = value.str.contains(" ", literal=True)
            self.exprs.append(unlike.sum().alias(_UNLIKE))

    def druid_format(self, *, counts: RowCounts, stats: Stats) -> str | None:
        """Druid's time format for the upload whose every row is valid and one line (`counts`
        and `stats` of the fast pass, which took `exprs` along); None when Druid would read
        some value differently (see the module docstring)."""
        if self._lines.empty_quoted or counts.extra.get(_UNLIKE):
            return None
        if self.delimiter != "," and self._lines.quoted:  # Druid's `tsv` knows no quotes
            return None
        if any(stats.column(key).tokens for key in self._keys):
            return None
        return self.time_format


def direct_read(
    source: Source, plan: Plan, *, short: bool = False
) -> tuple[LineCheck, DirectRead | None]:
    """The line checks of a CSV upload (`short`: with the short-row count), and the checks
    for Druid reading it as it is, or None when it cannot (format, delimiter, encoding, a
    copy Sluice made, a column left out, or the time format)."""
    time_format = _druid_time_format(source, plan)
    delimiter = source.delimiter or ","
    empty_quoted = time_format is not None and delimiter == ","  # else: no quote at all
    lines = LineCheck(source, empty_quoted=empty_quoted, short=short)
    if time_format is None:
        return lines, None
    return lines, DirectRead(plan, time_format, lines, delimiter=delimiter)


def _druid_time_format(source: Source, plan: Plan) -> str | None:
    if source.format != "csv" or plan.dropped or source.rewritten:
        return None
    if source.encoding not in ("utf-8", "utf-8-sig"):
        return None
    if plan.time.column is None:
        return NO_TIME
    return DRUID_TIME_FORMATS.get(plan.time.format.label)


def _count_lines(
    path: Path, *, empty_quoted: bool, fields: tuple[str, int] | None, header_lines: int
) -> tuple[int, int, int | None]:
    """Physical lines, the last one even without its line feed, lines with an empty
    quoted value `""` (not the `""` escaping a quote inside one), and with `fields`
    (delimiter, width) data lines with fewer fields. Counted on the raw lines (quotes
    ignored) by Polars' line scan, at several GB/s in bounded memory (its CSV row count
    maps the whole file instead): a quoted value spanning lines adds a line."""
    line = pl.col("line")
    found = line.str.contains(r'(?:^|,)""(?:,|\r?$)').sum()
    exprs = [pl.len(), (found if empty_quoted else pl.lit(0)).alias("empty_quoted")]
    lines = pl.scan_lines(path)
    if fields is not None:
        delimiter, width = fields
        lines = lines.with_row_index()
        data = line.filter(pl.col("index") >= header_lines)
        exprs.append(short_lines(data, delimiter=delimiter, width=width).alias("short"))
    counted = lines.select(exprs).collect(engine="streaming").row(0)
    short = int(counted[2]) if fields is not None else None
    return int(counted[0]), int(counted[1] or 0), short


def _raw_bytes(path: Path) -> tuple[bool, bool]:
    """Whether a CR appears other than right before a LF (Java's line reader splits there),
    and whether a quote character appears at all.

    `find` is a memchr over each block (read into one reused buffer), so a file without any
    CR is checked at memory speed, and the quotes only until the first one.
    """
    block = bytearray(_BLOCK + 1)
    view = memoryview(block)
    quoted = False
    with path.open("rb", buffering=0) as f:
        while size := f.readinto(view[:_BLOCK]):
            if block[size - 1] == _CR:  # a CRLF cut between two blocks: complete it
                size += f.readinto(view[size : size + 1])
            quoted = quoted or block.find(b'"', 0, size) >= 0
            if block.find(b"\r", 0, size) >= 0 and block.count(b"\r", 0, size) != block.count(
                b"\r\n", 0, size
            ):
                return True, quoted  # (not clean anyway: whether quoted matters no more)
    return False, quoted


_BLOCK = 16 << 20
_CR = ord("\r")
_UNLIKE = "direct_time_unlike"
_EPOCHS = ("posix", "millis", "micro", "nano")
