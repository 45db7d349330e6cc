"""Small-file latency: a 1 MB CSV from upload to SUCCEEDED (queryable), by stage.

Needs the whole stack (`make run` in another terminal). Uploads the file --runs times through
/graphql, waits for each task to finish, then reads the stage timestamps that the worker
recorded in `task_events` and Druid's own task duration.

    .venv/bin/python bench/latency.py --runs 5
    .venv/bin/python bench/latency.py --runs 1 --maintenance 8

`--maintenance N` first queues N Druid kill tasks (on datasources that were dropped, as the
Coordinator's kill duty did once an hour: issue 13 saw 27) and then uploads, to time an
upload behind maintenance and show the stage message while it waits.

Sluice's own time = upload request + queue wait + validate + stage + submit; Druid's time =
the Druid task (reported by Druid) + segment hand-off until the data is queryable.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import time
from itertools import pairwise
from pathlib import Path

import asyncpg
import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.auth import bench_headers  # noqa: E402
from core.druid.client import ALL_TIME, DruidClient  # noqa: E402
from core.settings import Settings  # noqa: E402

UPLOAD = (
    "mutation($f: Upload!, $ds: String!) { uploadFile(file: $f, datasource: $ds) "
    "{ __typename ... on IngestionTask { id } ... on UploadRejected { code message } } }"
)
STAGES = ("QUEUED", "VALIDATING", "STAGING", "SUBMITTING", "INGESTING", "PUBLISHING", "SUCCEEDED")


def one_mb_csv() -> bytes:
    lines = ["ts,user_id,country,amount,qty"]
    row = 0
    while sum(len(line) + 1 for line in lines) < 1024 * 1024:
        row += 1
        lines.append(
            f"2024-03-{1 + row % 28:02d}T{row % 24:02d}:{row % 60:02d}:00Z,{row},"
            f"{('FR', 'DE', 'US', 'JP')[row % 4]},{row % 997 * 1.5},{row % 7}"
        )
    return ("\n".join(lines) + "\n").encode()


async def run_once(
    client: httpx.AsyncClient, pool: asyncpg.Pool, data: bytes, ds: str
) -> dict[str, float]:
    started = time.perf_counter()
    response = await client.post(
        "/graphql",
        data={
            "operations": json.dumps({"query": UPLOAD, "variables": {"f": None, "ds": ds}}),
            "map": json.dumps({"0": ["variables.f"]}),
        },
        files={"0": ("bench.csv", data, "text/csv")},
    )
    upload_s = time.perf_counter() - started
    task_id = response.json()["data"]["uploadFile"]["id"]
    while True:
        status = await pool.fetchval("SELECT status FROM tasks WHERE id = $1", task_id)
        if status in ("SUCCEEDED", "FAILED", "CANCELLED"):
            break
        await asyncio.sleep(0.05)
    total_s = time.perf_counter() - started
    if status != "SUCCEEDED":
        raise SystemExit(f"task {task_id} ended {status}")
    rows = await pool.fetch(
        "SELECT status, min(created_at) AS at FROM task_events WHERE task_id = $1 GROUP BY status",
        task_id,
    )
    at = {r["status"]: r["at"] for r in rows}
    timings = {"upload": upload_s, "total": total_s}
    for earlier, later in pairwise(STAGES):
        timings[earlier.lower()] = (at[later] - at[earlier]).total_seconds()
    druid_id = await pool.fetchval("SELECT druid_task_id FROM tasks WHERE id = $1", task_id)
    settings = Settings()
    status_json = (
        await client.get(
            f"{settings.druid_coordinator_url}/druid/indexer/v1/task/{druid_id}/status"
        )
    ).json()
    timings["druid_task_reported"] = status_json["status"]["duration"] / 1000
    waiting = await pool.fetchval(
        "SELECT message FROM task_events WHERE task_id = $1 AND status = 'INGESTING'"
        " AND message LIKE '%waiting for a Druid task slot%' ORDER BY id LIMIT 1",
        task_id,
    )
    if waiting:
        print(f"  stage while pending: {waiting}")
    return timings


async def queue_maintenance(count: int) -> None:
    """Queue `count` kill tasks at once, as the Coordinator's kill duty does."""
    async with DruidClient.from_settings(None, Settings()) as druid:  # no API token to Druid
        used = set(await druid.datasource_names())
        dropped = sorted(set(await druid.datasource_names(include_unused=True)) - used)
        if not dropped:
            raise SystemExit("no dropped datasource to queue kill tasks for")
        for n in range(count):
            datasource = dropped[n % len(dropped)]
            spec = {"type": "kill", "id": f"bench_kill_{n}_{time.time_ns()}"}
            await druid.submit_task({**spec, "dataSource": datasource, "interval": ALL_TIME})


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--url", default="http://127.0.0.1:8000")
    parser.add_argument("--maintenance", type=int, default=0, metavar="N")
    args = parser.parse_args()
    settings = Settings()
    data = one_mb_csv()
    pool = await asyncpg.create_pool(settings.database_url)
    results = []
    headers = await bench_headers(settings)
    async with httpx.AsyncClient(base_url=args.url, timeout=120, headers=headers) as client:
        for run in range(args.runs):
            if args.maintenance:
                await queue_maintenance(args.maintenance)
            results.append(
                await run_once(client, pool, data, f"bench_latency_{int(time.time())}_{run}")
            )
    await pool.close()
    median = {key: statistics.median(r[key] for r in results) for key in results[0]}
    sluice = median["upload"] + sum(
        median[s] for s in ("queued", "validating", "staging", "submitting")
    )
    druid = median["ingesting"] + median["publishing"]
    print(f"file: {len(data) / 1024 / 1024:.2f} MB, runs: {args.runs} (medians, seconds)")
    for key in (
        "upload",
        "queued",
        "validating",
        "staging",
        "submitting",
        "ingesting",
        "publishing",
    ):
        print(f"  {key:<22}{median[key]:7.3f}")
    print(f"  {'druid task (reported)':<22}{median['druid_task_reported']:7.3f}")
    print(f"end to end (upload → queryable): {median['total']:.2f} s")
    print(
        f"Sluice's own time: {sluice:.3f} s; Druid task + hand-off: {druid:.2f} s "
        f"(Sluice share {sluice / median['total']:.0%})"
    )


if __name__ == "__main__":
    asyncio.run(main())
