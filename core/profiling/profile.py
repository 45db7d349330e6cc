"""Per-column statistics, accumulated chunk by chunk, and the profile built from them.

Every statistic merges across chunks: counts add up, minima and maxima compare, distinct
counts raise HyperLogLog registers (distinct.py, about 1.6% error), histogram buckets add up
(histograms.py).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import polars as pl

from core.model import ColumnProfile, ColumnType
from core.profiling import distinct
from core.profiling.histograms import (
    Histogram,
    bucket_counts,
    fine_key,
    hour_key,
    numeric_histogram,
    time_histogram,
    top_key,
    top_values_histogram,
)
from core.profiling.plan import Plan
from core.profiling.quarantine import BAD, BROKEN, EMPTY, FIELDS, MILLIS, SHORT
from core.profiling.readers import Source
from core.profiling.stats import Stats
from core.profiling.timestamps import iso_from_millis
from core.profiling.types import ColumnPlan, check_exprs, token_expr, value_expr
from core.profiling.values import null_tokens

_MAX_TEXT = 200
_COMPACT_EVERY = 32  # chunks between merges of the per-chunk buckets
VALUE_PREFIX = "__sluice_value_"

Buckets = Mapping[str, list[tuple[float, int]]]


def count_exprs(source: Source, plan: Plan) -> list[pl.Expr]:
    """Row counts over the whole file: totals, reasons, and the time-format contest."""
    width = len(source.columns)
    exprs = [
        pl.len().alias("rows"),
        pl.col(BAD).sum().alias("bad"),
        pl.col(EMPTY).sum().alias("empty"),
        (~pl.col(EMPTY) & pl.col(FIELDS).is_not_null()).sum().alias("too_many"),
        (~pl.col(EMPTY) & pl.col(FIELDS).is_null() & pl.col(SHORT)).sum().alias("too_few"),
    ]
    whole = ~pl.col(EMPTY) & pl.col(FIELDS).is_null() & ~pl.col(SHORT)
    exprs.append((whole & pl.col(BROKEN)).sum().alias("line_breaks"))
    shaped = whole & ~pl.col(BROKEN)
    if source.format == "csv" and width > 1:
        # Only a row whose last field is empty can be missing fields: the trigger for the
        # (more expensive) field count of `quarantine.find_short_rows`.
        exprs.append((shaped & pl.col(source.columns[-1]).is_null()).sum().alias("short_suspects"))
    if plan.dropped:  # a value there: the column is kept after all (pipeline._revise)
        present = [pl.col(c.name).is_not_null() for c in plan.dropped]
        exprs.append(pl.any_horizontal(present).sum().alias("dropped_values"))
    column = plan.time.column
    if column is not None:
        raw, unread = pl.col(column), pl.col(MILLIS).is_null()
        # (tokens among the few unread values only: `is_in` costs on every row)
        tokens = pl.lit(0, pl.UInt32)
        if plan.column(column).is_text:
            tokens = raw.filter(shaped & unread).is_in(null_tokens(ColumnType.TIMESTAMP)).sum()
        exprs.append(((shaped & raw.is_null()).sum() + tokens).alias("time_missing"))
        unreadable = (shaped & raw.is_not_null() & unread).sum() - tokens
        exprs.append(unreadable.alias("time_unreadable"))
        for i, fmt in enumerate(plan.time.formats[1:], start=1):
            exprs.append((shaped & fmt.to_millis(raw).is_null()).sum().alias(f"time_misfit{i}"))
    return exprs


def merge_counts(total: dict[str, Any], part: Mapping[str, Any]) -> dict[str, Any]:
    """Fold one chunk's aggregates into the running total: min, max, or sum by name."""
    for name, value in part.items():
        known = total.get(name)
        if value is None or known is None:
            total[name] = known if value is None else value
        elif name.endswith(":min"):
            total[name] = min(known, value)
        elif name.endswith(":max"):
            total[name] = max(known, value)
        else:
            total[name] = known + value
    return total


def typed_values(columns: Sequence[ColumnPlan], *, time_column: str | None) -> dict[str, pl.Expr]:
    """Each column's values in its planned type, to add as columns once: Polars does not
    reliably share a cast between the several aggregates that use it."""
    return {
        VALUE_PREFIX + c.key: value_expr(c)
        for c in columns
        if c.name != time_column and not (c.is_text and c.type == ColumnType.STRING)
    }


def _value(column: ColumnPlan, time_column: str | None) -> pl.Expr:
    if column.name == time_column:
        return pl.col(MILLIS)
    if column.is_text and column.type == ColumnType.STRING:
        return pl.col(column.name)
    return pl.col(VALUE_PREFIX + column.key)


def distinct_expr(column: ColumnPlan, time_column: str | None) -> pl.Expr:
    """What distinct counts count: values as read (text as uploaded; typed values otherwise)."""
    if column.is_text or column.dtype.is_numeric():
        return pl.col(column.name)
    return _value(column, time_column)


def stats_exprs(
    columns: Sequence[ColumnPlan], *, time_column: str | None, tokens: bool = True
) -> list[pl.Expr]:
    """Aggregates over valid rows (with `typed_values` added): nulls, min, max, type checks,
    and what reconciliation with Druid needs: sums, non-empty counts and text lengths."""
    exprs: list[pl.Expr] = [pl.len().alias("rows_valid")]
    for column in columns:
        key, value = column.key, _value(column, time_column)
        exprs += [
            pl.col(column.name).null_count().alias(f"{key}:nulls"),
            value.min().alias(f"{key}:min"),
            value.max().alias(f"{key}:max"),
        ]
        if column.type == ColumnType.BOOLEAN:
            exprs.append(value.sum().alias(f"{key}:true"))
        if column.type == ColumnType.LONG:
            exprs.append(value.cast(pl.Int128).sum().alias(f"{key}:sum"))  # exact: no overflow
        if column.type == ColumnType.DOUBLE:
            exprs.append(value.sum().alias(f"{key}:sum"))
        if column.type == ColumnType.STRING:
            exprs += [
                (value.str.len_bytes() > 0).sum().alias(f"{key}:non_empty"),
                value.str.len_chars().sum().alias(f"{key}:length"),
            ]
        if column.name != time_column:
            exprs += check_exprs(column, value, tokens=tokens)
    return exprs


def token_sets(
    frame: pl.DataFrame | pl.LazyFrame, columns: Sequence[ColumnPlan]
) -> dict[str, set[str]]:
    """The null tokens each of `columns` holds in `frame` (rows as read), by column key.

    Only run for the columns whose token count (`{key}:tokens`) is not zero: rare."""
    return {key: found for key, (_, found) in token_tally(frame, columns).items()}


def token_tally(
    frame: pl.DataFrame | pl.LazyFrame, columns: Sequence[ColumnPlan]
) -> dict[str, tuple[int, set[str]]]:
    """How many null tokens each of `columns` holds in `frame`, and which, by column key."""
    if not columns:
        return {}
    exprs = []
    for c in columns:
        tokens = pl.col(c.name).filter(token_expr(c))
        exprs += [tokens.len().alias(f"{c.key}:n"), tokens.unique().implode().alias(c.key)]
    row = frame.lazy().select(exprs).collect(engine="streaming").row(0, named=True)
    return {c.key: (int(row[f"{c.key}:n"]), set(row[c.key])) for c in columns}


def bucket_keys(columns: Sequence[ColumnPlan], *, time_column: str | None) -> dict[str, pl.Expr]:
    """Histogram bucket of each value: fine numeric or hour buckets, or top-value index."""
    keys = {}
    for column in columns:
        value = _value(column, time_column)
        if column.type == ColumnType.TIMESTAMP:
            keys[column.key] = hour_key(value)
        elif column.type in (ColumnType.LONG, ColumnType.DOUBLE):
            keys[column.key] = fine_key(value)
        elif column.type == ColumnType.STRING and column.top_values:
            keys[column.key] = top_key(value, column.top_values)
    return keys


class Profiler:
    """Statistics of valid rows, fed one chunk at a time (see module docstring)."""

    def __init__(
        self,
        columns: Sequence[ColumnPlan],
        *,
        time_column: str | None,
        stride: int = 1,
        row_column: str | None = None,
    ) -> None:
        self._values = typed_values(columns, time_column=time_column)
        self._stats_exprs = stats_exprs(columns, time_column=time_column)
        self._keys = bucket_keys(columns, time_column=time_column)
        self._distinct = {c.key: distinct_expr(c, time_column) for c in columns}
        self._sketch = distinct.Sketch([(self._distinct[c.key], c.few_values) for c in columns])
        self._sampled = pl.col(row_column) % stride == 0 if stride > 1 and row_column else None
        self._columns = columns
        self._stats: dict[str, Any] = {}
        self._tokens: dict[str, set[str]] = {}
        self._buckets: list[pl.DataFrame] = []
        self._counted = 0  # rows the buckets were counted on

    def add(self, good: pl.DataFrame) -> None:
        frame = good.with_columns(**self._values)
        part = frame.select(self._stats_exprs).row(0, named=True)
        merge_counts(self._stats, part)
        tokened = [c for c in self._columns if part.get(f"{c.key}:tokens")]
        for key, found in token_sets(good, tokened).items():
            self._tokens.setdefault(key, set()).update(found)
        self._sketch.add(frame)
        counted = frame if self._sampled is None else frame.filter(self._sampled)
        self._counted += counted.height
        self._buckets.append(bucket_counts(counted, self._keys))
        if len(self._buckets) >= _COMPACT_EVERY:
            self._compact()

    def _compact(self) -> None:
        buckets = pl.concat(self._buckets).group_by("key", "bucket").agg(pl.col("n").sum())
        self._buckets = [buckets]

    def result(self) -> tuple[Stats, dict[str, list[tuple[float, int]]]]:
        """(the statistics; histogram buckets by column key)."""
        if self._buckets:
            self._compact()
        stats = dict(self._stats)
        stats.setdefault("rows_valid", 0)
        stats.update({f"{key}:null_tokens": found for key, found in self._tokens.items()})
        counts = distinct.estimates(self._sketch.registers(), len(self._distinct))
        for key, n in zip(self._distinct, counts, strict=True):
            has_nulls = bool(stats.get(f"{key}:nulls"))
            stats[f"{key}:distinct"] = max(0, n - has_nulls)  # null hashed as one value
        # Scale counts from the rows they were counted on up to all valid rows.
        scale = stats["rows_valid"] / self._counted if self._counted else 1.0
        buckets: dict[str, list[tuple[float, int]]] = {}
        for key, bucket, n in self._buckets[0].iter_rows() if self._buckets else ():
            buckets.setdefault(key, []).append((bucket, round(n * scale)))
        return Stats.of(stats), buckets


def column_profile(column: ColumnPlan, stats: Stats, buckets: Buckets) -> ColumnProfile:
    """The profile of one column from its statistics and fine buckets."""
    mine = stats.column(column.key)
    numeric = column.type in (ColumnType.LONG, ColumnType.DOUBLE)
    text = column.type == ColumnType.STRING
    return ColumnProfile(
        name=column.name,
        type=column.type,
        null_count=mine.nulls + mine.tokens,
        distinct_count=mine.distinct,
        min=_render(column.type, mine.min),
        max=_render(column.type, mine.max),
        histogram=_histogram(column, stats, buckets.get(column.key, [])),
        sum=_render_sum(column.type, mine.sum) if numeric else None,
        non_empty=mine.non_empty if text else None,
        total_length=mine.length if text else None,
        null_tokens=tuple(sorted(mine.null_tokens)),
    )


def _render_sum(column_type: ColumnType, total: Any) -> str:
    """Python int for LONG (exact), repr(float) for DOUBLE; 0 for a column of nulls."""
    if column_type == ColumnType.LONG:
        return str(int(total or 0))
    return repr(float(total or 0.0))


def _histogram(column: ColumnPlan, stats: Stats, buckets: list[tuple[float, int]]) -> Histogram:
    mine = stats.column(column.key)
    if column.type in (ColumnType.LONG, ColumnType.DOUBLE):
        return numeric_histogram(
            buckets, low=mine.min, high=mine.max, integral=column.type == ColumnType.LONG
        )
    if column.type == ColumnType.TIMESTAMP:
        return time_histogram(buckets)
    if column.type == ColumnType.BOOLEAN:
        present = stats.rows_valid - mine.nulls - mine.tokens
        return (("true", mine.true), ("false", present - mine.true))
    counts = dict(buckets)  # bucket = index into the top values
    return top_values_histogram(
        (value, counts.get(float(i), 0)) for i, value in enumerate(column.top_values)
    )


def _render(column_type: ColumnType, value: Any) -> str | None:
    if value is None:
        return None
    if column_type == ColumnType.TIMESTAMP:
        return iso_from_millis(int(value))
    if column_type == ColumnType.BOOLEAN:
        return "true" if value else "false"
    if column_type == ColumnType.DOUBLE:
        return f"{float(value):.15g}"
    text = str(value)
    return text if len(text) <= _MAX_TEXT else text[:_MAX_TEXT] + "…"
