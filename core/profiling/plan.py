"""Decide, from a sample, how each column is read and which column holds the time.

The plan is a guess: the main pass checks it against every row, and `pipeline` settles the
types (and, if a different date format reads more values, runs the pass again).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace

import polars as pl

from core.model import ColumnType, IngestOptions
from core.profiling.errors import InputRejected, RejectCode
from core.profiling.histograms import MAX_BINS
from core.profiling.readers import Source
from core.profiling.timestamps import (
    TimeFormat,
    name_rank,
    numeric_candidates,
    override_candidates,
    pattern_candidates,
    ranked_candidates,
)
from core.profiling.types import (
    ColumnPlan,
    impossible_type,
    infer_text,
    infer_typed,
    kept_as_text,
    text_expr,
)

SAMPLE_ROWS = 10_000
FEW_VALUES = 1_000  # distinct values in the sample below which a column counts as categorical
NAMED_TIME_SHARE = 0.9  # of sample values that must read as time in a column named like time
_KIND_RANK = {"native": 0, "pattern": 0, "epoch": 1, "excel": 2, "ranked": 3}


@dataclass(frozen=True)
class TimePlan:
    """The time column and its formats: the first is used, the others are counted too."""

    column: str | None = None
    formats: tuple[TimeFormat, ...] = ()
    overridden: bool = False

    @property
    def format(self) -> TimeFormat:
        return self.formats[0]


@dataclass(frozen=True)
class Plan:
    columns: tuple[ColumnPlan, ...]
    time: TimePlan
    # Rows with fewer fields than the header (row number -> field count), found by
    # `quarantine.find_short_rows` after a first pass.
    short_rows: Mapping[int, int] = field(default_factory=dict)
    stride: int = 1  # histogram buckets are counted on every `stride`-th valid row
    # Trailing columns without a name and without a value in the sample (a delimiter ending
    # every line): left out of the staged file and the profile, unless a pass finds a value.
    dropped: tuple[ColumnPlan, ...] = ()

    def column(self, name: str) -> ColumnPlan:
        return next(c for c in self.columns if c.name == name)

    def with_time(self, time: TimePlan) -> Plan:
        columns = tuple(
            c.with_type(ColumnType.TIMESTAMP, time.formats) if c.name == time.column else c
            for c in self.columns
        )
        return replace(self, columns=columns, time=time)


def make_plan(source: Source, sample: pl.DataFrame, *, options: IngestOptions) -> Plan:
    """Plan every column from `sample` (usable rows only) and pick the time column."""
    if source.format == "csv":
        types = infer_text(sample)
    else:
        types = {name: infer_typed(sample.get_column(name)) for name in source.columns}
    texts = _text_summary(source, sample)
    columns = []
    for i, name in enumerate(source.columns):
        column_type, formats = types[name]
        top, distinct = texts[name]
        few = len(distinct) <= FEW_VALUES
        planned = ColumnPlan(
            name,
            f"c{i}",
            source.schema[name],
            column_type,
            formats,
            top,
            few,
            distinct if few else (),
            kept_as_text(sample.get_column(name)) if column_type == ColumnType.STRING else None,
        )
        columns.append(_as_requested(planned, options, sample))
    _check_requested(source, options)
    kept = len(columns)
    while kept and columns[kept - 1].name in source.unnamed:
        if sample.get_column(columns[kept - 1].name).null_count() < sample.height:
            break
        kept -= 1
    plan = Plan(tuple(columns[:kept]), TimePlan(), dropped=tuple(columns[kept:]))
    if options.timestamp_column is not None:
        return plan.with_time(_override(source, sample, options.timestamp_column))
    time = _detect(plan, sample)
    return plan.with_time(time) if time.column is not None else plan


def _as_requested(plan: ColumnPlan, options: IngestOptions, sample: pl.DataFrame) -> ColumnPlan:
    """The column with the type the person asked for, if any; `kept_as_text` then says what
    a numeric type loses (the profile's warning: "converted at your request")."""
    requested = options.requested_type(plan.name)
    if requested is None:
        return plan
    if requested == ColumnType.LONG and plan.dtype.is_float():
        raise impossible_type(plan.with_type(requested))
    values = sample.get_column(plan.name)
    loses = kept_as_text(values) if requested != ColumnType.STRING and plan.is_text else None
    if isinstance(plan.dtype, pl.Decimal) and requested == ColumnType.DOUBLE:
        loses = kept_as_text(values)
    return replace(plan.with_type(requested), requested=True, kept_as_text=loses)


def _check_requested(source: Source, options: IngestOptions) -> None:
    unknown = [r.column for r in options.column_types if r.column not in source.columns]
    if unknown:
        raise _no_such_column(
            source,
            RejectCode.COLUMN_NOT_FOUND,
            f"A type was set for the column '{unknown[0]}'",
            "Correct the name in the column types (or remove it) and upload again.",
        )


def _no_such_column(source: Source, code: RejectCode, what: str, hint: str) -> InputRejected:
    """An option named a column the file does not have: which columns it has."""
    listed = ", ".join(f"'{c}'" for c in source.columns[:30])
    return InputRejected(
        code,
        f"{what}, but the file has no column with that name. Its columns are {listed}. {hint}",
    )


def _text_summary(
    source: Source, sample: pl.DataFrame
) -> dict[str, tuple[tuple[str, ...], tuple[str, ...]]]:
    """Per column: its most frequent sample values (kept for every column: one that turns out
    to be text after all still needs them) and up to `FEW_VALUES + 1` distinct values."""
    exprs = []
    for i, name in enumerate(source.columns):
        text = text_expr(name, source.schema[name])
        counts = text.drop_nulls().value_counts(sort=True, name="__n").head(MAX_BINS)
        exprs += [
            text.drop_nulls().unique().head(FEW_VALUES + 1).implode().alias(f"{i}:values"),
            counts.struct.field(name).implode().alias(f"{i}:top"),
        ]
    row = sample.select(exprs).row(0, named=True) if exprs else {}
    return {
        name: (tuple(row[f"{i}:top"]), tuple(row[f"{i}:values"]))
        for i, name in enumerate(source.columns)
    }


def _detect(plan: Plan, sample: pl.DataFrame) -> TimePlan:
    """Prefer time-like names, then readable text or native dates, then epoch, then serials.

    A column named like time may have some unreadable values (they are quarantined); any
    other column must read entirely as time to be taken for it.
    """
    found: list[tuple[tuple[int, int, int], TimePlan]] = []
    for i, column in enumerate(plan.columns):
        if column.requested:  # the person gave it a type that is not time
            continue
        rank = name_rank(column.name)
        values = sample.get_column(column.name)
        formats = column.time_formats if column.type == ColumnType.TIMESTAMP else ()
        if not formats and rank <= 1:
            formats = (
                pattern_candidates(values, min_share=NAMED_TIME_SHARE)
                or numeric_candidates(values, min_share=NAMED_TIME_SHARE)
                or ranked_candidates(values, min_share=NAMED_TIME_SHARE)
            )
        if formats:
            found.append(((rank, _KIND_RANK[formats[0].kind], i), TimePlan(column.name, formats)))
    return min(found, key=lambda item: item[0])[1] if found else TimePlan()


def _override(source: Source, sample: pl.DataFrame, name: str) -> TimePlan:
    if name not in source.columns:
        raise _no_such_column(
            source,
            RejectCode.TIMESTAMP_COLUMN_NOT_FOUND,
            f"The time column was set to '{name}'",
            "Pick one of them (or leave the setting empty to detect it) and upload again.",
        )
    values = sample.get_column(name)
    formats = override_candidates(values)
    if not formats:
        raise unparseable_time(name, values.drop_nulls().head(3).cast(pl.String).to_list())
    return TimePlan(name, formats, overridden=True)


def unparseable_time(name: str, examples: list[str]) -> InputRejected:
    """The chosen time column holds nothing that reads as a time."""
    shown = ", ".join(f"'{e}'" for e in examples) if examples else "only empty cells"
    return InputRejected(
        RejectCode.TIMESTAMP_COLUMN_UNPARSEABLE,
        f"None of the values in the time column '{name}' can be read as a date or time "
        f"(it has {shown}). Sluice reads ISO-8601 (2024-01-31 or 2024-01-31T12:00:00Z), "
        "31/01/2024, 01/31/2024, 2024/01/31, 31.01.2024, epoch seconds/milliseconds/"
        "microseconds/nanoseconds and Excel serial dates. Fix the column or choose another "
        "one, and upload again.",
    )
