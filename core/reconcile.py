"""Reconciliation: does Druid hold exactly the rows the profile describes?

After Druid reports an ingestion done, one SQL query reads back that upload's rows (every row
carries its upload id, `core.druid.spec.UPLOAD_DIMENSION`) and measures each column the way
the profile did: row count, null count; for numbers sum, min and max; for the time column
min and max; for text the count of non-empty values and the total length. Any difference
means Druid read the file differently from Sluice (a line break inside quotes cut into two
rows, `00501` read as 501, ...) and the task fails with a per-column diff a person can read.

The comparison is pure (`measures`, `reconciliation_sql`, `compare`); `reconcile_upload`
runs the query. Druid measures text length in UTF-16 units and Python in characters; Druid 25
has no REGEXP_REPLACE to count characters, so when a text column's Druid length is larger,
the rows holding characters outside the BMP (two units each) are counted: the difference is
accepted when such rows exist and there are no more of them than extra units (a weaker
check for that column's length only; nulls and non-empty counts stay exact).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Literal

from core.druid.broker import SqlParam
from core.druid.spec import UPLOAD_DIMENSION, epoch_millis
from core.model import ColumnType, Profile
from core.queries.compiler import quote_identifier

if TYPE_CHECKING:
    from core.druid.broker import DruidBroker

Kind = Literal["count", "long", "double", "millis"]

# A character outside the Basic Multilingual Plane: two UTF-16 units in Druid's LENGTH.
_ASTRAL = "[\\x{10000}-\\x{10FFFF}]"
# Druid 25 plans `x <> ''` as "x IS NOT NULL" (the empty literal becomes NULL in the
# filter), so non-empty values are counted by their length instead.
# Relative tolerance for sums of DOUBLE columns: Druid and Polars add in different orders.
DOUBLE_SUM_TOLERANCE = 1e-9
_MAX_SHOWN = 12
# One scan over the upload's rows; a large upload may take longer than a dashboard query.
TIMEOUT_MS = 300_000


@dataclass(frozen=True, slots=True)
class Measure:
    """One number both sides know: `sql` computes it in Druid, `expected` is the profile's."""

    column: str  # "" for the whole upload (row count)
    what: str  # "rows", "nulls", "sum", "min", "max", "non-empty values", "total length"
    sql: str
    expected: int | float | None
    kind: Kind


@dataclass(frozen=True, slots=True)
class Difference:
    column: str
    what: str
    expected: int | float | None
    found: int | float | None
    kind: Kind = "count"

    def describe(self) -> str:
        where = f"column {self.column}" if self.column else "the file"
        found, expected = _show(self.found, self.kind), _show(self.expected, self.kind)
        return f"{where}: {self.what} {found} in Druid vs {expected} in the file"


@dataclass(frozen=True, slots=True)
class RowDifference:
    """Rows of one column whose value Druid does not hold (core/reconcile_rows.py): how many,
    and the first of them in the upload, with what Druid holds instead when that can be told."""

    column: str
    rows: int
    row: int  # 1-based data row of the upload
    value: str | None  # as the file has it (None: empty)
    found: str | None = None  # what Druid holds instead (None: empty), when `told`
    told: bool = False

    def describe(self) -> str:
        first = f"row {self.row} {_quoted(self.value)}"
        first += f" → {_quoted(self.found)}" if self.told else " is not in Druid"
        noun = "value differs" if self.rows == 1 else "values differ"
        return f"column {self.column}: {self.rows:,} {noun}; first: {first}"


@dataclass(frozen=True, slots=True)
class Reconciliation:
    rows_expected: int
    rows_found: int
    differences: tuple[Difference, ...]
    rows: tuple[RowDifference, ...] = ()  # found on a mismatch: the first differing rows

    @property
    def matches(self) -> bool:
        return not self.differences

    @property
    def columns(self) -> tuple[str, ...]:
        """The differing columns, in order (not the row count, which is no column's)."""
        return tuple(dict.fromkeys(d.column for d in self.differences if d.column))

    def message(self) -> str:
        """What differs, for a person: the first differing row of each column where it is
        known, else which statistics differ; then what to do."""
        described = {r.column for r in self.rows}
        parts = [r.describe() for r in self.rows]
        parts += [d.describe() for d in self.differences if d.column not in described]
        shown = "; ".join(parts[:_MAX_SHOWN])
        more = len(parts) - _MAX_SHOWN
        if more > 0:
            shown += f"; and {more} more"
        return (
            f"Druid did not read the file as Sluice did, so its rows were removed again: "
            f"{shown}. Usually a value Druid reads differently (line breaks or quotes inside "
            "values, numbers with leading zeros, unusual dates). Check those columns in the "
            "file, or report it with the task id."
        )


def measures(profile: Profile, *, rows: int) -> list[Measure]:
    """What to compare for `profile`, whose `rows` valid rows went to Druid. Statistics the
    profile does not have (None) are not compared."""
    found = [Measure("", "rows", "COUNT(*)", rows, "count")]
    time = profile.timestamp
    if time.column is not None:
        found += [
            Measure(time.column, "earliest time", "TIMESTAMP_TO_MILLIS(MIN(__time))",
                    epoch_millis(time.min), "millis"),
            Measure(time.column, "latest time", "TIMESTAMP_TO_MILLIS(MAX(__time))",
                    epoch_millis(time.max), "millis"),
        ]  # fmt: skip
    for column in profile.columns:
        if column.name in (time.column, UPLOAD_DIMENSION):
            continue
        q = quote_identifier(column.name)
        found.append(Measure(column.name, "nulls", f"COUNT(*) - COUNT({q})", column.null_count,
                             "count"))  # fmt: skip
        if column.type in (ColumnType.LONG, ColumnType.DOUBLE):
            kind: Kind = "long" if column.type == ColumnType.LONG else "double"
            for what, sql, value in (
                ("sum", f"SUM({q})", column.sum),
                ("min", f"MIN({q})", column.min),
                ("max", f"MAX({q})", column.max),
            ):
                expected = None if value is None else _number(value, kind)
                if expected is not None:
                    found.append(Measure(column.name, what, sql, expected, kind))
        elif column.type == ColumnType.STRING:
            if column.non_empty is not None:
                sql = f"COUNT(*) FILTER (WHERE LENGTH({q}) > 0)"
                found.append(Measure(column.name, "non-empty values", sql, column.non_empty,
                                     "count"))  # fmt: skip
            if column.total_length is not None:
                found.append(Measure(column.name, "total length", f"SUM(LENGTH({q}))",
                                     column.total_length, "count"))  # fmt: skip
    return found


def reconciliation_sql(
    datasource: str, upload_id: str, wanted: Sequence[Measure]
) -> tuple[str, list[SqlParam]]:
    """One query measuring everything in `wanted` over the upload's rows only."""
    select = ", ".join(m.sql for m in wanted)
    return (
        f"SELECT {select} FROM {quote_identifier(datasource)} "
        f"WHERE {quote_identifier(UPLOAD_DIMENSION)} = ?",
        [SqlParam("VARCHAR", upload_id)],
    )


def compare(wanted: Sequence[Measure], found: Sequence[Any]) -> list[Difference]:
    """The measures whose Druid value (`found`, in the same order) differs from the profile."""
    differences = []
    for measure, value in zip(wanted, found, strict=True):
        got = _as_found(value, measure.kind)
        if not _same(measure, got):
            differences.append(
                Difference(measure.column, measure.what, measure.expected, got, measure.kind)
            )
    return differences


async def reconcile_upload(
    broker: DruidBroker, *, datasource: str, upload_id: str, profile: Profile, rows: int
) -> Reconciliation:
    """Measure the upload's rows in Druid and compare them with `profile` (`rows` valid rows)."""
    wanted = measures(profile, rows=rows)
    values = await _measure(broker, datasource, upload_id, wanted)
    differences = compare(wanted, values)
    # Druid counts UTF-16 units: are its extra ones characters beyond the BMP? (Only when
    # it counts more: a column Druid holds as numbers, say, counts fewer.)
    lengths = [
        d for d in differences
        if d.what == "total length" and (d.found or 0) > (d.expected or 0)
    ]  # fmt: skip
    if lengths:
        astral = [_rows_beyond_bmp(d.column) for d in lengths]
        counted = await _measure(broker, datasource, upload_id, astral)
        explained = {
            d.column
            for d, rows in zip(lengths, counted, strict=True)
            if rows and 0 < rows <= (d.found or 0) - (d.expected or 0)
        }
        differences = [d for d in differences if d not in lengths or d.column not in explained]
    return Reconciliation(rows_expected=rows, rows_found=int(values[0] or 0),
                          differences=tuple(differences))  # fmt: skip


async def _measure(
    broker: DruidBroker, datasource: str, upload_id: str, wanted: Sequence[Measure]
) -> list[Any]:
    sql, params = reconciliation_sql(datasource, upload_id, wanted)
    result = await broker.sql(sql, params, max_rows=1, timeout_ms=TIMEOUT_MS)
    return list(result.rows[0])


def _rows_beyond_bmp(column: str) -> Measure:
    q = quote_identifier(column)
    sql = f"COUNT(*) FILTER (WHERE REGEXP_LIKE(CAST({q} AS VARCHAR), '{_ASTRAL}'))"
    return Measure(column, "rows with characters beyond the BMP", sql, None, "count")


def _same(measure: Measure, found: int | float | None) -> bool:
    expected = measure.expected
    if expected is None or found is None:
        return expected is None and found is None
    if measure.kind == "double":
        tolerance = DOUBLE_SUM_TOLERANCE if measure.what == "sum" else 1e-12
        return math.isclose(found, expected, rel_tol=tolerance, abs_tol=1e-9)
    return found == expected


def _as_found(value: Any, kind: Kind) -> int | float | None:
    if value is None:  # Druid's SUM over no rows is NULL: no rows counted
        return 0 if kind == "count" else None
    return float(value) if kind == "double" else int(value)


def _number(text: str, kind: Kind) -> int | float | None:
    try:
        return float(text) if kind == "double" else int(text)
    except ValueError:  # not a number the profile can vouch for: nothing to compare
        return None


def _quoted(value: str | None) -> str:
    return "an empty value" if value is None else f"`{value}`"


def _show(value: int | float | None, kind: Kind) -> str:
    if value is None:
        return "none"
    if kind == "millis":
        moment = datetime.fromtimestamp(value / 1000, tz=UTC)
        return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")
    if isinstance(value, float):
        return repr(value)
    return str(value) if kind == "long" else f"{value:,}"
