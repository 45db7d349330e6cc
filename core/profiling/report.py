"""Words for people: warnings in the profile and the message when no row is usable."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import polars as pl

from core.model import ColumnType, TimestampInfo
from core.profiling.errors import InputRejected, RejectCode
from core.profiling.plan import SAMPLE_ROWS, Plan, unparseable_time
from core.profiling.readers import Source
from core.profiling.stats import RowCounts, Stats
from core.profiling.timestamps import iso_from_millis
from core.profiling.types import ColumnPlan
from core.quarantine import REASON_COLUMN, ROW_COLUMN

_ENCODING_NAMES = {"cp1252": "Windows-1252", "latin-1": "Latin-1 (ISO-8859-1)"}


def timestamp_info(
    source: Source, plan: Plan, stats: Stats, *, druid_format: str = "millis"
) -> TimestampInfo:
    """How Druid finds time in the file it reads: `druid_format` (epoch millis in a staged
    file), or a constant."""
    column = plan.time.column
    if column is None:
        return TimestampInfo(column=None)
    key = plan.column(column).key
    fmt = plan.time.format
    if fmt.kind == "native":
        label = "date" if source.schema[column] == pl.Date else "datetime"
    else:
        label = fmt.label
    return TimestampInfo(
        column=column,
        druid_format=druid_format,
        source_format=label,
        min=iso_from_millis(stats.column(key).min),
        max=iso_from_millis(stats.column(key).max),
    )


def reasons(counts: RowCounts) -> str:
    """'3 empty, 2 with too many fields, ...' for the quarantined rows."""
    parts = [
        (counts.empty, "empty"),
        (counts.too_many, "with too many fields"),
        (counts.too_few, "with too few fields"),
        (counts.line_breaks, "with a line break inside a value"),
        (counts.time_missing, "with no timestamp"),
        (counts.time_unreadable, "with a timestamp that cannot be read"),
    ]
    return ", ".join(f"{n:,} {what}" for n, what in parts if n)


def summarize(
    source: Source, plan: Plan, counts: RowCounts, changed: list[ColumnPlan]
) -> tuple[str, ...]:
    """Warnings worth a person's attention, most important first."""
    notes = []
    if counts.bad:
        notes.append(
            f"{counts.bad:,} of {counts.rows:,} rows were quarantined ({reasons(counts)}). "
            "The quarantine file lists each one with its reason."
        )
    dropped = {c.name for c in plan.dropped}
    for name in source.unnamed:
        position = source.columns.index(name) + 1
        if name in dropped:
            notes.append(
                f"Column {position} has no name and no value in any row (the lines end in a "
                "delimiter); it was left out."
            )
        else:
            notes.append(
                f"Column {position} has no name in the header row, so it was named '{name}'. "
                "Give it a name in the first row to choose another."
            )
    if source.dropped:
        notes.append(
            f"Column(s) {', '.join(source.dropped)} were left out: columns named _sluice_… are "
            "Sluice's notes in a quarantine file (which row, and why), never dataset columns."
        )
    if source.encoding in _ENCODING_NAMES:
        notes.append(
            f"The file is not UTF-8; it was read as {_ENCODING_NAMES[source.encoding]}. Check "
            "that accented letters look right."
        )
    if plan.time.column is None:
        notes.append(
            "No time column was found, so every row gets the constant time "
            f"{TimestampInfo(column=None).constant}. Name one with the timestamp column option "
            "to use it."
        )
    else:
        notes += _ambiguous_dates(plan, counts)
    for column in plan.columns:
        if column.requested:
            notes.append(_requested(column))
        elif column.kept_as_text and column.type == ColumnType.STRING:
            notes.append(
                f"Column '{column.name}' looks numeric but is kept as text, exactly as "
                f"written: {column.kept_as_text}."
            )
    planned = {c.name: c.type for c in plan.columns}
    for column in changed:
        if plan.column(column.name).dtype == pl.UInt64:
            notes.append(
                f"Column '{column.name}' holds whole numbers beyond the range of a 64-bit "
                "integer (Druid's LONG), so it is kept as text, exactly as written."
            )
        elif column.type != planned[column.name]:
            notes.append(
                f"Column '{column.name}' looked like {planned[column.name]} in the first "
                f"{SAMPLE_ROWS:,} rows, but later values do not fit, so it is {column.type}."
            )
    return tuple(notes)


def _requested(column: ColumnPlan) -> str:
    """The validation report's line for a type the person chose."""
    note = f"Column '{column.name}' is {column.type}, converted at your request"
    if column.kept_as_text and column.type != ColumnType.STRING:
        return f"{note}; as text it would stay exact: {column.kept_as_text}."
    return f"{note}."


def _ambiguous_dates(plan: Plan, counts: RowCounts) -> list[str]:
    chosen = counts.time_unread
    ties = [
        f.label
        for i, f in enumerate(plan.time.formats[1:], start=1)
        if counts.time_misfits[i - 1] == chosen
    ]
    if not ties:
        return []
    return [
        f"Every date in '{plan.time.column}' can be read as {plan.time.format.label} and also "
        f"as {' or '.join(ties)}; Sluice used {plan.time.format.label}. If that is wrong, change "
        "the dates to ISO-8601 (YYYY-MM-DD) and upload again."
    ]


def rejection_for_no_rows(
    source: Source, plan: Plan, counts: RowCounts, quarantine: Path | None
) -> InputRejected:
    """Every row was quarantined: say why, with the first row's reason as an example."""
    first = _first_quarantined(quarantine)
    column = plan.time.column
    shaped = counts.rows - counts.empty - counts.too_many - counts.too_few - counts.line_breaks
    if column is not None and plan.time.overridden and shaped > 0 and counts.time_unread == shaped:
        examples = [row[column] for row in first if row[column] is not None]
        return unparseable_time(column, examples)
    example = ""
    if first:
        example = f" For example, row {first[0][ROW_COLUMN]}: {first[0][REASON_COLUMN]}."
    return InputRejected(
        RejectCode.NO_VALID_ROWS,
        f"None of the {counts.rows:,} rows can be loaded ({reasons(counts)}).{example} "
        "Fix the file and upload it again.",
    )


def _first_quarantined(quarantine: Path | None) -> list[dict[str, Any]]:
    if quarantine is None or not quarantine.exists():
        return []
    return pl.read_csv(quarantine, infer_schema=False, n_rows=3).rows(named=True)
