"""Live-update fan-out: N `taskFeed` subscribers on one API process, Sluice beside a minimal
Strawberry broadcaster, in the same run.

Needs PostgreSQL and Redis of the local stack (`make run`, or the shared stack); it starts its
own servers on free ports and stops them. For each case (`--sizes`, each `--reps` times,
interleaved: for every rep, every size, Sluice then the baseline) it

1. starts the server: Sluice (`uvicorn api.app:create_app --factory`, as scripts/run-api.sh)
   or the baseline (a Strawberry app whose subscription is one in-memory queue per subscriber
   fed by one Redis pub/sub connection; no PostgreSQL), each one process;
2. opens N WebSockets from one client process (graphql-transport-ws) and subscribes each to
   `taskFeed { id stage }`; then changes a task until every subscriber has seen a change (so
   all are live);
3. measures: one more change (Sluice: a real `TaskStore.transition`, i.e. PostgreSQL then
   Redis; baseline: a Redis publish carrying the item), the time until each subscriber
   receives it (p50, p99, max), errors (failed connections, error messages, missing
   deliveries), a plain query repeated meanwhile (p99), and the server's RSS. The queries
   come from a process of their own, as another user's would: in the client process they
   also waited for its own event loop, busy reading the N frames.

Both processes raise their soft open-file limit to the hard one (core/rlimits.py). Both run
without permessage-deflate, as scripts/run-api.sh does (`--ws-deflate`: with it, uvicorn's
default); the server's CPU seconds from the change to the last delivery are reported too, since
they move far less than the delivery times when others load the shared machine.

    .venv/bin/python bench/fanout.py --sizes 1000,3000,10000 --reps 1
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import multiprocessing
import os
import statistics
import subprocess
import sys
import time
from collections.abc import AsyncGenerator
from pathlib import Path
from typing import Any

import httpx
import strawberry
import uvicorn
import websockets
from redis.asyncio import Redis
from strawberry.asgi import GraphQL

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.auth import bench_headers  # noqa: E402
from core.model import TaskStatus  # noqa: E402
from core.rlimits import raise_open_file_limit  # noqa: E402
from core.services import Services, open_services  # noqa: E402
from core.settings import Settings  # noqa: E402
from tests.tasks import new_task  # noqa: E402

FEED = "subscription { taskFeed { id stage } }"
BASELINE_CHANNEL = "bench:fanout"


# --- the baseline server: a minimal Strawberry broadcaster ---


BASELINE_QUEUES: set[asyncio.Queue[dict[str, str]]] = set()


@strawberry.type
class Item:
    id: str
    stage: str


@strawberry.type
class BaselineQuery:
    @strawberry.field
    def hello(self) -> str:
        return "hello"


@strawberry.type
class BaselineSubscription:
    @strawberry.subscription
    async def task_feed(self) -> AsyncGenerator[Item, None]:
        queue: asyncio.Queue[dict[str, str]] = asyncio.Queue(maxsize=16)
        BASELINE_QUEUES.add(queue)
        try:
            while True:
                yield Item(**await queue.get())
        finally:
            BASELINE_QUEUES.discard(queue)


def serve_baseline(port: int, redis_url: str, *, ws_deflate: bool) -> None:
    queues = BASELINE_QUEUES

    async def pump() -> None:
        async with Redis.from_url(redis_url) as redis, redis.pubsub() as pubsub:
            await pubsub.subscribe(BASELINE_CHANNEL)
            async for message in pubsub.listen():
                if message["type"] == "message":
                    item = json.loads(message["data"])
                    for queue in queues:
                        if not queue.full():
                            queue.put_nowait(item)

    graphql = GraphQL(strawberry.Schema(query=BaselineQuery, subscription=BaselineSubscription))

    async def app(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            task = asyncio.create_task(pump())
            while (await receive())["type"] != "lifespan.shutdown":
                await send({"type": "lifespan.startup.complete"})
            task.cancel()
            await send({"type": "lifespan.shutdown.complete"})
            return
        await graphql(scope, receive, send)

    raise_open_file_limit()
    uvicorn.run(
        app,
        host="127.0.0.1",
        port=port,
        log_level="warning",
        ws="websockets-sansio",
        ws_per_message_deflate=ws_deflate,
    )


def start_server(kind: str, port: int, n: int, *, ws_deflate: bool) -> subprocess.Popen[bytes]:
    # One bench token stands in for N users: the per-token limits on new WebSockets
    # (`websocket_rate_per_minute`, 60), on subscriptions started (120) and on queries (600, the
    # plain query measured meanwhile) would refuse most of them.
    env = {
        **os.environ,
        "SLUICE_API_PORT": str(port),
        "SLUICE_WEBSOCKET_RATE_PER_MINUTE": str(n),
        "SLUICE_SUBSCRIPTION_RATE_PER_MINUTE": str(n),
        "SLUICE_QUERY_RATE_PER_MINUTE": str(max(n, 100_000)),
    }
    if kind == "sluice":
        command = [sys.executable, "-m", "uvicorn", "api.app:create_app", "--factory"]
        command += ["--host", "127.0.0.1", "--port", str(port), "--ws", "websockets-sansio"]
        command += ["--ws-per-message-deflate", str(ws_deflate).lower()]  # as run-api.sh
        command += ["--log-level", "warning", "--no-access-log"]
    else:
        command = [sys.executable, __file__, "--serve-baseline", str(port)]
        command += ["--ws-deflate"] if ws_deflate else []
    return subprocess.Popen(command, cwd=ROOT, env=env)


# --- the client ---


class Subscriber:
    """One WebSocket with one `taskFeed` subscription, recording when each stage of the
    bench's task arrives (changes of other tasks on the same Redis are not counted)."""

    def __init__(self, task_id: str) -> None:
        self.task_id = task_id
        self.arrivals: dict[str, float] = {}
        self.errors = 0
        self.subscribed = asyncio.Event()
        self.live = asyncio.Event()

    async def run(self, url: str, connected: asyncio.Semaphore, token: str | None) -> None:
        try:
            async with connected:
                ws = await websockets.connect(
                    f"ws://{url}/graphql",
                    subprotocols=[websockets.Subprotocol("graphql-transport-ws")],
                    open_timeout=120,
                    ping_interval=None,
                    max_queue=None,
                )
                init = {"authorization": token} if token else {}
                await ws.send(json.dumps({"type": "connection_init", "payload": init}))
                assert json.loads(await ws.recv())["type"] == "connection_ack"
                payload = {"query": FEED}
                await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": payload}))
                self.subscribed.set()
            async with ws:
                async for raw in ws:
                    message = json.loads(raw)
                    if message["type"] != "next" or "errors" in message["payload"]:
                        self.errors += 1
                        continue
                    item = message["payload"]["data"]["taskFeed"]
                    if item["id"] != self.task_id:
                        continue
                    self.arrivals[item["stage"]] = time.perf_counter()
                    self.live.set()
        except Exception:
            self.errors += 1
            self.subscribed.set()
            self.live.set()  # counted as an error, not waited for


async def change(kind: str, svc: Services, task_id: str, stage: str) -> None:
    if kind == "sluice":
        await svc.tasks.transition(task_id, TaskStatus.QUEUED, message=stage)
    else:
        await svc.redis.publish(BASELINE_CHANNEL, json.dumps({"id": task_id, "stage": stage}))


async def plain_queries(
    kind: str, url: str, task_id: str, headers: dict[str, str], stop: Any, out: Any
) -> None:
    """Repeat a plain query until `stop` is set; `out` gets "ready" after the first one, then
    the list of their times."""
    body = (
        {"query": "{ hello }"}
        if kind == "baseline"
        else {"query": f'{{ task(id: "{task_id}") {{ id status }} }}'}
    )
    times: list[float] = []
    async with httpx.AsyncClient(base_url=f"http://{url}", timeout=60, headers=headers) as http:
        while not stop.is_set():
            started = time.perf_counter()
            response = await http.post("/graphql", json=body)
            times.append(time.perf_counter() - started)
            assert response.status_code == 200 and "errors" not in response.json()
            if len(times) == 1:
                out.put("ready")
            await asyncio.sleep(0.02)
    out.put(times)


def query_probe(*args: Any) -> None:
    """`plain_queries` in a process of its own (the target of `QueryProbe`)."""
    asyncio.run(plain_queries(*args))


class QueryProbe:
    """Plain queries from another process while the change is delivered."""

    def __init__(self, kind: str, url: str, task_id: str, headers: dict[str, str]) -> None:
        context = multiprocessing.get_context("spawn")
        self._stop, self._out = context.Event(), context.Queue()
        self._process = context.Process(
            target=query_probe, args=(kind, url, task_id, headers, self._stop, self._out)
        )

    async def start(self) -> None:
        self._process.start()
        assert await asyncio.to_thread(self._out.get, timeout=120) == "ready"

    async def stop(self) -> list[float]:
        self._stop.set()
        times: list[float] = await asyncio.to_thread(self._out.get, timeout=120)
        await asyncio.to_thread(self._process.join, 30)
        return times


def cpu_s(pid: int) -> float:
    """The process's CPU time so far (user + system): unlike delivery times, it barely moves
    when other engineers load the shared machine."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


async def client(kind: str, url: str, n: int, server_pid: int, warmup_s: float) -> dict[str, Any]:
    raise_open_file_limit()
    settings = Settings()
    task_id = f"bench-fanout-{time.time_ns()}"
    async with open_services(settings) as svc:
        if kind == "sluice":
            await new_task(svc, task_id, datasource="bench")
        subscribers = [Subscriber(task_id) for _ in range(n)]
        connecting = asyncio.Semaphore(200)
        headers = await bench_headers(settings) if kind == "sluice" else {}
        token = headers.get("authorization")
        readers = [asyncio.create_task(s.run(url, connecting, token)) for s in subscribers]
        # Warm-up: every subscriber has seen a change. Past `warmup_s` the measurement runs
        # with the subscribers that are live; the others count as errors (`live` says how many).
        # Changes start once every subscription is sent (each change costs the server a
        # delivery to every live subscriber: changing all along starved the connecting ones).
        warm, deadline = 0, time.perf_counter() + warmup_s
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(warmup_s):
                await asyncio.gather(*(s.subscribed.wait() for s in subscribers))
        while not all(s.live.is_set() for s in subscribers) and time.perf_counter() < deadline:
            warm += 1
            await change(kind, svc, task_id, f"warm {warm}")
            await asyncio.sleep(2.0)
        live = sum(s.live.is_set() and not s.errors for s in subscribers)
        # Quiet: every warm-up change delivered (no backlog ahead of the measured one).
        while (
            time.perf_counter() - max(max(s.arrivals.values(), default=0) for s in subscribers) < 1
        ):
            await asyncio.sleep(0.1)
        queries = QueryProbe(kind, url, task_id, headers)
        await queries.start()
        await asyncio.sleep(1.0)  # the query loop is running before the change
        started, cpu_before = time.perf_counter(), cpu_s(server_pid)
        await change(kind, svc, task_id, "measure")
        changed = time.perf_counter()  # Sluice: committed in PostgreSQL and published
        waiting = [s for s in subscribers if s.live.is_set() and not s.errors]
        with contextlib.suppress(TimeoutError):  # missing after 120 s: errors
            async with asyncio.timeout(120):
                while not all("measure" in s.arrivals or s.errors for s in waiting):
                    await asyncio.sleep(0.01)
        cpu_used = cpu_s(server_pid) - cpu_before  # (the plain queries meanwhile included)
        query_times = await queries.stop()
        rss = rss_mb(server_pid)
        for reader in readers:
            reader.cancel()
        await asyncio.gather(*readers, return_exceptions=True)
        if kind == "sluice":  # no file behind it: never leave it for a worker to pick up
            await svc.tasks.transition(task_id, TaskStatus.CANCELLED, message="benchmark task")
    delays = sorted(s.arrivals["measure"] - started for s in subscribers if "measure" in s.arrivals)
    return {
        "p50": statistics.median(delays),
        "p99": delays[int(0.99 * (len(delays) - 1))],
        "max": delays[-1],
        "errors": sum(s.errors for s in subscribers) + n - len(delays),
        "query_p99": sorted(query_times)[int(0.99 * (len(query_times) - 1))],
        "rss_mb": rss,
        "cpu_s": cpu_used,
        "live": live,
        "change_s": changed - started,
    }


# --- the driver ---


def run_case(kind: str, n: int, warmup_s: float, *, ws_deflate: bool) -> dict[str, Any]:
    from tests.faults.stack import free_port

    port = free_port()
    server = start_server(kind, port, n, ws_deflate=ws_deflate)
    try:
        url = f"127.0.0.1:{port}"
        for _ in range(600):
            try:
                httpx.post(f"http://{url}/graphql", json={"query": "{ __typename }"}, timeout=2)
                break
            except httpx.TransportError:
                time.sleep(0.1)
        return asyncio.run(client(kind, url, n, server.pid, warmup_s))
    finally:
        server.terminate()
        server.wait(timeout=60)


def summarise(results: dict[tuple[str, int], list[dict[str, Any]]], reps: int) -> None:
    label = "median (min-max)" if reps > 1 else "single run"
    print(
        "| subscribers | server | live | p50 s | p99 s | max s | errors | query p99 ms | RSS MB "
        "| server CPU s |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|")

    def cell(values: list[float], scale: float = 1.0, fmt: str = ".2f") -> str:
        values = [v * scale for v in values]
        if len(values) == 1:
            return f"{values[0]:{fmt}}"
        return f"{statistics.median(values):{fmt}} ({min(values):{fmt}}-{max(values):{fmt}})"

    for (kind, n), runs in results.items():
        print(
            f"| {n:,} | {kind} | {min(r['live'] for r in runs):,} | "
            f"{cell([r['p50'] for r in runs])} | "
            f"{cell([r['p99'] for r in runs])} | {cell([r['max'] for r in runs])} | "
            f"{sum(r['errors'] for r in runs)} | "
            f"{cell([r['query_p99'] for r in runs], 1000, '.1f')} | "
            f"{cell([r['rss_mb'] for r in runs], fmt='.0f')} | "
            f"{cell([r['cpu_s'] for r in runs])} |"
        )
    for (kind, n), runs in results.items():
        if kind == "sluice" and ("baseline", n) in results:
            ours = statistics.median(r["p99"] for r in runs)
            base = statistics.median(r["p99"] for r in results[("baseline", n)])
            print(f"- {n:,}: Sluice p99 / baseline p99 = {ours / base:.2f} ({label})")
    print(f"load average after: {os.getloadavg()[0]:.1f} (2 cores)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="1000,3000,10000")
    parser.add_argument("--reps", type=int, default=1)
    parser.add_argument("--only", choices=("sluice", "baseline"))
    parser.add_argument("--warmup-s", type=float, default=600, help="then measure the live ones")
    parser.add_argument("--serve-baseline", type=int, metavar="PORT")
    parser.add_argument(
        "--ws-deflate",
        action="store_true",
        help="both servers offer permessage-deflate (uvicorn's default; the API turns it off)",
    )
    args = parser.parse_args()
    settings = Settings()
    if args.serve_baseline:
        serve_baseline(args.serve_baseline, settings.redis_url, ws_deflate=args.ws_deflate)
        return
    raise_open_file_limit()
    kinds = [args.only] if args.only else ["sluice", "baseline"]
    results: dict[tuple[str, int], list[dict[str, Any]]] = {}
    print(f"load average before: {os.getloadavg()[0]:.1f}")
    for _ in range(args.reps):
        for n in (int(size) for size in args.sizes.split(",")):
            for kind in kinds:
                result = run_case(kind, n, args.warmup_s, ws_deflate=args.ws_deflate)
                print(kind, n, json.dumps(result), flush=True)
                results.setdefault((kind, n), []).append(result)
    summarise(results, args.reps)


if __name__ == "__main__":
    main()
