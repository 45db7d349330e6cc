"""Benchmark: validate + profile + stage (`core.profiling.validate_file`) against raw Polars.

    .venv/bin/python bench/ingest.py                 # 200 MB file, plus peak RSS at 1 GB
    .venv/bin/python bench/ingest.py --quick         # 20 MB, one run each, no big file
    .venv/bin/python bench/ingest.py --size-mb 500 --big-mb 0 --reps 5

Generates CSV files (int, float, text, ISO timestamp, date and boolean columns, some nulls,
some quoted fields) into bench/out/, then runs each case in its own subprocess, interleaved,
`--reps` times, with the file in the page cache:

    validate     validate_file(): sniff, sample, the fast pass (every check and statistic in
                 one scan); a clean file is done (Druid reads it as uploaded), a file with
                 bad rows (--bad-every) then takes the main pass that quarantines and stages
    raw_parquet  pl.scan_csv(f).sink_parquet(out)   (the reference for the 0.8x target)
    raw_csv      pl.scan_csv(f).sink_csv(out)       (Parquet vs CSV write, same input)

Reported per case: median wall seconds, MB/s of input, median CPU seconds (user+sys, less
sensitive to other load on the machine), peak RSS of the subprocess (ru_maxrss) and output
size. The ratio is validate throughput / raw_parquet throughput, from the medians.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import polars as pl

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
CASES = ("validate", "raw_parquet", "raw_csv")
_BYTES_PER_ROW = 98  # of the generated CSV, measured; used to hit --size-mb


def generate(path: Path, *, size_mb: int, last_column_nulls: bool, bad_every: int = 0) -> Path:
    """Write a CSV of about `size_mb` MB (kept when it already exists at that size)."""
    rows = size_mb * 1_000_000 // _BYTES_PER_ROW
    if path.exists() and abs(path.stat().st_size - size_mb * 1e6) < size_mb * 1e5:
        return path
    start_ms = 1_700_000_000_000
    frame = (
        pl.LazyFrame()
        .select(id=pl.int_range(0, rows, dtype=pl.Int64))
        .with_columns(h=pl.col("id").hash(42))
        .select(
            "id",
            event_time=(pl.lit(start_ms) + pl.col("id") * 997)
            .cast(pl.Datetime("ms"))
            .dt.strftime("%Y-%m-%dT%H:%M:%S%.3fZ"),
            user=pl.format("user_{}", pl.col("h") % 50_000),
            country=pl.when(pl.col("h") % 10 == 0)
            .then(None)
            .otherwise(pl.format("C{}", pl.col("h") % 40)),
            amount=(pl.col("h") % 1_000_000).cast(pl.Float64) / 100,
            qty=pl.when(pl.col("h") % 7 == 0).then(None).otherwise(pl.col("h") % 100),
            paid=pl.col("h") % 3 == 0,
            note=pl.when(pl.col("h") % 10 == 1)
            .then(pl.format('note {}, "quoted"', pl.col("h") % 997))
            .otherwise(pl.format("note {} with some text", pl.col("h") % 997)),
            day=(pl.lit(start_ms) + pl.col("id") * 997).cast(pl.Datetime("ms")).dt.date(),
        )
    )
    if last_column_nulls:
        frame = frame.with_columns(
            comment=pl.when(pl.col("qty").is_null()).then(None).otherwise(pl.lit("ok"))
        )
    if bad_every:  # rows whose time cannot be read: the file takes the main pass
        frame = frame.with_columns(
            event_time=pl.when(pl.col("id") % bad_every == bad_every - 1)
            .then(pl.lit("not a time"))
            .otherwise("event_time")
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    frame.sink_csv(path)
    return path


def run_case(case: str, path: Path, out: Path) -> dict[str, Any]:
    """One case in this process; returns its measurements."""
    out.mkdir(parents=True, exist_ok=True)
    if case == "validate":  # imported before the clock starts, as in a running worker
        sys.path.insert(0, str(ROOT))
        from core.model import IngestOptions
        from core.profiling import Limits, validate_file
    started_cpu, started = _cpu(), time.perf_counter()
    if case == "validate":
        limits = Limits(
            max_columns=2000, max_xlsx_uncompressed_bytes=2 * 1024**3, max_column_name_length=255
        )
        result = validate_file(path, options=IngestOptions(), limits=limits, out_dir=out)
        outputs = list(result.staged_files)
        extra = {
            "rows": result.profile.rows_total,
            "quarantined": result.profile.rows_quarantined,
            "reads_upload": result.reads_upload,
        }
    elif case == "raw_parquet":
        pl.scan_csv(path).sink_parquet(out / "raw.parquet")
        outputs, extra = [out / "raw.parquet"], {}
    elif case == "raw_csv":
        pl.scan_csv(path).sink_csv(out / "raw.csv")
        outputs, extra = [out / "raw.csv"], {}
    else:
        raise SystemExit(f"unknown case {case}")
    return {
        "seconds": time.perf_counter() - started,
        "cpu_seconds": _cpu() - started_cpu,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "output_mb": sum(p.stat().st_size for p in outputs) / 1e6,
        **extra,
    }


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _in_subprocess(case: str, path: Path) -> dict[str, Any]:
    command = [sys.executable, __file__, "--case", case, "--file", str(path)]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode:
        raise SystemExit(f"{case} failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _warm(path: Path) -> None:
    with path.open("rb") as f:
        while f.read(16 << 20):
            pass


def measure(path: Path, *, reps: int, cases: tuple[str, ...]) -> dict[str, list[dict[str, Any]]]:
    """Each case `reps` times, interleaved so that load on the machine hits all alike."""
    _warm(path)
    runs: dict[str, list[dict[str, Any]]] = {case: [] for case in cases}
    for _ in range(reps):
        for case in cases:
            runs[case].append(_in_subprocess(case, path))
    return runs


def table(path: Path, runs: dict[str, list[dict[str, Any]]]) -> str:
    """A Markdown table of medians, and the throughput ratio."""
    size_mb = path.stat().st_size / 1e6
    lines = [
        f"input: {path.name}, {size_mb:,.0f} MB, {len(next(iter(runs.values())))} run(s) per case",
        "",
        "| case | wall s (median) | MB/s | CPU s (median) | peak RSS MB (max) | output MB |",
        "|---|---|---|---|---|---|",
    ]
    medians = {}
    for case, results in runs.items():
        wall = statistics.median(r["seconds"] for r in results)
        cpu = statistics.median(r["cpu_seconds"] for r in results)
        rss = max(r["peak_rss_mb"] for r in results)
        medians[case] = (wall, cpu)
        lines.append(
            f"| {case} | {wall:.2f} | {size_mb / wall:,.0f} | {cpu:.2f} | {rss:,.0f} "
            f"| {results[0]['output_mb']:,.0f} |"
        )
    if "validate" in medians and "raw_parquet" in medians:
        wall_ratio = medians["raw_parquet"][0] / medians["validate"][0]
        cpu_ratio = medians["raw_parquet"][1] / medians["validate"][1]
        lines += [
            "",
            f"ratio validate / raw_parquet throughput: {wall_ratio:.2f} (wall), "
            f"{cpu_ratio:.2f} (CPU)",
        ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mb", type=int, default=200)
    parser.add_argument(
        "--big-mb",
        type=int,
        default=1000,
        help="also measure peak RSS on a file this big (0: skip)",
    )
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="20 MB, 1 run, no big file")
    parser.add_argument(
        "--last-column-nulls",
        action="store_true",
        help="add a last column with nulls (triggers the short-row check)",
    )
    parser.add_argument(
        "--bad-every",
        type=int,
        default=0,
        metavar="N",
        help="make every N-th row's time unreadable (quarantined: main pass)",
    )
    parser.add_argument("--case", choices=CASES, help=argparse.SUPPRESS)
    parser.add_argument("--file", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.case:  # child mode: one measurement, printed as JSON
        print(json.dumps(run_case(args.case, args.file, OUT / f"run-{args.case}")))
        return
    if args.quick:
        args.size_mb, args.big_mb, args.reps = 20, 0, 1
    suffix = ("-lastnulls" if args.last_column_nulls else "") + (
        f"-bad{args.bad_every}" if args.bad_every else ""
    )
    print(
        f"# {os.cpu_count()} CPUs, Python {platform.python_version()}, polars {pl.__version__}, "
        f"load average before {os.getloadavg()[0]:.1f}"
    )
    path = generate(
        OUT / f"ingest-{args.size_mb}mb{suffix}.csv",
        size_mb=args.size_mb,
        last_column_nulls=args.last_column_nulls,
        bad_every=args.bad_every,
    )
    print(table(path, measure(path, reps=args.reps, cases=CASES)))
    if args.big_mb:
        big = generate(
            OUT / f"ingest-{args.big_mb}mb{suffix}.csv",
            size_mb=args.big_mb,
            last_column_nulls=args.last_column_nulls,
            bad_every=args.bad_every,
        )
        print()
        print(table(big, measure(big, reps=1, cases=("validate", "raw_parquet"))))
    print(f"\nload average after {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
