"""Which rows cannot be staged, and why: the row-state columns every pass adds.

A row is quarantined when it is empty, has a different number of fields than the header,
or (when a time column is used) its timestamp is missing or unreadable. Nothing is dropped:
`rows_total == rows_valid + rows_quarantined` holds by construction, since staged and
quarantined rows are the two sides of one filter.
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

import polars as pl

from core.profiling.plan import Plan
from core.profiling.readers import Source
from core.profiling.timestamps import is_leap_second
from core.profiling.types import text_expr
from core.profiling.values import NULL_TOKENS
from core.quarantine import EXTRA_COLUMN_PREFIX, REASON_COLUMN, ROW_COLUMN

ROW = "__sluice_row"
MILLIS = "__sluice_millis"
FIELDS = "__sluice_fields"  # the row's field count when it exceeds the header's
SHORT = "__sluice_short"  # the row has fewer fields than the header (see find_short_rows)
EMPTY = "__sluice_empty"
BROKEN = "__sluice_broken"  # a value holds a line break (Druid reads CSV line by line)
BAD = "__sluice_bad"


def annotate(
    source: Source, plan: Plan, *, scan: pl.LazyFrame | None = None, row_index: bool = True
) -> pl.LazyFrame:
    """The source scan (or `scan`, read like it) plus row number, epoch-millisecond time and
    the row's state.

    Without `row_index` (no row numbers: the fast pass) known short rows cannot be marked;
    the plan must have none.
    """
    scan = source.scan() if scan is None else scan
    present = set(scan.collect_schema().names())
    extras = [n for n in source.extra_columns if n in present]  # none in a strict scan
    short = pl.Series(sorted(plan.short_rows), dtype=pl.UInt32)
    states: dict[str, pl.Expr] = {
        EMPTY: pl.all_horizontal([pl.col(n).is_null() for n in [*source.columns, *extras]]),
        FIELDS: _field_count(len(source.columns), extras),
        SHORT: pl.col(ROW).is_in(short) if plan.short_rows else pl.lit(False),
    }
    if plan.time.column is not None:
        states[MILLIS] = plan.time.format.to_millis(pl.col(plan.time.column))
    bad = pl.col(EMPTY) | pl.col(FIELDS).is_not_null() | pl.col(SHORT) | pl.col(BROKEN)
    if plan.time.column is not None:
        bad = bad | pl.col(MILLIS).is_null()
    if row_index:
        scan = scan.with_row_index(ROW, offset=1)
        texts = [text_expr(n, source.schema[n]) for n in source.columns]
        breaks = [t.str.contains("[\r\n]").fill_null(False) for t in texts]
        states[BROKEN] = pl.any_horizontal(breaks) if breaks else pl.lit(False)
    else:
        # (the fast pass: its file is proven to hold one line per row, `direct.LineCheck`)
        assert not plan.short_rows, "short rows are marked by row number"
        states[SHORT] = pl.lit(False)
        states[BROKEN] = pl.lit(False)
    return scan.with_columns(**states).with_columns(bad.alias(BAD))


def _field_count(width: int, extras: list[str]) -> pl.Expr:
    count = pl.lit(None, dtype=pl.Int64)
    # The last extra column that holds a value tells how many fields the row has.
    for k, extra in enumerate(extras, start=1):
        beyond = pl.lit(width + k, pl.Int64)
        count = pl.when(pl.col(extra).is_not_null()).then(beyond).otherwise(count)
    return count


def quarantine_exprs(source: Source, plan: Plan) -> list[pl.Expr]:
    """What to select from bad rows: the row's values under the upload's columns, then
    `_sluice_row`, `_sluice_reason` and the extra fields (core/quarantine.py: the layout a
    person can fix and upload again)."""
    extras = [
        pl.col(e).alias(f"{EXTRA_COLUMN_PREFIX}{i}")
        for i, e in enumerate(source.extra_columns, start=1)
    ]
    return [
        *(text_expr(name, source.schema[name]) for name in source.columns),
        pl.col(ROW).alias(ROW_COLUMN),
        _reason(source, plan).alias(REASON_COLUMN),
        *extras,
    ]


def drop_unused_extras(path: Path, *, used: set[str]) -> None:
    """Rewrite the quarantine file at `path` without the extra-field columns no row filled
    (one streaming pass, only when there are such columns)."""
    names = pl.scan_csv(path, infer_schema=False).collect_schema().names()
    unused = [n for n in names if n.startswith(EXTRA_COLUMN_PREFIX) and n not in used]
    if not unused:
        return
    kept = path.with_suffix(".kept.csv")
    pl.scan_csv(path, infer_schema=False).drop(unused).sink_csv(kept)
    kept.replace(path)


def _reason(source: Source, plan: Plan) -> pl.Expr:
    width = len(source.columns)
    cases: list[tuple[pl.Expr, pl.Expr]] = [(pl.col(EMPTY), pl.lit("row is empty"))]
    if source.extra_columns:
        most = width + len(source.extra_columns)
        cases.append(
            (pl.col(FIELDS) >= most, pl.lit(f"row has {most} or more fields, header has {width}"))
        )
    cases.append(
        (
            pl.col(FIELDS).is_not_null(),
            pl.concat_str(
                pl.lit("row has "),
                pl.col(FIELDS).cast(pl.String),
                pl.lit(f" fields, header has {width}"),
            ),
        )
    )
    if plan.short_rows:
        # Only evaluated on the (few) bad rows: replace_strict is not a streaming operation.
        rows, fields = zip(*sorted(plan.short_rows.items()), strict=True)
        count = pl.col(ROW).replace_strict(
            pl.Series(rows, dtype=pl.UInt32), pl.Series([str(f) for f in fields]), default=None
        )
        cases.append(
            (
                pl.col(SHORT),
                pl.concat_str(pl.lit("row has "), count, pl.lit(f" fields, header has {width}")),
            )
        )
    cases.append(
        (
            pl.col(BROKEN),
            pl.lit(
                "a value holds a line break, which Druid would cut into two rows; remove the "
                "line breaks inside values and upload the rows again"
            ),
        )
    )
    reason: pl.Expr = pl.lit(None, dtype=pl.String)
    column = plan.time.column
    if column is not None:
        raw = pl.col(column)
        cases.append((raw.is_null(), pl.lit(f"timestamp column '{column}' is empty")))
        if plan.column(column).is_text:
            cases += [
                (
                    raw.is_in(NULL_TOKENS),
                    pl.concat_str(
                        pl.lit(f"timestamp column '{column}' is empty ("), raw, pl.lit(")")
                    ),
                ),
                (
                    is_leap_second(raw),
                    pl.concat_str(
                        pl.lit("timestamp '"),
                        raw,
                        pl.lit(
                            f"' in column '{column}' is a leap second, which Druid cannot store "
                            "(its times have none)"
                        ),
                    ),
                ),
            ]
        expected = plan.time.format.expectation()
        reason = pl.concat_str(
            pl.lit("timestamp '"),
            text_expr(column, source.schema[column]),
            pl.lit(f"' in column '{column}' is not a valid date ({expected})"),
        )
    for condition, message in reversed(cases):  # the first matching case gives the reason
        reason = pl.when(condition).then(message).otherwise(reason)
    return reason


def find_short_rows(source: Source) -> dict[int, int]:
    """Rows with fewer fields than the header: row number -> field count.

    Polars fills missing trailing fields with nulls, indistinguishable from empty ones, so
    this counts delimiters per line instead (outside quotes), one pass over the raw lines.
    A quoted field spanning lines breaks the line = row mapping; then Python's csv module
    counts the fields instead (slower, but exact).
    """
    delimiter, width = source.delimiter or ",", len(source.columns)
    line = pl.col("line")
    plain = line.str.count_matches(delimiter, literal=True)
    unquoted = unquoted_delimiters(line, delimiter)
    quotes = line.str.count_matches('"', literal=True)
    short: dict[int, int] = {}
    spans_lines = False

    def collect(chunk: pl.DataFrame) -> bool:
        nonlocal spans_lines
        if chunk.get_column("odd").any():
            spans_lines = True
            return True  # stop: the line numbers no longer match rows
        found = chunk.filter(pl.col("fields") < width)
        short.update(
            zip(
                found.get_column("row").to_list(), found.get_column("fields").to_list(), strict=True
            )
        )
        return False

    (
        pl.scan_csv(
            source.path,
            has_header=False,
            separator="\x00",
            quote_char=None,
            schema={"line": pl.String},
        )
        .with_row_index("index")
        .with_columns(row=pl.col("index").cast(pl.Int64) - (source.header_lines - 1))
        .filter((pl.col("row") > 0) & line.is_not_null())  # data rows count from 1
        .with_columns(quotes=quotes, plain=plain)
        # Only quoted lines need the (slower) regex; others are short iff few delimiters.
        .filter((pl.col("quotes") > 0) | (pl.col("plain") + 1 < width))
        .select(
            "row",
            fields=pl.when(pl.col("quotes") > 0).then(unquoted).otherwise(pl.col("plain")) + 1,
            odd=pl.col("quotes") % 2 == 1,
        )
        .sink_batches(collect, chunk_size=1_000_000)
    )
    return _short_rows_by_csv_module(source) if spans_lines else short


def unquoted_delimiters(line: pl.Expr, delimiter: str) -> pl.Expr:
    """Delimiters in a raw line outside its quoted values (those within the line)."""
    return line.str.replace_all(r'"[^"]*"', "").str.count_matches(delimiter, literal=True)


def short_lines(line: pl.Expr, *, delimiter: str, width: int) -> pl.Expr:
    """How many non-empty raw lines have fewer fields than `width`: as many short rows when
    every line holds one row (`find_short_rows` for the general case). The quote-aware
    count (a regex) only for lines with a quote."""
    quoted = line.str.contains('"', literal=True)
    plain = line.filter(~quoted & (line.str.len_bytes() > 0))
    few = (plain.str.count_matches(delimiter, literal=True) + 1 < width).sum()
    return few + (unquoted_delimiters(line.filter(quoted), delimiter) + 1 < width).sum()


def _short_rows_by_csv_module(source: Source) -> dict[int, int]:
    width, short = len(source.columns), {}
    csv.field_size_limit(sys.maxsize)  # one huge field is data, not an error
    with source.path.open(encoding="utf-8-sig", newline="") as f:
        reader = csv.reader(f, delimiter=source.delimiter or ",")
        next(reader, None)
        for row, record in enumerate(reader, start=1):
            if record and len(record) < width:
                short[row] = len(record)
    return short
