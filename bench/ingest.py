"""Benchmark: validate + profile + stage (`core.profiling.validate_file`) against raw Polars.

    .venv/bin/python bench/ingest.py                          # the matrix: 200 MB x5, 1 GB x3
    .venv/bin/python bench/ingest.py --quick                  # 20 MB, one run each, no 1 GB
    .venv/bin/python bench/ingest.py --shapes iso,spaced --size-mb 200 --reps 5 --big-mb 0

For each file shape of bench/shapes.py (ISO, blank-separated and day-first times, epoch
milliseconds, a nullable last column, TSV (quoted and plain), semicolons, quoted line
breaks, bad rows before and after the sample, a wide table, long strings, Parquet, XLSX)
it generates the file into
bench/out/, then runs two cases, each in its own subprocess, interleaved, `--reps` times,
with the file in the page cache:

    validate   validate_file() as the worker runs it; the path it took is recorded:
               direct (Druid reads the upload), fast+stage (the fast pass proved it clean,
               one Polars sink stages it), main (the main pass: quarantine and staged copy),
               fast+main (the fast pass scanned the file and found rows for the main
               pass; it does not scan when rows spread over the file are already bad)
    raw        raw Polars reading the same file into Parquet: `scan_csv(f, separator=...)
               .sink_parquet(out)` (`scan_parquet` for Parquet, `read_excel(...).write_parquet`
               for XLSX): the reference of the throughput targets

Reported per shape: the path, median (min-max) wall and CPU seconds (user+sys, less
sensitive to other load on the shared machine) of both cases, the throughput ratio of the
medians, and the peak RSS (VmHWM, max over runs). Every run is kept in
bench/out/matrix-<size>mb.json. JSON Lines is not in the matrix: no reader for it yet.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import polars as pl

sys.path.insert(0, str(Path(__file__).resolve().parent))
from shapes import SHAPES, Shape, generate

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
CASES = ("validate", "raw")


def run_case(case: str, shape: Shape, path: Path, out: Path) -> dict[str, Any]:
    """One case in this process; returns its measurements."""
    out.mkdir(parents=True, exist_ok=True)
    if case == "validate":  # imported before the clock starts, as in a running worker
        sys.path.insert(0, str(ROOT))
        from core.model import IngestOptions
        from core.profiling import Limits, validate_file

        passes = _count_passes()
    started_cpu, started = _cpu(), time.perf_counter()
    if case == "validate":
        limits = Limits(
            max_columns=2000, max_xlsx_uncompressed_bytes=2 * 1024**3, max_column_name_length=255
        )
        result = validate_file(path, options=IngestOptions(), limits=limits, out_dir=out)
        extra: dict[str, Any] = {
            "rows": result.profile.rows_total,
            "quarantined": result.profile.rows_quarantined,
            "path": "direct" if result.reads_upload else _path_name(passes),
        }
    elif shape.kind == "parquet":
        pl.scan_parquet(path).sink_parquet(out / "raw.parquet")
        extra = {}
    elif shape.kind == "xlsx":
        pl.read_excel(path).write_parquet(out / "raw.parquet")
        extra = {}
    else:
        pl.scan_csv(path, separator=shape.separator).sink_parquet(out / "raw.parquet")
        extra = {}
    return {
        "seconds": time.perf_counter() - started,
        "cpu_seconds": _cpu() - started_cpu,
        "peak_rss_mb": _peak_rss_mb(),
        **extra,
    }


def _count_passes() -> dict[str, int]:
    """Count the passes `validate_file` takes (wrapping the pipeline's own references)."""
    from core.profiling import fastpass, pipeline

    calls = {"fast_pass": 0, "stage_all": 0, "run_pass": 0, "fast_scan": 0}
    # The fast pass scans only after its checks on rows spread over the file found no bad
    # one; it builds its row counts right before (fastpass's own reference to them).
    counting = fastpass.count_exprs

    def scanning(*args: Any, **kwargs: Any) -> Any:
        calls["fast_scan"] += 1
        return counting(*args, **kwargs)

    fastpass.count_exprs = scanning  # type: ignore[assignment]

    def counted(name: str) -> Any:
        function = getattr(pipeline, name)

        def call(*args: Any, **kwargs: Any) -> Any:
            calls[name] += 1
            return function(*args, **kwargs)

        return call

    for name in ("fast_pass", "stage_all", "run_pass"):
        setattr(pipeline, name, counted(name))
    return calls


def _path_name(passes: dict[str, int]) -> str:
    if passes["stage_all"]:
        return "fast+stage"
    main = "main" if passes["run_pass"] == 1 else f"main x{passes['run_pass']}"
    return f"fast+{main}" if passes["fast_scan"] else main


def _peak_rss_mb() -> float:
    """This process's peak RSS. Not `ru_maxrss`: Linux carries it over `execve` from the
    forked parent, so every child reported at least the driver's own memory."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _in_subprocess(case: str, shape: Shape, path: Path) -> dict[str, Any]:
    command = [sys.executable, __file__, "--case", case, "--shape", shape.name, "--file", str(path)]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode:
        raise SystemExit(f"{shape.name} {case} failed:\n{done.stderr}")
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def _warm(path: Path) -> None:
    with path.open("rb") as f:
        while f.read(16 << 20):
            pass


def measure(files: dict[str, Path], *, reps: int) -> dict[str, dict[str, list[dict[str, Any]]]]:
    """Each shape's cases `reps` times, interleaved (rep by rep over all shapes and cases)
    so that load on the machine hits all alike."""
    shapes = {s.name: s for s in SHAPES}
    runs: dict[str, dict[str, list[dict[str, Any]]]] = {
        name: {case: [] for case in CASES} for name in files
    }
    for _ in range(reps):
        for name, path in files.items():
            _warm(path)
            for case in CASES:
                runs[name][case].append(_in_subprocess(case, shapes[name], path))
    return runs


def _spread(values: list[float]) -> str:
    return f"{statistics.median(values):.2f} ({min(values):.2f}-{max(values):.2f})"


def table(files: dict[str, Path], runs: dict[str, dict[str, list[dict[str, Any]]]]) -> str:
    """A Markdown table: one row per shape, medians with (min-max), ratios of the medians."""
    lines = [
        "| shape | MB | rows | path | validate wall s | validate CPU s | raw wall s | raw CPU s "
        "| ratio wall | ratio CPU | peak RSS MB |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for name, path in files.items():
        checked, raw = runs[name]["validate"], runs[name]["raw"]
        paths = sorted({r["path"] for r in checked})
        wall = [[r["seconds"] for r in rs] for rs in (checked, raw)]
        cpu = [[r["cpu_seconds"] for r in rs] for rs in (checked, raw)]
        ratio_wall = statistics.median(wall[1]) / statistics.median(wall[0])
        ratio_cpu = statistics.median(cpu[1]) / statistics.median(cpu[0])
        quarantined = checked[0]["quarantined"]
        lines.append(
            f"| {name} | {path.stat().st_size / 1e6:,.0f} | {checked[0]['rows']:,} "
            f"| {', '.join(paths)}{f' ({quarantined:,} quarantined)' if quarantined else ''} "
            f"| {_spread(wall[0])} | {_spread(cpu[0])} | {_spread(wall[1])} | {_spread(cpu[1])} "
            f"| {ratio_wall:.2f} | {ratio_cpu:.2f} "
            f"| {max(r['peak_rss_mb'] for r in checked):,.0f} |"
        )
    return "\n".join(lines)


def matrix(names: list[str], *, size_mb: int, reps: int) -> None:
    """Generate, measure, print and keep one size's matrix."""
    shapes = {s.name: s for s in SHAPES}
    files = {name: generate(shapes[name], OUT / "shapes", size_mb=size_mb) for name in names}
    load = os.getloadavg()[0]
    runs = measure(files, reps=reps)
    print(
        f"\n{size_mb} MB, {reps} interleaved run(s) per case; load average {load:.1f} before, "
        f"{os.getloadavg()[0]:.1f} after\n"
    )
    print(table(files, runs))
    (OUT / f"matrix-{size_mb}mb.json").write_text(json.dumps(runs, indent=1))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mb", type=int, default=200)
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--big-mb", type=int, default=1000, help="second size (0: skip)")
    parser.add_argument("--big-reps", type=int, default=3)
    parser.add_argument("--shapes", default=",".join(s.name for s in SHAPES))
    parser.add_argument("--quick", action="store_true", help="20 MB, 1 run, no big file")
    parser.add_argument("--case", choices=CASES, help=argparse.SUPPRESS)
    parser.add_argument("--shape", help=argparse.SUPPRESS)
    parser.add_argument("--file", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.case:  # child mode: one measurement, printed as JSON
        shape = next(s for s in SHAPES if s.name == args.shape)
        out = OUT / f"run-{args.case}-{os.getpid()}"  # two matrices may run at once
        try:
            print(json.dumps(run_case(args.case, shape, args.file, out)))
        finally:
            shutil.rmtree(out, ignore_errors=True)
        return
    if args.quick:
        args.size_mb, args.big_mb, args.reps = 20, 0, 1
    names = args.shapes.split(",")
    unknown = set(names) - {s.name for s in SHAPES}
    if unknown:
        raise SystemExit(f"unknown shapes: {', '.join(sorted(unknown))}")
    print(f"# {os.cpu_count()} CPUs, Python {platform.python_version()}, polars {pl.__version__}")
    matrix(names, size_mb=args.size_mb, reps=args.reps)
    if args.big_mb:
        matrix(names, size_mb=args.big_mb, reps=args.big_reps)


if __name__ == "__main__":
    main()
