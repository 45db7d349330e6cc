"""Benchmark: the cost of reconciliation (core/reconcile.py) next to the Druid task it checks.

    .venv/bin/python -m bench.reconcile              # about 100 MB, 3 reconciliations
    .venv/bin/python -m bench.reconcile --size-mb 20   # quicker

Against the running stack (`make run`): generates the CSV of bench/ingest.py, validates it
with `validate_file` (the profile the worker would store), puts what Druid reads into S3,
submits the `index_parallel` task Sluice would, waits until the rows are queryable, then
times `reconcile_upload` `--reps` times. Reports Druid's own task duration, the median
reconciliation time and their ratio (target < 5 %). The datasource is dropped at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path

import httpx

from bench.ingest import OUT, generate
from core.druid.broker import DruidBroker, SqlParam
from core.druid.client import DruidClient
from core.druid.spec import build_ingestion_spec
from core.model import IngestOptions, Profile, StagedData, WriteMode
from core.profiling import Limits, validate_file
from core.reconcile import reconcile_upload
from core.settings import Settings
from core.storage import S3ObjectStore


async def _stage(
    store: S3ObjectStore, path: Path, out_dir: Path, upload_id: str
) -> tuple[Profile, StagedData]:
    result = validate_file(
        path,
        options=IngestOptions(),
        limits=Limits(max_columns=1000, max_xlsx_uncompressed_bytes=1 << 30,
                      max_column_name_length=200),
        out_dir=out_dir,
    )  # fmt: skip
    files = (path,) if result.reads_upload else result.staged_files
    uris = []
    for number, file in enumerate(files):
        key = f"bench/reconcile/{upload_id}/part-{number:04d}.csv"
        await store.put_file(key, file, content_type="text/csv")
        uris.append(store.uri(key))
    staged = StagedData(uris=tuple(uris), format="csv", columns=result.staged_columns,
                        rows=result.profile.rows_valid, header_rows=result.header_rows,
                        reads_upload=result.reads_upload)  # fmt: skip
    return result.profile, staged


async def _until(what: str, check: Callable[[], Awaitable[bool]], timeout_s: float = 1800) -> None:
    deadline = time.monotonic() + timeout_s
    while not await check():
        if time.monotonic() > deadline:
            raise SystemExit(f"gave up waiting for {what}")
        await asyncio.sleep(1)


async def main(size_mb: int, reps: int) -> None:
    settings = Settings()
    path = generate(OUT / f"reconcile_{size_mb}mb.csv", size_mb=size_mb, last_column_nulls=False)
    upload_id, datasource = uuid.uuid4().hex, f"bench_reconcile_{uuid.uuid4().hex[:6]}"
    async with S3ObjectStore(settings) as store, httpx.AsyncClient() as http:
        druid = DruidClient.from_settings(http, settings)
        broker = DruidBroker.from_settings(http, settings)
        with tempfile.TemporaryDirectory() as out:
            profile, staged = await _stage(store, path, Path(out), upload_id)
        task_id = f"bench_reconcile_{upload_id}"
        spec = build_ingestion_spec(task_id=task_id, upload_id=upload_id, datasource=datasource,
                                    profile=profile, staged=staged, mode=WriteMode.APPEND,
                                    settings=settings)  # fmt: skip
        await druid.submit_task(spec)
        try:
            await _until("the task", lambda: _finished(druid, task_id))
            status = await druid.task_status(task_id)
            if status.state != "SUCCESS":
                raise SystemExit(f"Druid task {status.state}: {status.error_message}")
            await _until("the rows", lambda: _served(broker, datasource))
            timings = []
            for _ in range(reps):
                start = time.perf_counter()
                verdict = await reconcile_upload(broker, datasource=datasource,
                                                 upload_id=upload_id, profile=profile,
                                                 rows=staged.rows)  # fmt: skip
                timings.append(time.perf_counter() - start)
            task_s = (status.duration_ms or 0) / 1000
            median = statistics.median(timings)
            size = path.stat().st_size / 1e6
            print(f"file: {size:.0f} MB, {staged.rows:,} rows, {len(profile.columns)} columns, "
                  f"Druid reads the upload: {staged.reads_upload}")  # fmt: skip
            print("matches" if verdict.matches else verdict.message())
            print(f"Druid task: {task_s:.1f} s; reconciliation: median {median:.2f} s of "
                  f"{[round(t, 2) for t in timings]}; ratio {median / task_s:.1%}")  # fmt: skip
        finally:
            await druid.drop_datasource(datasource, delete_data=True)
            await store.delete_prefix(f"bench/reconcile/{upload_id}/")


async def _finished(druid: DruidClient, task_id: str) -> bool:
    return (await druid.task_status(task_id)).is_finished


async def _served(broker: DruidBroker, datasource: str) -> bool:
    result = await broker.sql(
        "SELECT COUNT(*) FROM INFORMATION_SCHEMA.TABLES WHERE TABLE_NAME = ?",
        [SqlParam("VARCHAR", datasource)],
    )
    return bool(result.rows[0][0])


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--size-mb", type=int, default=100)
    parser.add_argument("--reps", type=int, default=3)
    args = parser.parse_args()
    asyncio.run(main(args.size_mb, args.reps))
