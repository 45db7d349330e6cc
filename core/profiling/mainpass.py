"""The main pass: one streaming scan that stages, quarantines, checks and profiles.

One consumer only. Feeding several sinks and aggregations from one cached scan
(`pl.collect_all`) would parse the file once, but Polars' multiplexer buffers without bound
for its slowest consumer, so memory grew with the file (1.3 GB peak for a 3 GB file). Here
`sink_batches` hands chunks (`chunk_rows`) to `MainPass`, which writes the staged and
quarantine CSV and folds every statistic into running totals: memory stays at a few chunks.
"""

from __future__ import annotations

import shutil
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl

from core.profiling import stage
from core.profiling.plan import Plan
from core.profiling.profile import Profiler, count_exprs, merge_counts
from core.profiling.quarantine import BAD, ROW, annotate, drop_unused_extras, quarantine_exprs
from core.profiling.readers import Source
from core.profiling.stats import RowCounts, Stats
from core.profiling.writers import CsvWriter
from core.quarantine import EXTRA_COLUMN_PREFIX

CHUNK_ROWS = 100_000  # rows per chunk of a wide file (and of other passes)
# A narrow file gets longer chunks, up to this many values: each chunk has fixed costs (a
# dozen Polars calls, query plans), 4% of the CPU at 100,000 rows x 9 columns. Memory per
# chunk stays bounded by the values it holds, never by the file.
_CHUNK_VALUES = 2_500_000
QUARANTINE_FILE = "quarantine.csv"


@dataclass(frozen=True)
class Outcome:
    """What one main pass wrote and counted."""

    counts: RowCounts  # whole-file row counts (profile.count_exprs)
    stats: Stats  # valid-row statistics (profile.Profiler)
    buckets: dict[str, list[tuple[float, int]]]
    staged_files: tuple[Path, ...]
    quarantine_file: Path | None


class MainPass:
    """The `sink_batches` consumer: each chunk is split into valid and bad rows."""

    def __init__(self, source: Source, plan: Plan, out_dir: Path) -> None:
        shutil.rmtree(out_dir / stage.STAGED_DIR, ignore_errors=True)  # no parts of a re-run
        (out_dir / QUARANTINE_FILE).unlink(missing_ok=True)
        self._staged = CsvWriter(out_dir / stage.STAGED_DIR, part_bytes=stage.PART_BYTES)
        self._quarantine = CsvWriter(out_dir, name=QUARANTINE_FILE)
        self._count_exprs = count_exprs(source, plan)
        self._staged_exprs = stage.staged_exprs(plan)
        self._quarantine_exprs = quarantine_exprs(source, plan)
        self._extras_used: set[str] = set()  # extra-field columns some bad row filled
        self._profiler = Profiler(
            plan.columns, time_column=plan.time.column, stride=plan.stride, row_column=ROW
        )
        self._counts: dict[str, Any] = {}
        # The staged CSV of a chunk is written while the chunk is profiled (Polars writes
        # without the GIL); at most one write is in flight, so memory holds one more chunk.
        self._writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sluice-stage")
        self._writing: Future[None] | None = None

    def __call__(self, chunk: pl.DataFrame) -> None:
        merge_counts(self._counts, chunk.select(self._count_exprs).row(0, named=True))
        good = chunk.filter(~pl.col(BAD))
        if not good.is_empty():
            staged = good.select(self._staged_exprs)
            self._wait_for_write()
            self._writing = self._writer.submit(self._staged.write, staged)
            self._profiler.add(good)
        bad = chunk.filter(pl.col(BAD))
        if not bad.is_empty():
            rows = bad.select(self._quarantine_exprs)
            self._extras_used.update(
                n
                for n in rows.columns
                if n.startswith(EXTRA_COLUMN_PREFIX) and rows.get_column(n).null_count() < len(rows)
            )
            self._quarantine.write(rows)

    def _wait_for_write(self) -> None:
        if self._writing is not None:
            writing, self._writing = self._writing, None
            writing.result()  # re-raises a failed write

    def close(self) -> None:
        try:
            self._wait_for_write()
        finally:
            self._writer.shutdown(wait=True)
            self._staged.close()
            self._quarantine.close()

    def outcome(self) -> Outcome:
        stats, buckets = self._profiler.result()
        counts = RowCounts.of(self._counts)
        quarantine = self._quarantine.paths[0] if self._quarantine.paths else None
        if quarantine is not None:
            drop_unused_extras(quarantine, used=self._extras_used)
        return Outcome(counts, stats, buckets, tuple(self._staged.paths), quarantine)


def chunk_rows(source: Source) -> int:
    """Rows per main-pass chunk: `CHUNK_ROWS`, up to 2.5 times that for a narrow file."""
    width = max(1, len(source.columns) + len(source.extra_columns))
    return max(CHUNK_ROWS, min(_CHUNK_VALUES // width, CHUNK_ROWS * 5 // 2))


def run_pass(source: Source, plan: Plan, *, out_dir: Path) -> Outcome:
    """Run the main pass over `source` with `plan`, writing into `out_dir`."""
    consumer = MainPass(source, plan, out_dir)
    try:
        annotate(source, plan).sink_batches(
            consumer, chunk_size=chunk_rows(source), engine="streaming"
        )
    finally:
        consumer.close()
    return consumer.outcome()
