"""Leaving Sluice's own `_sluice_*` columns out of an upload.

A fixed quarantine file comes back with `_sluice_row`, `_sluice_reason` and perhaps
`_sluice_extra_N` beside the dataset's columns (core/quarantine.py). They say which row and
why, for the person fixing it; they must never become dataset columns. Every later pass
reads a source's columns by position or by name, so the columns are taken out of the source
itself: a CSV is rewritten without them (Python's csv module, record by record: only files
that carry such columns pay for it, and quarantine files are small), a workbook's frame and a
Parquet scan simply drop them.
"""

from __future__ import annotations

import csv
import sys
from dataclasses import replace
from pathlib import Path

import polars as pl

from core.profiling.readers import Source
from core.quarantine import is_bookkeeping

WITHOUT_BOOKKEEPING = "without-sluice-columns.csv"


def drop_bookkeeping(source: Source, *, out_dir: Path) -> Source:
    """`source` without its `_sluice_*` columns (the same source when it has none)."""
    dropped = tuple(name for name in source.columns if is_bookkeeping(name))
    if not dropped:
        return source
    kept = tuple(name for name in source.columns if not is_bookkeeping(name))
    schema = pl.Schema({name: source.schema[name] for name in kept})
    narrowed = replace(source, columns=kept, schema=schema, dropped=dropped)
    if source.format == "xlsx":
        assert source.frame is not None
        return replace(narrowed, frame=source.frame.drop(dropped))
    if source.format == "parquet":
        return narrowed  # Source.scan selects `columns`
    path = out_dir / WITHOUT_BOOKKEEPING
    _rewrite_csv(source, keep=[i for i, n in enumerate(source.columns) if n in kept], to=path)
    return replace(narrowed, path=path, header_lines=1, rewritten=True)


def _rewrite_csv(source: Source, *, keep: list[int], to: Path) -> None:
    """Copy the CSV with only the fields at `keep`; fields past the header stay (they make
    the row ragged, and it is quarantined as such). Records stay one to one, blank lines
    included, so row numbers do not move."""
    csv.field_size_limit(sys.maxsize)
    width = len(source.columns)
    with (
        source.path.open(encoding="utf-8-sig", newline="") as f,
        to.open("w", encoding="utf-8", newline="") as out,
    ):
        for _ in range(source.header_lines - 1):  # lines above the header (a title, say)
            f.readline()
        reader = csv.reader(f, delimiter=source.delimiter or ",")
        writer = csv.writer(out, lineterminator="\n")
        for record in reader:
            if not record:
                out.write("\n")
                continue
            writer.writerow([record[i] for i in keep if i < len(record)] + record[width:])
