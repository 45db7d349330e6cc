"""`validate_file`: detect, plan, one streaming pass that stages and profiles, then settle.

Passes over the data (each re-reads the file; after the first it is in the page cache):
1. a sample of the first 10,000 rows (cheap: sample.py) to plan types and the time column;
2. for CSV, the fast pass (fastpass.py): every check and statistic in one scan inside
   Polars. When it proves every row valid as planned (the common case), that is all: Druid
   reads a plain UTF-8 comma CSV as it was uploaded (direct.py), any other is staged in one
   streaming sink (stage.stage_all);
3. otherwise the main pass (mainpass.py): one streaming scan whose chunks are staged,
   quarantined, checked and profiled as they come;
4. only when needed: a raw-line field count (when some rows end in an empty field: they
   may be short), a second main pass (short rows found, or another date format reads more
   values), and a repair pass over the staged columns whose type the full file overturned.
A non-UTF-8 CSV is first transcoded to UTF-8 in one streaming pass.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from functools import partial
from pathlib import Path

import polars as pl

from core.errors import clean_foreign_text
from core.model import ColumnType, IngestOptions, Profile
from core.profiling.archives import unpack
from core.profiling.bookkeeping import WITHOUT_BOOKKEEPING, drop_bookkeeping
from core.profiling.detect import Detected, detect
from core.profiling.direct import direct_read
from core.profiling.errors import InputRejected, RejectCode
from core.profiling.failures import Failure, classify
from core.profiling.fastpass import fast_pass
from core.profiling.histograms import stride
from core.profiling.jsonl import validate_json
from core.profiling.mainpass import CHUNK_ROWS, Outcome, run_pass
from core.profiling.plan import Plan, make_plan
from core.profiling.profile import Profiler, column_profile
from core.profiling.quarantine import find_short_rows
from core.profiling.readers import Source, open_csv, open_parquet, open_xlsx
from core.profiling.repair import REPAIRED, repair_csv, with_malformed
from core.profiling.report import rejection_for_no_rows, summarize, timestamp_info
from core.profiling.result import Limits, ValidationResult
from core.profiling.sample import bad_times, estimated_rows, usable_sample
from core.profiling.stage import stage_all
from core.profiling.stats import Stats
from core.profiling.transcode import TRANSCODED, to_utf8
from core.profiling.types import ColumnPlan, check_exprs, settle

Progress = Callable[[str, float], None]
WIDE_COLUMNS = 100  # a CSV with more columns takes the main pass (see `_validate`)


def validate_file(
    path: Path,
    *,
    options: IngestOptions,
    limits: Limits,
    out_dir: Path,
    on_progress: Progress | None = None,
) -> ValidationResult:
    """Validate, profile and stage the upload at `path`; write outputs into `out_dir`.

    Raises `InputRejected` when the whole file is unusable.
    """
    progress = on_progress or (lambda stage, fraction: None)
    out_dir.mkdir(parents=True, exist_ok=True)
    progress("detecting", 0.0)
    with unpack(path, limits=limits, out_dir=out_dir) as unpacked:
        detected = replace(detect(unpacked.path), unpacked=unpacked.compression is not None)
        result = _validate_upload(
            unpacked.path,
            detected,
            options=options,
            limits=limits,
            out_dir=out_dir,
            progress=progress,
        )
        return unpacked.noted(result)


def _validate_upload(
    path: Path,
    detected: Detected,
    *,
    options: IngestOptions,
    limits: Limits,
    out_dir: Path,
    progress: Progress,
) -> ValidationResult:
    """`validate_file` of an uncompressed file (or what a compressed one held)."""
    if detected.format == "json":
        check = partial(_checked, options=options, out_dir=out_dir, progress=progress)
        return validate_json(
            path, encoding=detected.encoding, limits=limits, out_dir=out_dir, check=check
        )
    try:
        try:
            source = _open(
                path,
                detected,
                encoding=detected.encoding,
                options=options,
                limits=limits,
                out_dir=out_dir,
            )
            return _checked(source, options=options, out_dir=out_dir, progress=progress)
        except pl.exceptions.ComputeError as exc:
            if detected.format != "csv" or classify(exc) != Failure.NOT_UTF8:
                _reject_unreadable(detected, exc)
                raise
        # The first megabyte was UTF-8 but a later byte is not: a legacy single-byte
        # encoding (or, for a file marked UTF-8 by its BOM, a broken file: `to_utf8` says so).
        fallback = "cp1252" if detected.encoding == "utf-8" else detected.encoding or "utf-8"
        try:
            source = _open(
                path,
                detected,
                encoding=fallback,
                options=options,
                limits=limits,
                out_dir=out_dir,
                transcode=True,
            )
            return _checked(source, options=options, out_dir=out_dir, progress=progress)
        except pl.exceptions.ComputeError as exc:
            _reject_unreadable(detected, exc)
            raise
    finally:
        (out_dir / TRANSCODED).unlink(missing_ok=True)
        (out_dir / REPAIRED).unlink(missing_ok=True)
        (out_dir / WITHOUT_BOOKKEEPING).unlink(missing_ok=True)


def _checked(
    source: Source, *, options: IngestOptions, out_dir: Path, progress: Progress
) -> ValidationResult:
    """`_validate`, and for a CSV with broken quoting, `_validate` of a copy without the
    rows that have it, which are quarantined instead (repair.py). Sluice's own `_sluice_*`
    columns (a fixed quarantine file) are left out first (bookkeeping.py)."""
    source = drop_bookkeeping(source, out_dir=out_dir)
    try:
        return _validate(source, options=options, out_dir=out_dir, progress=progress)
    except pl.exceptions.ComputeError as exc:
        if source.format != "csv" or classify(exc) != Failure.CSV_SYNTAX:
            raise
    progress("repairing", 0.1)
    # The copy is quoted properly even where nothing was set aside (a `5" screen`); if
    # Polars still cannot read it, the error propagates to the rejection as before.
    repaired = repair_csv(
        source.path,
        delimiter=source.delimiter or ",",
        header_lines=source.header_lines,
        out_dir=out_dir,
    )
    result = _validate(
        replace(source, path=repaired.path, rewritten=True),
        options=options,
        out_dir=out_dir,
        progress=progress,
    )
    return with_malformed(result, repaired, out_dir=out_dir)


def _reject_unreadable(detected: Detected, exc: Exception) -> None:
    """Raise the rejection for a file Polars cannot parse; return for any other error (a bug,
    which the caller re-raises as it is)."""
    detail = clean_foreign_text(str(exc).split("\n\n")[0])
    if detected.format == "csv" and classify(exc) != Failure.CSV_SYNTAX:
        return
    if detected.format == "csv":
        raise InputRejected(
            RejectCode.UNSUPPORTED_FORMAT,
            f"The file is not well-formed CSV ({detail}). Usually a quote is not closed, or a "
            "field holds a quote without being quoted itself. Put fields containing quotes in "
            'double quotes, double the quotes inside them ("5"" screen"), and upload again.',
        ) from exc
    raise InputRejected(
        RejectCode.UNSUPPORTED_FORMAT,
        f"The {detected.format} file could not be read to the end ({detail}). Export it again "
        "and upload the new file.",
    ) from exc


def _open(
    path: Path,
    detected: Detected,
    *,
    encoding: str | None,
    options: IngestOptions,
    limits: Limits,
    out_dir: Path,
    transcode: bool = False,
) -> Source:
    """The upload as a `Source`; a CSV in another encoding than UTF-8 (or with `transcode`,
    in any) is first copied as UTF-8 (transcode.py)."""
    if detected.format == "parquet":
        return open_parquet(path, limits=limits)
    if detected.format == "xlsx":
        return open_xlsx(path, sheet=options.sheet, limits=limits)
    encoding = encoding or "utf-8"
    rewritten = transcode or encoding not in ("utf-8", "utf-8-sig") or detected.cr_lines
    rewritten = rewritten or detected.unpacked  # Druid reads the validated copy, not the archive
    if rewritten:
        path, encoding = to_utf8(
            path, encoding=encoding, out_dir=out_dir, cr_lines=detected.cr_lines
        )
    return open_csv(
        path, encoding=encoding, delimiter=options.delimiter, limits=limits, rewritten=rewritten
    )


def _validate(
    source: Source, *, options: IngestOptions, out_dir: Path, progress: Progress
) -> ValidationResult:
    progress("inferring", 0.05)
    sample, unusable = usable_sample(source)
    plan = replace(
        make_plan(source, sample, options=options),
        stride=stride(estimated_rows(source, sample), len(source.columns)),
    )
    progress("checking", 0.1)
    clean, direct = None, None
    # Parquet and XLSX take the main pass: Druid cannot read them as they are, and its
    # distinct counts are closer (fastpass.py). So does a CSV whose sample already shows
    # rows to quarantine (the fast pass would only find them too), and a wide one: Polars'
    # planning of one query grows faster than its expressions (3 rows x 200 columns: 2.2 s
    # in the fast pass, 0.8 s in the main pass; x 1,500 columns: 110 s against 18 s).
    wide = len(source.columns) > WIDE_COLUMNS
    if source.format == "csv" and not unusable and not wide and not bad_times(plan, sample):
        # The line checks run beside the fast pass (and count short rows when the sample
        # shows empty last fields: rows may be short).
        short = bool(sample.get_column(source.columns[-1]).null_count())
        lines, direct = direct_read(source, plan, short=short)
        clean = fast_pass(source, plan, extra=direct.exprs if direct else (), lines=lines)
        if clean is not None and not lines.one_per_row(clean.counts.rows):
            clean = None  # a value holds a line break: the main pass quarantines its row
    druid_format = None
    if clean is not None:
        if direct is not None:
            druid_format = direct.druid_format(counts=clean.counts, stats=clean.stats)
        files: tuple[Path, ...] = ()
        if druid_format is None:
            progress("staging", 0.5)
            files = stage_all(source, plan, out_dir)
        outcome = Outcome(clean.counts, clean.stats, clean.buckets, files, None)
    else:  # some rows are bad or some values misfit: sort them out row by row
        progress("sorting", 0.4)
        outcome = run_pass(source, plan, out_dir=out_dir)
        for _ in range(_MAX_REVISIONS):
            revised = _revise(source, plan, outcome)
            if revised is None:
                break
            progress("sorting", 0.7)
            plan, outcome = revised, run_pass(source, revised, out_dir=out_dir)
    result = _finish(source, plan, outcome, druid_format=druid_format)
    progress("done", 1.0)
    return result


_MAX_REVISIONS = 3  # types only narrow (LONG -> DOUBLE -> STRING), so this is enough


def _revise(source: Source, plan: Plan, outcome: Outcome) -> Plan | None:
    """A better plan when a pass showed one: another date format, short rows, or a column
    with null tokens that turned out to be of another type (its staged nulls were tokens
    that the new type keeps, or reads otherwise: the rows are staged again)."""
    revised, counts = plan, outcome.counts
    retyped = {
        c.name: settled
        for c in plan.columns
        if c.name != plan.time.column
        and (stats := outcome.stats.column(c.key)).tokens
        and (settled := settle(c, stats.misfits)).type != c.type
    }
    if retyped:
        revised = replace(plan, columns=tuple(retyped.get(c.name, c) for c in plan.columns))
    if counts.dropped_values:
        revised = replace(revised, columns=(*revised.columns, *plan.dropped), dropped=())
    formats = plan.time.formats
    if len(formats) > 1:
        misfits = [counts.time_unread, *counts.time_misfits]
        best = min(range(len(formats)), key=lambda i: (misfits[i], i))
        if best:
            reordered = (formats[best], *(f for i, f in enumerate(formats) if i != best))
            revised = revised.with_time(replace(plan.time, formats=reordered))
    if counts.short_suspects and not plan.short_rows:
        short = find_short_rows(source)
        if short:
            revised = replace(revised, short_rows=short)
    return None if revised is plan else revised


def _finish(
    source: Source, plan: Plan, outcome: Outcome, *, druid_format: str | None
) -> ValidationResult:
    """The result; `druid_format` set means Druid reads the upload itself with that time
    format (direct.py), otherwise the staged files."""
    counts, stats = outcome.counts, outcome.stats
    rows_total, rows_bad, rows_valid = counts.rows, counts.bad, stats.rows_valid
    if rows_total != rows_valid + rows_bad:  # a broken invariant is a bug, never data
        raise RuntimeError(f"row accounting broke: {rows_total} != {rows_valid} + {rows_bad}")
    quarantine = outcome.quarantine_file
    if rows_valid == 0:
        raise rejection_for_no_rows(source, plan, counts, quarantine)
    settled = [
        c if c.name == plan.time.column else settle(c, stats.column(c.key).misfits)
        for c in plan.columns
    ]
    changed = [
        s.name
        for s, c in zip(settled, plan.columns, strict=True)
        if (s.type, s.time_formats[:1]) != (c.type, c.time_formats[:1])
    ]
    buckets = dict(outcome.buckets)
    files = outcome.staged_files
    if changed:
        repaired, repaired_stats, repaired_buckets = _repair(
            [c for c in settled if c.name in changed], plan, files
        )
        settled = [repaired.get(c.name, c) for c in settled]
        stats = stats.updated(repaired_stats)
        buckets.update(repaired_buckets)
    profile = Profile(
        format=source.format,
        encoding=source.encoding,
        delimiter=source.delimiter,
        sheet=source.sheet,
        rows_total=rows_total,
        rows_valid=rows_valid,
        rows_quarantined=rows_bad,
        columns=tuple(column_profile(c, stats, buckets) for c in settled),
        timestamp=timestamp_info(source, plan, stats, druid_format=druid_format or "millis"),
        warnings=summarize(source, plan, counts, [c for c in settled if c.name in changed]),
    )
    return ValidationResult(
        profile,
        files,
        tuple(c.name for c in plan.columns),
        quarantine,
        reads_upload=druid_format is not None,
        header_rows=source.header_lines if druid_format else 1,
        delimiter=(source.delimiter or ",") if druid_format else ",",
    )


def _repair(
    columns: list[ColumnPlan], plan: Plan, files: tuple[Path, ...]
) -> tuple[dict[str, ColumnPlan], Stats, dict[str, list[tuple[float, int]]]]:
    """Types and statistics of the columns the full file overturned, from their staged text.

    Rare, so it may take two more (projected) passes: one to see whether a LONG column that
    failed is DOUBLE after all, one for the statistics.
    """
    columns = [replace(c, dtype=pl.String()) for c in columns]
    names = [c.name for c in columns]
    staged = pl.scan_csv(
        list(files),
        schema=dict.fromkeys((c.name for c in plan.columns), pl.String),
        null_values=[""],
    )
    unsure = [c for c in columns if c.type == ColumnType.DOUBLE]
    if unsure:
        checks = staged.select([e for c in unsure for e in check_exprs(c)])
        checked = Stats.of(checks.collect(engine="streaming").row(0, named=True))
        columns = [settle(c, checked.column(c.key).misfits) if c in unsure else c for c in columns]
    profiler = Profiler(columns, time_column=None)
    staged.select(names).sink_batches(profiler.add, chunk_size=CHUNK_ROWS, engine="streaming")
    stats, buckets = profiler.result()
    return {c.name: c for c in columns}, stats, buckets
