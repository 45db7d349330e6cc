"""Is the Druid cluster ready to ingest and answer queries? Name the service that is not.

    python -m core.druid.ready [--timeout 300]     (druid/wait-ready.sh runs this)

Ready means: the Coordinator and Overlord answer /status/health and are leaders (which needs
ZooKeeper and the metadata store); a Broker, a Historical and a MiddleManager have
registered; the Broker and Historical say they are ready to serve; the MiddleManager offers
task slots.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from typing import Any

import httpx

from core.druid.errors import DruidUnavailable
from core.settings import Settings

_PROBE_TIMEOUT_S = 3.0


async def readiness_problems(http: httpx.AsyncClient, settings: Settings) -> list[str]:
    """What is not ready yet, one plain sentence per service; empty when all is ready."""
    coordinator = settings.druid_coordinator_url.rstrip("/")
    overlord = settings.druid_overlord_url.rstrip("/")
    broker = settings.druid_broker_url.rstrip("/")
    if not await _ok(http, f"{coordinator}/status/health"):
        return [
            f"the coordinator-overlord does not answer at {coordinator} (druid/run.sh "
            "coordinator-overlord)"
        ]
    problems = []
    for url, role in (
        (f"{coordinator}/druid/coordinator/v1/isLeader", "Coordinator"),
        (f"{overlord}/druid/indexer/v1/isLeader", "Overlord"),
    ):
        if not await _ok(http, url):
            problems.append(
                f"the {role} has not become leader yet (it needs ZooKeeper on "
                "2181 and Druid's metadata database in PostgreSQL)"
            )
    roles = await _json(http, f"{coordinator}/druid/coordinator/v1/cluster") or {}
    for role, command in (
        ("broker", "broker"),
        ("historical", "historical"),
        ("middleManager", "middleManager"),
    ):
        if not roles.get(role):
            problems.append(f"no {role} has registered with ZooKeeper (druid/run.sh {command})")
    if not await _ok(http, f"{broker}/druid/broker/v1/readiness"):
        problems.append(f"the broker at {broker} is not ready to serve queries yet")
    for node in roles.get("historical") or ():
        url = f"http://{node['host']}:{node['plaintextPort']}"
        if not await _ok(http, f"{url}/druid/historical/v1/readiness"):
            problems.append(f"the historical at {url} has not loaded its segment cache yet")
    workers = await _json(http, f"{overlord}/druid/indexer/v1/workers")
    if roles.get("middleManager") and not workers:
        problems.append("the Overlord does not see the middleManager yet, so tasks cannot run")
    return problems


async def druid_ready(settings: Settings) -> bool:
    """One quick look: True when `readiness_problems` finds nothing."""
    async with httpx.AsyncClient(timeout=_PROBE_TIMEOUT_S) as http:
        return not await readiness_problems(http, settings)


async def wait_until_ready(settings: Settings, *, timeout_s: float = 300.0) -> None:
    """Poll until Druid is ready; raise `DruidUnavailable` naming what is still missing."""
    deadline = time.monotonic() + timeout_s
    async with httpx.AsyncClient(timeout=_PROBE_TIMEOUT_S) as http:
        while True:
            problems = await readiness_problems(http, settings)
            if not problems:
                return
            if time.monotonic() >= deadline:
                raise DruidUnavailable(
                    "cluster",
                    detail=f"not ready after {timeout_s:.0f} s: " + "; ".join(problems),
                )
            await asyncio.sleep(1.0)


async def _ok(http: httpx.AsyncClient, url: str) -> bool:
    try:
        response = await http.get(url, follow_redirects=True)
    except httpx.HTTPError:
        return False
    return response.status_code == 200


async def _json(http: httpx.AsyncClient, url: str) -> Any:
    try:
        response = await http.get(url, follow_redirects=True)
        return response.json() if response.status_code == 200 else None
    except (httpx.HTTPError, ValueError):
        return None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--timeout", type=float, default=300.0, help="seconds (default 300)")
    args = parser.parse_args()
    started = time.monotonic()
    try:
        asyncio.run(wait_until_ready(Settings(), timeout_s=args.timeout))
    except DruidUnavailable as exc:
        print(f"druid: {exc}", file=sys.stderr)
        return 1
    print(f"druid: ready after {time.monotonic() - started:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
