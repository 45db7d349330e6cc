"""Small histograms for the UI, computed in the same pass that stages the file.

Equal-width bins need the column's range, which is only known once the pass is over. So the
pass groups values into fine buckets of three significant digits (numbers) or hours (time),
a bounded number of groups whatever the file size, and the buckets are rolled up into at most
20 bins afterwards. A fine bucket lands in the bin holding its lower bound, so counts near a
bin edge can be off by up to one fine bucket (about 1% of the value). Text columns show the
sample's most frequent values.

Counting costs: on a large file the buckets are counted on every k-th valid row only
(`stride`) and scaled up to the valid row count, so histograms of files beyond
`EXACT_CELLS` values are estimates; null counts, min and max never are (distinct counts
are HyperLogLog estimates, see distinct.py).
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta

import polars as pl

MAX_BINS = 20
EXACT_CELLS = 10_000_000  # values counted into histograms, at most (about)
_HOUR_MS = 3_600_000

Histogram = tuple[tuple[str, int], ...]


def stride(estimated_rows: int, columns: int) -> int:
    """Count histogram buckets on every k-th row so that about `EXACT_CELLS` values are."""
    return max(1, math.ceil(estimated_rows * columns / EXACT_CELLS))


def fine_key(values: pl.Expr) -> pl.Expr:
    """Lower bound of the value's bucket: the value rounded down to three significant digits."""
    floats = values.cast(pl.Float64)
    magnitude = floats.abs()
    step = pl.lit(10.0).pow(magnitude.log10().floor() - 2)
    bucket = (floats / step).floor() * step
    return pl.when(magnitude == 0).then(0.0).when(floats.is_finite()).then(bucket)


def hour_key(millis: pl.Expr) -> pl.Expr:
    """Hour since the epoch of a millisecond timestamp (as Float64, to share one group-by)."""
    return (millis // _HOUR_MS).cast(pl.Float64)


def top_key(values: pl.Expr, top_values: tuple[str, ...]) -> pl.Expr:
    """Index of the value among the sample's most frequent ones (null for any other value).

    An Enum cast, not `replace_strict`: the latter is not streamed and buffers the column.
    """
    members = values.cast(pl.Enum(list(top_values)), strict=False)
    return members.to_physical().cast(pl.Float64)


def bucket_counts(frame: pl.DataFrame, keys: dict[str, pl.Expr]) -> pl.DataFrame:
    """One group-by for all columns: rows (key, bucket, n)."""
    return bucket_counts_lazy(frame.lazy(), keys).collect()


def bucket_counts_lazy(frame: pl.LazyFrame, keys: dict[str, pl.Expr]) -> pl.LazyFrame:
    """`bucket_counts` as a query, to run inside a larger streaming one."""
    names = list(keys)
    if not names:
        return pl.LazyFrame(schema={"key": pl.String, "bucket": pl.Float64, "n": pl.UInt32})
    parts = [
        frame.select(index=pl.lit(i, pl.Int32), bucket=expr.cast(pl.Float64))
        for i, expr in enumerate(keys.values())
    ]
    counted = pl.concat(parts).drop_nulls("bucket").group_by("index", "bucket").agg(n=pl.len())
    return counted.select(
        key=pl.col("index").replace_strict(range(len(names)), names, return_dtype=pl.String),
        bucket="bucket",
        n="n",
    )


def numeric_histogram(
    buckets: Iterable[tuple[float, int]], *, low: float | None, high: float | None, integral: bool
) -> Histogram:
    """Roll fine buckets up into at most 20 bins of a round width (1, 2, 2.5 or 5 x 10^k)."""
    buckets = list(buckets)
    if low is None or high is None or not buckets:
        return ()
    if low == high:
        return ((_number(low), sum(n for _, n in buckets)),)
    width = _nice_width((high - low + (1 if integral else 0)) / MAX_BINS, integral=integral)
    start = math.floor(low / width) * width
    while math.floor((high - start) / width) + 1 > MAX_BINS:
        width = _nice_width(width * 1.01, integral=integral)
        start = math.floor(low / width) * width
    counts = [0] * (math.floor((high - start) / width) + 1)
    for bound, n in buckets:
        counts[min(len(counts) - 1, max(0, int((bound - start) // width)))] += n
    return tuple((_bin_label(start + i * width, width, integral), n) for i, n in enumerate(counts))


def _nice_width(raw: float, *, integral: bool) -> float:
    exponent = math.floor(math.log10(raw))
    for mantissa in (1, 2, 2.5, 5, 10):
        width = mantissa * 10.0**exponent
        if width >= raw and (not integral or width.is_integer()):
            return width
    return 10.0 ** (exponent + 1)


def _bin_label(start: float, width: float, integral: bool) -> str:
    if integral:
        end = start + width - 1
        return _number(start) if width == 1 else f"{_number(start)}–{_number(end)}"
    return f"{_number(start)}–{_number(start + width)}"


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:.6g}"


def top_values_histogram(values: Iterable[tuple[str, int]]) -> Histogram:
    """Most frequent values first, zero counts left out."""
    ranked = sorted(((v, n) for v, n in values if n), key=lambda item: (-item[1], item[0]))
    return tuple(ranked[:MAX_BINS])


def time_histogram(hours: Iterable[tuple[float, int]]) -> Histogram:
    """Counts per calendar period: the finest of hour, 6 hours, day, week, month, quarter,
    year, decade (then wider) that shows the whole range in at most 20 bins."""
    counts = {int(hour): n for hour, n in hours}
    if not counts:
        return ()
    first = _from_hour(min(counts))
    last = _from_hour(max(counts))
    for truncate, advance, label in [*_PERIODS, _years(_span_years(first, last))]:
        starts = _period_starts(truncate(first), truncate(last), advance)
        if starts is None:
            continue
        totals = [0] * len(starts)
        for hour, n in counts.items():
            # (the period a moment falls in, by position: the first year-wide period starts at
            # year 1 at the earliest, so its starts need not divide evenly)
            totals[bisect.bisect_right(starts, _from_hour(hour)) - 1] += n
        return tuple((label(start), n) for start, n in zip(starts, totals, strict=True))
    return ()


def _from_hour(hour: int) -> datetime:
    return datetime(1970, 1, 1, tzinfo=UTC) + timedelta(hours=hour)


def _period_starts(
    first: datetime, last: datetime, advance: Callable[[datetime], datetime]
) -> list[datetime] | None:
    starts = [first]
    while starts[-1] < last:
        if len(starts) == MAX_BINS:
            return None
        starts.append(advance(starts[-1]))
    return starts


def _add_months(moment: datetime, months: int) -> datetime:
    total = moment.year * 12 + moment.month - 1 + months
    return moment.replace(year=total // 12, month=total % 12 + 1)


def _span_years(first: datetime, last: datetime) -> int:
    return max(1, math.ceil((last.year - first.year + 1) / MAX_BINS))


_Period = tuple[
    Callable[[datetime], datetime], Callable[[datetime], datetime], Callable[[datetime], str]
]


def _years(step: int) -> _Period:
    def truncate(m: datetime) -> datetime:
        return m.replace(year=max(1, m.year // step * step), month=1, day=1, hour=0)

    def label(m: datetime) -> str:
        return f"{m.year}" if step == 1 else f"{m.year}–{m.year + step - 1}"

    return truncate, lambda m: _add_months(m, 12 * step), label


_PERIODS: list[_Period] = [
    (lambda m: m, lambda m: m + timedelta(hours=1), lambda m: f"{m:%Y-%m-%d %H}:00"),
    (
        lambda m: m.replace(hour=m.hour // 6 * 6),
        lambda m: m + timedelta(hours=6),
        lambda m: f"{m:%Y-%m-%d %H}:00",
    ),
    (lambda m: m.replace(hour=0), lambda m: m + timedelta(days=1), lambda m: f"{m:%Y-%m-%d}"),
    (
        lambda m: m.replace(hour=0) - timedelta(days=m.weekday()),
        lambda m: m + timedelta(days=7),
        lambda m: f"week of {m:%Y-%m-%d}",
    ),
    (lambda m: m.replace(day=1, hour=0), lambda m: _add_months(m, 1), lambda m: f"{m:%Y-%m}"),
    (
        lambda m: m.replace(month=(m.month - 1) // 3 * 3 + 1, day=1, hour=0),
        lambda m: _add_months(m, 3),
        lambda m: f"{m.year}-Q{(m.month - 1) // 3 + 1}",
    ),
    _years(1),
    _years(10),
]
