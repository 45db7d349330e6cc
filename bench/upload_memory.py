"""Memory and speed of the upload path on a large CSV.

Starts the API (uvicorn) and one arq worker as separate processes against the running local
services (PostgreSQL, Redis, S3; Druid is not needed: without it the task stops at SUBMITTING
with a clear error, after validation and staging, which is what we measure), uploads a
generated CSV of --size-mb through /graphql (multipart, streamed), and samples each process's
RSS every 50 ms.

    .venv/bin/python bench/upload_memory.py --size-mb 1024

Baseline in the same run: the raw S3 multipart upload of the same file with aioboto3
(`upload_file`, 8 MiB parts), so the ratio shows what the GraphQL layer costs.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import psutil

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.auth import bench_headers  # noqa: E402
from core.settings import Settings  # noqa: E402
from core.storage import S3ObjectStore  # noqa: E402

OUT = ROOT / "bench" / "out"
UPLOAD = (
    'mutation($f: Upload!) { uploadFile(file: $f, datasource: "bench_upload") '
    "{ __typename ... on IngestionTask { id } ... on UploadRejected { code message } } }"
)


def make_csv(size_mb: int) -> Path:
    path = OUT / f"upload_{size_mb}mb.csv"
    if path.exists() and path.stat().st_size >= size_mb * 1024 * 1024:
        return path
    OUT.mkdir(parents=True, exist_ok=True)
    target = size_mb * 1024 * 1024
    row = 0
    with path.open("w") as out:
        out.write("ts,user_id,country,amount,qty,comment\n")
        while out.tell() < target:
            lines = []
            for _ in range(10_000):
                row += 1
                lines.append(
                    f"2024-{1 + row % 12:02d}-{1 + row % 28:02d}T{row % 24:02d}:00:00Z,{row},"
                    f"{('FR', 'DE', 'US', 'JP', 'BR')[row % 5]},{row % 997 * 1.25},{row % 13},"
                    f"note {row % 101}\n"
                )
            out.write("".join(lines))
    return path


class PeakRss:
    def __init__(self, pid: int) -> None:
        self.process = psutil.Process(pid)
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                rss = self.process.memory_info().rss
                rss += sum(c.memory_info().rss for c in self.process.children(recursive=True))
            except psutil.Error:
                return
            self.peak = max(self.peak, rss)
            time.sleep(0.05)

    def stop(self) -> int:
        self._stop.set()
        self._thread.join()
        return self.peak


def start(cmd: list[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )


async def baseline_s3(path: Path, settings: Settings) -> float:
    async with S3ObjectStore(settings) as store:
        await store.ensure_bucket()
        started = time.perf_counter()
        await store.put_file("bench/baseline.csv", path)
        elapsed = time.perf_counter() - started
        await store.delete("bench/baseline.csv")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size-mb", type=int, default=1024)
    parser.add_argument("--port", type=int, default=8077)
    args = parser.parse_args()
    settings = Settings()
    path = make_csv(args.size_mb)
    size = path.stat().st_size
    env = {
        **os.environ,
        "SLUICE_API_PORT": str(args.port),
        "SLUICE_QUEUE_NAME": "sluice:bench",
        "SLUICE_DRUID_COORDINATOR_URL": "http://127.0.0.1:9",
        "SLUICE_DRUID_OVERLORD_URL": "http://127.0.0.1:9",
    }
    venv = ROOT / ".venv" / "bin"
    api = start(
        [
            str(venv / "uvicorn"),
            "api.app:create_app",
            "--factory",
            "--port",
            str(args.port),
            "--log-level",
            "warning",
        ],
        env,
    )
    worker = start([str(venv / "arq"), "workers.settings.WorkerSettings"], env)
    try:
        for _ in range(200):
            try:
                if httpx.get(f"http://127.0.0.1:{args.port}/readyz").status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        headers = asyncio.run(bench_headers(settings))
        api_rss, worker_rss = PeakRss(api.pid), PeakRss(worker.pid)
        started = time.perf_counter()
        with path.open("rb") as handle:
            response = httpx.post(
                f"http://127.0.0.1:{args.port}/graphql",
                data={
                    "operations": json.dumps({"query": UPLOAD, "variables": {"f": None}}),
                    "map": json.dumps({"0": ["variables.f"]}),
                },
                files={"0": (path.name, handle, "text/csv")},
                headers=headers,
                timeout=3600,
            )
        upload_s = time.perf_counter() - started
        result = response.json()["data"]["uploadFile"]
        task_id = result["id"]
        query = {
            "query": "query($id: ID!){ task(id:$id){ status error { code } } }",
            "variables": {"id": task_id},
        }
        while True:
            answer = httpx.post(
                f"http://127.0.0.1:{args.port}/graphql", json=query, headers=headers
            )
            task = answer.json()["data"]["task"]
            if task["status"] in ("FAILED", "SUCCEEDED", "CANCELLED"):
                break
            time.sleep(0.2)
        pipeline_s = time.perf_counter() - started
        peak_api, peak_worker = api_rss.stop(), worker_rss.stop()
    finally:
        api.terminate()
        worker.terminate()
        api.wait(30)
        worker.wait(30)
    s3_s = asyncio.run(baseline_s3(path, settings))
    mb = size / 1024 / 1024
    print(f"file: {mb:,.0f} MB")
    print(f"upload through /graphql: {upload_s:.1f} s = {mb / upload_s:.0f} MB/s")
    print(f"raw aioboto3 upload_file (baseline): {s3_s:.1f} s = {mb / s3_s:.0f} MB/s")
    print(f"ratio (graphql / raw S3 throughput): {s3_s / upload_s:.2f}")
    print(
        f"upload → validated and staged (task {task['status']}, {task['error']}): "
        f"{pipeline_s:.1f} s"
    )
    print(f"peak RSS: API {peak_api / 1024**2:.0f} MB, worker {peak_worker / 1024**2:.0f} MB")


if __name__ == "__main__":
    main()
