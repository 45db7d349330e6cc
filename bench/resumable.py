"""Benchmark: a resumable upload session (presigned parts straight to S3) against raw S3.

    .venv/bin/python bench/resumable.py --size-mb 1024     # needs `make run` (the API)

Times, on the same generated CSV (bench/out, shared with upload_memory.py) and in the same
run: `startUpload` + every part PUT to its presigned URL (3 in flight, as the web app does)
+ `completeUpload` through the running API, against aioboto3 `upload_file` of the file
straight to S3. The task is cancelled right after completion so no ingestion runs. Prints the
throughput of both and their ratio.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.auth import bench_headers  # noqa: E402
from bench.upload_memory import baseline_s3, make_csv  # noqa: E402
from core.settings import Settings  # noqa: E402

IN_FLIGHT = 3
START = """mutation($name: String!, $size: Float!) {
  startUpload(filename: $name, sizeBytes: $size, datasource: "bench_resumable") {
    __typename ... on UploadSession { id partSizeBytes partCount parts(count: 1000) { number url } }
    ... on UploadRejected { code message } } }"""
COMPLETE = """mutation($id: ID!) { completeUpload(id: $id) {
  __typename ... on IngestionTask { id } ... on UploadRejected { code message } } }"""
CANCEL_TASK = "mutation($id: ID!) { cancelTask(id: $id) { __typename } }"


async def _gql(
    http: httpx.AsyncClient, api: str, headers: dict[str, str], query: str, **variables: Any
) -> Any:
    # Headers per call: the presigned S3 PUTs must not carry the API token.
    response = await http.post(
        f"{api}/graphql", json={"query": query, "variables": variables}, headers=headers
    )
    body = response.json()
    if "errors" in body:
        raise SystemExit(f"GraphQL error: {body['errors']}")
    return body["data"]


async def session_upload(path: Path, api: str, headers: dict[str, str]) -> float:
    size = path.stat().st_size
    async with httpx.AsyncClient(timeout=600) as http:
        started = time.perf_counter()
        session = (await _gql(http, api, headers, START, name=path.name, size=size))["startUpload"]
        if session["__typename"] != "UploadSession":
            raise SystemExit(f"rejected: {session}")
        part_size, queue = session["partSizeBytes"], list(session["parts"])

        async def worker() -> None:
            with path.open("rb") as f:
                while queue:
                    part = queue.pop(0)
                    f.seek((part["number"] - 1) * part_size)
                    response = await http.put(part["url"], content=f.read(part_size))
                    response.raise_for_status()

        await asyncio.gather(*(worker() for _ in range(IN_FLIGHT)))
        done = (await _gql(http, api, headers, COMPLETE, id=session["id"]))["completeUpload"]
        elapsed = time.perf_counter() - started
        if done["__typename"] != "IngestionTask":
            raise SystemExit(f"completion rejected: {done}")
        await _gql(http, api, headers, CANCEL_TASK, id=done["id"])
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mb", type=int, default=1024)
    args = parser.parse_args()
    settings = Settings()
    api = f"http://{settings.api_host}:{settings.api_port}"
    path = make_csv(args.size_mb)
    size_mb = path.stat().st_size / 1e6
    print(
        f"# {os.cpu_count()} CPUs, load average before {os.getloadavg()[0]:.1f}; "
        f"file {size_mb:,.0f} MB"
    )
    headers = asyncio.run(bench_headers(settings))
    resumable = asyncio.run(session_upload(path, api, headers))
    raw = asyncio.run(baseline_s3(path, settings))
    print(
        f"resumable session (start + {IN_FLIGHT} parts in flight + complete): {resumable:.1f} s"
        f" = {size_mb / resumable:,.0f} MB/s"
    )
    print(f"raw aioboto3 upload_file (baseline): {raw:.1f} s = {size_mb / raw:,.0f} MB/s")
    print(f"ratio (session / raw S3 throughput): {raw / resumable:.2f}")
    print(f"load average after {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
