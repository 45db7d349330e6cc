"""Recognising time columns and turning their values into epoch milliseconds.

Every format is a `TimeFormat` whose `to_millis` is a Polars expression that yields null for a
value it cannot read, so the same expression validates, converts and feeds the quarantine.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal

import polars as pl

# Values outside 1990-01-01 .. 2100-01-01 are not taken as epoch numbers or Excel serials:
# the range is what tells epoch seconds from milliseconds (they cannot overlap) and keeps
# ordinary integers (ids, amounts) from being mistaken for time.
EPOCH_SECONDS_RANGE = (631_152_000, 4_102_444_800)
EXCEL_SERIAL_RANGE = (32_874, 73_051)
_EXCEL_UNIX_DAY = 25_569  # Excel serial of 1970-01-01
_DAY_MS = 86_400_000

_EPOCH_UNITS = (
    ("epoch_s", 1),
    ("epoch_ms", 1_000),
    ("epoch_us", 1_000_000),
    ("epoch_ns", 1_000_000_000),
)
_UNIT_WORDS = {
    "epoch_s": "seconds",
    "epoch_ms": "milliseconds",
    "epoch_us": "microseconds",
    "epoch_ns": "nanoseconds",
}

# Tried in this order; on a tie (e.g. 01/02/2024 fits both) the earlier one wins and a warning
# says so. ISO-8601 first; month-first before day-first.
_DATES = ("%Y-%m-%d", "%Y/%m/%d", "%m/%d/%Y", "%d/%m/%Y", "%d.%m.%Y", "%d-%m-%Y")
PATTERNS: tuple[str, ...] = (
    "%Y-%m-%dT%H:%M:%S%.f%#z",
    "%Y-%m-%d %H:%M:%S%.f%#z",
    "%Y-%m-%dT%H:%M:%S%.f",
    "%Y-%m-%dT%H:%M",
    *(f"{date}{time}" for date in _DATES for time in (" %H:%M:%S%.f", " %H:%M", "")),
    "%m/%d/%Y %I:%M:%S %p",
    "%m/%d/%Y %I:%M %p",
)
_LOOKS_DATED = re.compile(r"^\s*\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}")

_EXACT_NAMES = {
    "__time",
    "timestamp",
    "time",
    "datetime",
    "date",
    "ts",
    "event_time",
    "event_timestamp",
    "event_date",
}
_NAME_TOKENS = {
    "time",
    "timestamp",
    "date",
    "datetime",
    "ts",
    "created",
    "updated",
    "modified",
    "epoch",
    "day",
    "dt",
    "when",
    "at",
}


@dataclass(frozen=True)
class TimeFormat:
    """One way of writing a point in time; `label` is recorded as the source format."""

    label: str
    kind: Literal["pattern", "epoch", "excel", "native", "ranked"]
    per_second: int = 1  # epoch only: units per second
    parts: tuple[TimeFormat, ...] = ()  # ranked only: patterns tried in order, row by row

    def to_millis(self, value: pl.Expr) -> pl.Expr:
        """Epoch milliseconds (Int64) of `value`, null where it cannot be read."""
        if self.kind == "ranked":
            return pl.coalesce([part.to_millis(value) for part in self.parts])
        if self.kind == "pattern":
            if self.label in _ISO_MILLIS:
                millis = _iso_millis(value, self.label)
            else:
                parsed = value.str.to_datetime(
                    self.label, strict=False, time_unit="ms", cache=_repeats(self.label)
                )
                millis = parsed.dt.epoch("ms")
            # chrono reads a leap second (23:59:60) as the next second; epoch milliseconds
            # (what Druid stores) have no leap seconds, so such a value is quarantined.
            return pl.when(~is_leap_second(value)).then(millis)
        if self.kind == "native":
            return value.dt.epoch("ms")  # Date or Datetime; time-zone aware values count as UTC
        if self.kind == "excel":
            days = value.cast(pl.Float64, strict=False)
            lo, hi = EXCEL_SERIAL_RANGE
            millis = ((days - _EXCEL_UNIX_DAY) * _DAY_MS).round().cast(pl.Int64)
            return pl.when(days.is_between(lo, hi)).then(millis)
        number = value.cast(pl.Int64, strict=False)
        lo, hi = (bound * self.per_second for bound in EPOCH_SECONDS_RANGE)
        millis = number * 1000 if self.per_second == 1 else number // (self.per_second // 1000)
        return pl.when(number.is_between(lo, hi)).then(millis)

    def expectation(self) -> str:
        """What a readable value looks like, for quarantine reasons and messages."""
        if self.kind == "pattern":
            return f"expected {self.label}"
        if self.kind == "epoch":
            return f"expected epoch {_UNIT_WORDS[self.label]} between 1990 and 2100"
        if self.kind == "excel":
            return "expected an Excel date serial between 1990 and 2100"
        if self.kind == "ranked":
            return f"expected one of {', '.join(part.label for part in self.parts)}"
        return "expected a date"


NATIVE = TimeFormat("native", "native")

# Formats with a fast path for values with exactly three fraction digits: (label) ->
# (date-time separator, suffix), e.g. 2024-01-02T03:04:05.678Z for the first.
_ISO_MILLIS = {
    "%Y-%m-%dT%H:%M:%S%.f%#z": ("T", "Z"),
    "%Y-%m-%d %H:%M:%S%.f%#z": (" ", "Z"),
    "%Y-%m-%dT%H:%M:%S%.f": ("T", ""),
    "%Y-%m-%d %H:%M:%S%.f": (" ", ""),
}


def _iso_millis(value: pl.Expr, label: str) -> pl.Expr:
    """`label` (an `_ISO_MILLIS` format) read as epoch milliseconds, the same values as chrono
    gives, in 40% of its time for the common 2024-01-02T03:04:05.678Z and 2013-01-01 05:00:00
    (how SQL clients export; the general parser took 0.57 s of CPU per 2 M values, this
    0.2 s): Polars' own parser for the seconds (chrono's general one costs about 230 ns a
    value for `%.f`) plus the digits of the milliseconds, if any. Any other value (offsets,
    other fractions, errors) goes through chrono as before; it only sees those values, so
    the others cost it nothing."""
    separator, suffix = _ISO_MILLIS[label]
    shape = (
        r"^[0-9]{4}-[0-9]{2}-[0-9]{2}"
        + separator
        + r"[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{3})?"
        + suffix
        + "$"
    )
    shaped = value.str.contains(shape)
    # No cache of parsed values: times with seconds hardly repeat, and building it cost
    # more than parsing (0.15 against 0.09 s per 2 M values).
    seconds = value.str.slice(0, 19).str.to_datetime(
        f"%Y-%m-%d{separator}%H:%M:%S", strict=False, time_unit="ms", cache=False
    )
    fraction = value.str.slice(20, 3).cast(pl.Int64, strict=False).fill_null(0)
    fast = seconds.dt.epoch("ms") + fraction
    other = pl.when(~shaped).then(value).str.to_datetime(label, strict=False, time_unit="ms")
    return pl.when(shaped).then(fast).otherwise(other.dt.epoch("ms"))


def _repeats(label: str) -> bool:
    """Whether values of the format repeat enough for Polars' cache of parsed values to pay:
    dates do (a 2 M-row column of days: 0.02 s with it, 0.05 s without); times of day mostly
    do not (0.48 s without against 0.57 s with)."""
    return "%H" not in label


def is_leap_second(value: pl.Expr) -> pl.Expr:
    """Whether a time text has a 60th second (`:60`, which no valid minute or offset has)."""
    return value.str.contains(":60", literal=True)


def name_rank(name: str) -> int:
    """0: a usual time-column name; 1: has a time word in it; 2: nothing time-like."""
    lowered = name.strip().lower()
    if lowered in _EXACT_NAMES:
        return 0
    spaced = re.sub(r"([a-z])([A-Z])", r"\1 \2", name.strip())
    tokens = set(re.split(r"[^a-z0-9]+", spaced.lower()))
    return 1 if tokens & _NAME_TOKENS else 2


def pattern_candidates(sample: pl.Series, *, min_share: float = 1.0) -> tuple[TimeFormat, ...]:
    """Patterns reading at least `min_share` of the non-null values of a text sample, the ones
    reading the most first (at most three: each is counted over the whole file later)."""
    values = sample.drop_nulls()
    if sample.dtype != pl.String or values.is_empty():
        return ()
    if values.head(20).str.contains(_LOOKS_DATED.pattern).mean() < min_share:  # type: ignore[operator]
        return ()
    need = math.ceil(min_share * values.len())
    found = []
    for index, pattern in enumerate(PATTERNS):
        # A short probe first: most patterns fail on the first values already.
        probe = values.head(100)
        if _parsed(probe, pattern) < math.ceil(min_share * probe.len()):
            continue
        parsed = _parsed(values, pattern)
        if parsed >= need:
            found.append((-parsed, index, TimeFormat(pattern, "pattern")))
    return tuple(fmt for _, _, fmt in sorted(found)[:3])


def ranked_candidates(sample: pl.Series, *, min_share: float) -> tuple[TimeFormat, ...]:
    """For a column whose values mix date formats (each alone reads too few): the patterns
    reading any of them, tried row by row in `PATTERNS` order, when together they read at
    least `min_share` of the values. Month-first and day-first never mix: only the one
    reading more values is taken, so `01/02/2024` cannot mean two dates in one column."""
    values = sample.drop_nulls()
    if sample.dtype != pl.String or values.is_empty():
        return ()
    counts = {pattern: _parsed(values, pattern) for pattern in PATTERNS}
    chosen = [p for p in PATTERNS if counts[p]]
    for first, second in _ORDER_CONFLICTS:
        mine = [p for p in chosen if p.startswith(first)]
        theirs = [p for p in chosen if p.startswith(second)]
        loser = theirs if sum(counts[p] for p in mine) >= sum(counts[p] for p in theirs) else mine
        chosen = [p for p in chosen if p not in loser]
    if len(chosen) < 2:
        return ()
    parts = tuple(TimeFormat(p, "pattern") for p in chosen)
    ranked = TimeFormat(" | ".join(chosen), "ranked", parts=parts)
    read = pl.DataFrame({"v": values}).select(ranked.to_millis(pl.col("v")).count()).item()
    return (ranked,) if read >= math.ceil(min_share * values.len()) else ()


# Date orders that read the same text as different days.
_ORDER_CONFLICTS = (("%m/%d/%Y", "%d/%m/%Y"),)


def _parsed(values: pl.Series, pattern: str) -> int:
    return values.str.to_datetime(pattern, strict=False, time_unit="ms").count()


def numeric_candidates(sample: pl.Series, *, min_share: float = 1.0) -> tuple[TimeFormat, ...]:
    """Epoch units and Excel serials whose plausible range holds at least `min_share` of the
    non-null values (epoch values must also be whole numbers)."""
    present = sample.drop_nulls()
    if present.is_empty():
        return ()
    numbers = present.cast(pl.Float64, strict=False)
    need = math.ceil(min_share * present.len())
    whole = numbers == numbers.round()
    found = []
    for label, per_second in _EPOCH_UNITS:
        lo, hi = (bound * per_second for bound in EPOCH_SECONDS_RANGE)
        if (numbers.is_between(lo, hi) & whole).sum() >= need:
            found.append(TimeFormat(label, "epoch", per_second))
    if numbers.is_between(*EXCEL_SERIAL_RANGE).sum() >= need:
        found.append(TimeFormat("excel_serial", "excel"))
    return tuple(found)


def override_candidates(sample: pl.Series) -> tuple[TimeFormat, ...]:
    """For a column the person named: the formats reading the most sample values (ties kept,
    so the full pass can settle them); empty when none reads anything."""
    values = sample.drop_nulls()
    if values.is_empty():
        return ()
    if values.dtype.is_temporal():
        return (NATIVE,)
    if values.dtype == pl.String:
        formats = [TimeFormat(p, "pattern") for p in PATTERNS]
        formats += [TimeFormat(label, "epoch", n) for label, n in _EPOCH_UNITS]
    else:
        formats = [TimeFormat(label, "epoch", n) for label, n in _EPOCH_UNITS]
    formats.append(TimeFormat("excel_serial", "excel"))
    frame = pl.DataFrame({"v": values})
    counts = frame.select(
        [f.to_millis(pl.col("v")).count().alias(str(i)) for i, f in enumerate(formats)]
    ).row(0)
    best = max(counts)
    return tuple(f for f, n in zip(formats, counts, strict=True) if n == best and n > 0)


def time_format(label: str) -> TimeFormat:
    """The format recorded as `label` (a profile's `source_format`) of a value in text: an
    epoch unit or a strftime pattern."""
    units = dict(_EPOCH_UNITS)
    if label in units:
        return TimeFormat(label, "epoch", units[label])
    return TimeFormat(label, "pattern")


def iso_from_millis(millis: int | None) -> str | None:
    """ISO-8601 UTC text with millisecond precision, e.g. 2024-01-02T03:04:05.000Z."""
    if millis is None:
        return None
    try:  # (not fromtimestamp: it refuses years before 1970 on some platforms)
        moment = _EPOCH + timedelta(milliseconds=millis)
    except OverflowError:
        return None
    return f"{moment.year:04d}-{moment:%m-%dT%H:%M:%S}.{millis % 1000:03d}Z"


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
