"""Dashboard query overhead: the same time-series and top-N queries (a) through Sluice's
GraphQL API and (b) as the equivalent SQL straight to the Druid broker, interleaved in one run.

Needs PostgreSQL, Redis, S3 and Druid running (`make run`). Ingests the 20,000-row test sales
CSV into a fresh datasource (cataloged in its own `sluice_bench` database), or uses
`--datasource` if it is already cataloged there.

    .venv/bin/python bench/queries.py --runs 300 [--write]

(a) goes through the real app in-process (httpx.ASGITransport: Starlette, Strawberry with its
limiters and parser/validation caches, the per-request catalog lookup in PostgreSQL, the broker
call); (b) posts the
very SQL text, parameters and context that Sluice compiles, with httpx, to the broker.
`--write` records the numbers in bench/RESULTS.md under "Dashboard queries".
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import statistics
import sys
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import api.app as app_module  # noqa: E402
from bench.auth import bench_headers  # noqa: E402
from core import catalog  # noqa: E402
from core.db import create_pool  # noqa: E402
from core.queries import model as m  # noqa: E402
from core.queries.compiler import CompiledQuery, compile_timeseries, compile_topn  # noqa: E402
from core.queries.intervals import resolve_interval  # noqa: E402
from core.settings import Settings  # noqa: E402
from tests.druid.dashboard_data import make_csv  # noqa: E402
from tests.druid.dashboard_env import ingest  # noqa: E402

FEB = {"start": "2024-02-01", "end": "2024-03-01"}
TIMESERIES = """query($ds: String!, $interval: IntervalInput) {
  timeseries(datasource: $ds, metric: {aggregate: SUM, column: "amount"}, granularity: DAY,
             interval: $interval, filters: [{equals: {column: "device", value: "ios"}}]) {
    __typename ... on TimeSeries { timestamps values } ... on QueryProblem { message } } }"""
TOPN = """query($ds: String!, $interval: IntervalInput) {
  topN(datasource: $ds, dimension: "city", metric: {aggregate: COUNT}, limit: 5,
       interval: $interval) {
    __typename ... on TopN { keys values } ... on QueryProblem { message } } }"""

Samples = dict[str, dict[str, list[float]]]  # path -> {"wall": [...], "cpu": [...]}


def bench_settings() -> Settings:
    base = Settings()
    url = urlsplit(base.database_url)
    return base.model_copy(update={"database_url": urlunsplit(url._replace(path="/sluice_bench"))})


def equivalent_sql(name: str, dataset: catalog.Dataset) -> CompiledQuery:
    """What Sluice sends to Druid for the GraphQL query `name`."""
    interval = resolve_interval(
        start=FEB["start"], end=FEB["end"], relative=None, now=datetime.now(UTC)
    )
    if name == "timeseries":
        query = m.TimeseriesQuery(
            dataset.name,
            m.Metric(m.Aggregate.SUM, "amount"),
            m.Granularity.DAY,
            interval,
            (m.Equals("device", "ios"),),
        )
        return compile_timeseries(query, dataset, max_rows=Settings().query_max_rows)
    top = m.TopNQuery(dataset.name, "city", m.Metric(m.Aggregate.COUNT), 5, interval)
    return compile_topn(top, dataset, max_rows=Settings().query_max_rows)


async def via_sluice(client: httpx.AsyncClient, document: str, ds: str) -> float:
    started = time.perf_counter()
    response = await client.post(
        "/graphql", json={"query": document, "variables": {"ds": ds, "interval": FEB}}
    )
    elapsed = time.perf_counter() - started
    payload = response.json()
    result = next(iter(payload["data"].values()))
    assert result["__typename"] in ("TimeSeries", "TopN"), payload
    return elapsed


async def via_druid(http: httpx.AsyncClient, url: str, compiled: CompiledQuery) -> float:
    body = {
        "query": compiled.sql,
        "parameters": [p.to_json() for p in compiled.parameters],
        "resultFormat": "array",
        "header": True,
        "typesHeader": True,
        "sqlTypesHeader": True,
        "context": {
            "sqlQueryId": f"bench-{uuid.uuid4().hex}",
            "timeout": Settings().query_timeout_ms,
            "sqlOuterLimit": compiled.max_rows + 1,
            **compiled.context,
        },
    }
    started = time.perf_counter()
    response = await http.post(f"{url}/druid/v2/sql", json=body)
    elapsed = time.perf_counter() - started
    response.raise_for_status()
    response.json()
    return elapsed


def pct(samples: list[float], q: float) -> float:
    return statistics.quantiles(samples, n=100, method="inclusive")[int(q) - 1] * 1000


async def prepare(settings: Settings, datasource: str | None) -> tuple[Any, catalog.Dataset]:
    pool = await create_pool(settings.database_url)
    if datasource is None:
        datasource = (await ingest(make_csv(), settings=settings, pool=pool)).datasource
    dataset = await catalog.get_dataset(pool, datasource)
    if dataset is None:
        sys.exit(f"{datasource!r} is not cataloged in {settings.database_url}")
    return pool, dataset


async def main(runs: int, datasource: str | None) -> dict[str, Samples]:
    """Per query, per path: `runs` latencies, the paths taking turns in rotating order."""
    settings = bench_settings()
    pool, dataset = await prepare(settings, datasource)
    await pool.close()
    print(f"datasource: {dataset.name} (reuse with --datasource)", file=sys.stderr)
    app = app_module.create_app(settings)
    samples: dict[str, Samples] = {}
    async with (
        app_module.in_process(app) as asgi,
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=asgi),
            base_url="http://localhost",
            headers=await bench_headers(settings),
        ) as a,
        httpx.AsyncClient(timeout=30) as druid,
    ):
        for name, document in (("timeseries", TIMESERIES), ("topN", TOPN)):
            compiled = equivalent_sql(name, dataset)
            paths = {
                "sluice": partial(via_sluice, a, document, dataset.name),
                "druid": partial(via_druid, druid, settings.druid_broker_url, compiled),
            }
            samples[name] = await measure(paths, runs)
    return samples


async def measure(
    paths: dict[str, Callable[[], Awaitable[float]]], runs: int, *, warmup: int = 20
) -> Samples:
    """Wall time and this process's CPU time per request, per path. The paths take turns in
    rotating order so that drift in Druid or the machine hits every path alike; the first
    `warmup` rounds are discarded. Requests run one at a time, so the CPU time is the Python
    work of one request (client and app), whatever else loads the machine."""
    taken: Samples = {path: {"wall": [], "cpu": []} for path in paths}
    order = list(paths)
    for i in range(runs + warmup):
        order = order[1:] + order[:1]
        for path in order:
            cpu = time.process_time()
            wall = await paths[path]()
            cpu = time.process_time() - cpu
            if i >= warmup:
                taken[path]["wall"].append(wall)
                taken[path]["cpu"].append(cpu)
    return taken


def report(samples: dict[str, Samples], runs: int, load: tuple[float, float]) -> str:
    lines = [
        "| query | path | p50 ms | p95 ms | CPU p50 ms |",
        "|---|---|---|---|---|",
    ]
    summary = []
    for name, paths in samples.items():
        for path, values in paths.items():
            lines.append(
                f"| {name} | {path} | {pct(values['wall'], 50):.2f} | "
                f"{pct(values['wall'], 95):.2f} | {pct(values['cpu'], 50):.2f} |"
            )
        druid = paths["druid"]
        for path in (p for p in paths if p != "druid"):
            wall50 = pct(paths[path]["wall"], 50) - pct(druid["wall"], 50)
            wall95 = pct(paths[path]["wall"], 95) - pct(druid["wall"], 95)
            cpu50 = pct(paths[path]["cpu"], 50) - pct(druid["cpu"], 50)
            ratio = pct(paths[path]["wall"], 50) / pct(druid["wall"], 50)
            summary.append(
                f"- {name}, {path}: adds {wall50:.2f} ms at p50 (ratio {ratio:.2f}x), "
                f"{wall95:.2f} ms at p95; its own CPU work: {cpu50:.2f} ms per request."
            )
    footer = (
        f"{runs} interleaved runs per path; load average {load[0]:.1f} before, "
        f"{load[1]:.1f} after (2 cores)."
    )
    return "\n".join([*lines, "", *summary, "", footer])


def write_results(text: str, command: str) -> None:
    path = ROOT / "bench" / "RESULTS.md"
    current = path.read_text() if path.exists() else "# Benchmark results\n"
    section = (
        "## Dashboard queries\n\n"
        f"`{command}` ({datetime.now(UTC):%Y-%m-%d}, this machine, local Druid 25; the "
        "machine's load is in the last line).\n\n"
        "Same time-series (SUM(amount) per day in February, device = ios) and top-N (5 cities "
        "by COUNT in February) queries on the 20,000-row test file: *sluice* = GraphQL "
        "in-process over ASGI, including the catalog lookup in PostgreSQL; *druid* = the identical "
        "SQL, parameters and context posted straight to the broker. CPU = this process's CPU "
        "time per request (load-independent). Target: Sluice adds at most 5 ms at p50.\n\n"
        f"{text}\n\n"
        "History: before the limiter rules were built once (schema/__init__.py), validation "
        "ran from scratch on every request and Sluice added 9-11 ms at p50 (about 4.5 ms of "
        "its own CPU); with them plus Strawberry's parser and validation caches it adds about "
        "1.5 ms of CPU per request.\n"
    )
    pattern = re.compile(r"## Dashboard queries\n.*?(?=\n## |\Z)", re.S)
    if pattern.search(current):
        updated = pattern.sub(lambda _: section.rstrip("\n"), current)
    else:
        updated = current.rstrip("\n") + "\n\n" + section
    path.write_text(updated if updated.endswith("\n") else updated + "\n")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=300)
    parser.add_argument("--datasource", help="an already cataloged datasource to query")
    parser.add_argument("--write", action="store_true", help="record in bench/RESULTS.md")
    args = parser.parse_args()
    before = os.getloadavg()[0]
    results = asyncio.run(main(args.runs, args.datasource))
    text = report(results, args.runs, (before, os.getloadavg()[0]))
    print(text)
    if args.write:
        write_results(text, f".venv/bin/python bench/queries.py --runs {args.runs}")
