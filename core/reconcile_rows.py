"""Which rows differ: the first row of each differing column whose value Druid lacks.

Reconciliation (core/reconcile.py) compares statistics, which say *that* a column differs.
On a mismatch (rare, so the cost of reading the data again is fine) this names a row a
person can look up: for each differing column, Druid's values counted over the upload's rows
(one `GROUP BY`) against the same count over the files Druid read (a streaming Polars
group-by, memory bounded by the column's distinct values), and the first row in file order
whose value Druid holds fewer times than the file does: "column zip: 3 values differ; first:
row 12 `00501` → `501`". Values are compared as the profile types them (numbers as numbers,
so `1e3` and `1000.0` are one value), the time column as epoch milliseconds.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl

from core.druid.broker import DruidBroker, SqlParam
from core.druid.spec import UPLOAD_DIMENSION
from core.model import ColumnType, Profile
from core.profiling.timestamps import time_format
from core.queries.compiler import quote_identifier
from core.reconcile import TIMEOUT_MS, RowDifference

Counts = dict[str | None, tuple[int, int]]  # value -> (rows, first row); Druid: first row 0


@dataclass(frozen=True, slots=True)
class SentRows:
    """The rows Sluice sent to Druid, as local files: the staged parts, or the upload itself."""

    paths: tuple[Path, ...]
    columns: tuple[str, ...]  # in file order
    header_rows: int = 1  # lines before the first row, in every file
    reads_upload: bool = False  # the upload itself: its time column is text, not milliseconds
    quarantined: tuple[int, ...] = ()  # the upload's rows set aside, to number rows as it does
    delimiter: str = ","  # between values (an upload Druid reads may have another)


async def first_differences(
    broker: DruidBroker,
    *,
    datasource: str,
    upload_id: str,
    profile: Profile,
    sent: SentRows,
    columns: Sequence[str],
) -> list[RowDifference]:
    """The first differing row of each of `columns` that has one."""
    found = []
    for column in columns:
        if column not in sent.columns:
            continue
        in_druid = await _druid_counts(broker, datasource, upload_id, column, profile)
        in_file = await asyncio.to_thread(_file_counts, sent, column, profile)
        difference = first_difference(column, in_file, in_druid, quarantined=sent.quarantined)
        if difference is not None:
            found.append(difference)
    return found


def first_difference(
    column: str, in_file: Counts, in_druid: Counts, *, quarantined: Sequence[int] = ()
) -> RowDifference | None:
    """Compare the value counts of one column; the first file row whose value Druid holds
    fewer times, with the value Druid holds instead when one stands out."""
    lacking = {v: n - in_druid.get(v, (0, 0))[0] for v, (n, _) in in_file.items()}
    lacking = {v: n for v, n in lacking.items() if n > 0}
    if not lacking:
        return None
    value = min(lacking, key=lambda v: in_file[v][1])
    extra = [v for v, (n, _) in in_druid.items() if n > in_file.get(v, (0, 0))[0]]
    instead = _instead(value, extra)
    return RowDifference(
        column=column,
        rows=sum(lacking.values()),
        row=upload_row(in_file[value][1], quarantined),
        value=value,
        found=instead[0] if instead else None,
        told=bool(instead),
    )


def upload_row(sent_row: int, quarantined: Sequence[int]) -> int:
    """The upload's row number of the `sent_row`-th row sent (both 1-based), given the rows
    set aside before it."""
    row = sent_row
    for skipped in sorted(quarantined):
        if skipped > row:
            break
        row += 1
    return row


def _instead(value: str | None, extra: Sequence[str | None]) -> tuple[str | None] | None:
    """What Druid holds in place of `value` (in a 1-tuple: it may be null), if it can be
    told: an extra value equal to it as a number (`00501` read as 501) or written the same
    apart from blanks, else the only extra value."""
    for candidate in extra:
        if _loosely(value) == _loosely(candidate) and value != candidate:
            return (candidate,)
    return (extra[0],) if len(extra) == 1 else None


def _loosely(value: str | None) -> object:
    if value is None:
        return None
    try:
        return float(value)
    except ValueError:
        return value.strip()


def _kind(column: str, profile: Profile) -> str:
    if column == profile.timestamp.column:
        return "long"
    types = {c.name: c.type for c in profile.columns}
    kinds = {ColumnType.LONG: "long", ColumnType.DOUBLE: "double"}
    return kinds.get(types.get(column, ColumnType.STRING), "text")


def _key(value: Any, kind: str) -> str | None:
    """One text per value as the profile types it: numbers in canonical form."""
    if value is None:
        return None
    try:
        if kind == "long":
            return str(int(value))
        if kind == "double":
            return repr(float(value))
    except (TypeError, ValueError):
        pass  # Druid holds something else than the profile's type: compare the text
    return repr(value) if isinstance(value, float) else str(value)


async def _druid_counts(
    broker: DruidBroker, datasource: str, upload_id: str, column: str, profile: Profile
) -> Counts:
    value = (
        "TIMESTAMP_TO_MILLIS(__time)"
        if column == profile.timestamp.column
        else quote_identifier(column)
    )
    sql = (
        f"SELECT {value}, COUNT(*) FROM {quote_identifier(datasource)} "
        f"WHERE {quote_identifier(UPLOAD_DIMENSION)} = ? GROUP BY 1"
    )
    result = await broker.sql(sql, [SqlParam("VARCHAR", upload_id)], timeout_ms=TIMEOUT_MS)
    return _merged(((v, int(n), 0) for v, n in result.rows), _kind(column, profile))


def _file_counts(sent: SentRows, column: str, profile: Profile) -> Counts:
    frames = [
        pl.scan_csv(
            path,
            has_header=False,
            skip_rows=sent.header_rows,
            separator=sent.delimiter,
            new_columns=list(sent.columns),
            infer_schema=False,
        ).select(column)
        for path in sent.paths
    ]
    value = pl.col(column)
    time = profile.timestamp
    if column == time.column and sent.reads_upload and time.source_format:
        value = time_format(time.source_format).to_millis(value).cast(pl.String)
    counted = (
        pl.concat(frames)
        .with_row_index("row", offset=1)
        .group_by(value.alias("value"))
        .agg(n=pl.len(), first=pl.col("row").min())
        .collect(engine="streaming")
    )
    return _merged(counted.iter_rows(), _kind(column, profile))


def _merged(rows: Any, kind: str) -> Counts:
    """Counts per canonical value (`1e3` and `1000` are one DOUBLE), first rows kept."""
    counts: Counts = {}
    for value, n, first in rows:
        key = _key(value, kind)
        seen, earliest = counts.get(key, (0, first))
        counts[key] = (seen + n, min(earliest, first))
    return counts
