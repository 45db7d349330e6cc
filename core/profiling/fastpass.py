"""The fast pass: a clean CSV file's whole profile from one scan, inside the Polars engine.

Most uploads have no bad row and no value that misfits its planned type. For those, the
per-chunk work of the main pass (mainpass.py: split rows, write staged and quarantine CSV,
fold statistics chunk by chunk in Python) buys nothing. Here one streaming aggregation
takes every count and statistic the main pass takes (the same expressions: `count_exprs`,
`stats_exprs`, reading values by the one definition of values.py; Polars' own parsing while
reading would take `007` and `" 5"` for numbers), and a row with too many fields raising
(strict scan) instead of filling extra columns.
Histogram buckets of a large file are counted on rows spread over it (spread.py); those of a
small one on every row, by a second query sharing the scan (both are reductions, so the
shared scan never waits on a slow consumer and memory stays flat).

Distinct counts come from Polars' own HyperLogLog, which in the streaming engine has 256
registers (about 6.5% standard error; the main pass's sketch has 4,096, 1.6%, but fed batch
by batch it cost more than the rest of this pass): a column whose every value appears in
the planning sample is counted exactly instead.

The result is only used when the counts prove the file clean (`Clean`); otherwise the caller
runs the main pass, which quarantines, settles types and stages row by row. Files with bad
rows therefore pay for one extra scan (unless the sample already shows them: pipeline.py);
clean ones, the common case, skip the costly pass.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import polars as pl

from core.profiling.direct import LineCheck
from core.profiling.histograms import bucket_counts, bucket_counts_lazy
from core.profiling.plan import Plan
from core.profiling.profile import (
    bucket_keys,
    count_exprs,
    distinct_expr,
    stats_exprs,
    token_tally,
    typed_values,
)
from core.profiling.quarantine import BAD, annotate, find_short_rows
from core.profiling.readers import Source
from core.profiling.spread import spread_sample
from core.profiling.stats import RowCounts, Stats
from core.profiling.types import ColumnPlan

_SEED = 0x5EED
_MISFITS = (
    ":misfit_long",
    ":misfit_double",
    ":misfit_inexact",
    ":misfit_boolean",
    ":misfit_time0",
)


@dataclass(frozen=True)
class Clean:
    """Counts and statistics of a file whose every row is valid as planned."""

    counts: RowCounts  # with `extra`: the caller's aggregates
    stats: Stats
    buckets: dict[str, list[tuple[float, int]]]


def fast_pass(
    source: Source, plan: Plan, *, extra: Sequence[pl.Expr] = (), lines: LineCheck | None = None
) -> Clean | None:
    """The profile of `source` from one scan, or None when some row needs the main pass.

    `extra` aggregates (over all rows) are taken along into `Clean.counts`; `lines` may
    have counted short rows already (else `find_short_rows` does, when rows may be short)."""
    sample = _spread_rows(source, plan)
    if sample is not None and sample.get_column(BAD).any():
        return None  # rows spread over the file are bad: the main pass would follow anyway
    time_column = plan.time.column
    values = typed_values(plan.columns, time_column=time_column)
    scan = source.scan(strict=True)
    frame = annotate(source, plan, scan=scan, row_index=False)
    frame = frame.with_columns(**values)
    row_counts = [*count_exprs(source, plan), *extra]
    aggregates = [
        *row_counts,
        *stats_exprs(plan.columns, time_column=time_column, tokens=False),
        *_distinct_exprs(plan, frame.collect_schema()),
    ]
    queries = [frame.select(aggregates)]
    keys = bucket_keys(plan.columns, time_column=time_column)
    if keys and sample is None:  # a small file or not CSV: count every row
        queries.append(bucket_counts_lazy(frame, keys))
    try:
        done = pl.collect_all(queries, engine="streaming")
    except (pl.exceptions.ComputeError, pl.exceptions.SchemaError):
        return None  # a value did not parse as its planned type (or worse): the main pass
    totals = _without_tokens(done[0].row(0, named=True), plan, scan)
    if not _clean(totals) or (totals.get("short_suspects") and _short_rows(source, lines)):
        return None
    counted_rows = {name: totals.pop(name) for name in (e.meta.output_name() for e in row_counts)}
    counts = RowCounts.of(counted_rows, extra=(e.meta.output_name() for e in extra))
    stats = Stats.of(_settled_stats(totals, plan))
    if sample is not None and keys:
        counted = sample.lazy().filter(~pl.col(BAD)).with_columns(**values).collect()
        buckets = _scaled(bucket_counts(counted, keys), counts.rows / max(1, counted.height))
    else:
        buckets = _scaled(done[1], 1.0) if len(done) > 1 else {}
    return Clean(counts, stats, buckets)


def _spread_rows(source: Source, plan: Plan) -> pl.DataFrame | None:
    """Rows from all over a large CSV (spread.py), annotated: they count the histograms,
    and when some are bad, the fast pass is skipped (a file whose first bad row comes after
    the planning sample paid for the whole fast pass before its main pass)."""
    sample = spread_sample(source)
    if sample is None:
        return None
    return annotate(source, plan, scan=sample.lazy(), row_index=False).collect()


def _short_rows(source: Source, lines: LineCheck | None) -> bool:
    counted = None if lines is None else lines.short_rows()
    return bool(find_short_rows(source)) if counted is None else counted > 0


def _distinct_exprs(plan: Plan, schema: pl.Schema) -> list[pl.Expr]:
    """Distinct counts: Polars' HyperLogLog estimate (of a seeded hash: Polars' default
    hashing came out less even under the streaming engine, 5% off at 2 M values against
    0.5%), and for a column with few sample values, how many values the sample did not
    hold: none means the count is exactly the sample's."""
    exprs = []
    time_column = plan.time.column
    for column in plan.columns:
        value = distinct_expr(column, time_column)
        exprs.append(value.hash(_SEED).approx_n_unique().alias(f"{column.key}:distinct_raw"))
        if column.few_values and (column.is_text or column.dtype.is_numeric()):
            known = (
                pl.Series(column.sample_values, dtype=pl.String)
                .cast(schema[column.name], strict=False)
                .drop_nulls()
            )
            unseen = value.is_not_null() & ~value.is_in(known.implode())
            exprs.append(unseen.sum().alias(f"{column.key}:unseen"))
    return exprs


def _without_tokens(totals: dict[str, Any], plan: Plan, scan: pl.LazyFrame) -> dict[str, Any]:
    """`totals` with null tokens told apart from misfits: the scan counted them as misfits
    (`is_in` on every value cost 13% of this pass), so columns with some are counted again
    (a projected scan; most files have none)."""

    def misfits(column: ColumnPlan) -> list[str]:
        prefix = f"{column.key}:misfit_"
        return [n for n in totals if n.startswith(prefix) and n != f"{prefix}inexact"]

    suspects = [c for c in plan.columns if any(totals[n] for n in misfits(c))]
    tally = token_tally(scan, suspects)
    for column in suspects:
        count, found = tally[column.key]
        for name in misfits(column):
            totals[name] -= count
        totals[f"{column.key}:tokens"], totals[f"{column.key}:null_tokens"] = count, found
    return totals


def _clean(totals: Mapping[str, Any]) -> bool:
    if totals["bad"] or totals["rows"] != totals["rows_valid"] or totals.get("dropped_values"):
        return False
    return not any(value for name, value in totals.items() if name.endswith(_MISFITS))


def _settled_stats(totals: dict[str, Any], plan: Plan) -> dict[str, Any]:
    """Statistics named as `Profiler.result()` names them (null is one HyperLogLog value)."""
    stats = dict(totals)
    for column in plan.columns:
        key = column.key
        estimate = int(stats.pop(f"{key}:distinct_raw")) - bool(stats.get(f"{key}:nulls"))
        unseen = stats.pop(f"{key}:unseen", None)
        seen = len(column.sample_values)
        if unseen == 0:
            stats[f"{key}:distinct"] = seen
        else:  # with unseen values there are more than the sample's, whatever the estimate
            stats[f"{key}:distinct"] = max(estimate, seen + 1 if unseen else 0)
    return stats


def _scaled(counted: pl.DataFrame, scale: float) -> dict[str, list[tuple[float, int]]]:
    buckets: dict[str, list[tuple[float, int]]] = {}
    for key, bucket, n in counted.iter_rows():
        buckets.setdefault(key, []).append((bucket, round(n * scale)))
    return buckets
