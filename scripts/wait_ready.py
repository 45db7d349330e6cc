"""Wait (bounded) until the local stack's services are healthy; name the one that is not.

python -m scripts.wait_ready --services      PostgreSQL, Redis, S3 and Druid
python -m scripts.wait_ready --all           ... plus the API and the worker
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from collections.abc import Awaitable, Callable
from urllib.parse import urlsplit

import httpx

from core.settings import Settings

Check = Callable[[Settings], Awaitable[bool]]


async def _tcp(url: str, default_port: int) -> bool:
    parts = urlsplit(url)
    try:
        _, writer = await asyncio.wait_for(
            asyncio.open_connection(parts.hostname, parts.port or default_port), 2
        )
    except (OSError, TimeoutError):
        return False
    writer.close()
    return True


async def _postgres(settings: Settings) -> bool:
    return await _tcp(settings.database_url, 5432)


async def _redis(settings: Settings) -> bool:
    return await _tcp(settings.redis_url, 6379)


async def _http_ok(url: str) -> bool:
    try:
        async with httpx.AsyncClient(timeout=3) as client:
            response = await client.get(url)
    except httpx.HTTPError:
        return False
    return response.status_code < 500


async def _s3(settings: Settings) -> bool:
    return await _http_ok(settings.s3_endpoint_url + "/status") or await _tcp(
        settings.s3_endpoint_url, 8333
    )


async def _druid(settings: Settings) -> bool:
    from core.druid.client import druid_ready  # imported late: Druid is optional for --quick

    return await druid_ready(settings)


async def _api(settings: Settings) -> bool:
    return await _http_ok(f"http://{settings.api_host}:{settings.api_port}/readyz")


async def _worker(settings: Settings) -> bool:
    from redis.asyncio import Redis
    from redis.exceptions import RedisError

    redis = Redis.from_url(settings.redis_url)
    try:
        return bool(await redis.exists(f"{settings.queue_name}:health-check"))
    except (OSError, RedisError):
        return False
    finally:
        await redis.aclose()


BASE: dict[str, tuple[Check, float]] = {
    "PostgreSQL": (_postgres, 60),
    "Redis": (_redis, 30),
    "SeaweedFS S3": (_s3, 60),
}
DRUID: dict[str, tuple[Check, float]] = {"Druid": (_druid, 300)}
APP: dict[str, tuple[Check, float]] = {"API": (_api, 120), "worker": (_worker, 120)}


async def wait_for(checks: dict[str, tuple[Check, float]], settings: Settings) -> list[str]:
    """Wait for every check concurrently; return the names of those that timed out."""

    async def one(name: str, check: Check, budget: float) -> str | None:
        deadline = time.monotonic() + budget
        while time.monotonic() < deadline:
            try:
                healthy = await check(settings)
            except Exception:  # a probe that breaks means "not ready yet"
                healthy = False
            if healthy:
                print(f"  ready: {name}", flush=True)
                return None
            await asyncio.sleep(0.5)
        return f"{name} (not healthy after {budget:.0f} s)"

    results = await asyncio.gather(*(one(n, c, b) for n, (c, b) in checks.items()))
    return [r for r in results if r]


def main() -> int:
    parser = argparse.ArgumentParser()
    group = parser.add_mutually_exclusive_group(required=True)
    group.add_argument("--services", action="store_true", help="PostgreSQL, Redis, S3, Druid")
    group.add_argument("--base", action="store_true", help="PostgreSQL, Redis, S3 only")
    group.add_argument("--all", action="store_true", help="everything incl. API and worker")
    parser.add_argument("--timeout", type=float, help="override every wait budget (seconds)")
    args = parser.parse_args()
    checks = dict(BASE)
    if not args.base:
        checks |= DRUID
    if args.all:
        checks |= APP
    if args.timeout is not None:
        checks = {name: (check, args.timeout) for name, (check, _) in checks.items()}
    failed = asyncio.run(wait_for(checks, Settings()))
    if failed:
        print(
            "Sluice could not start: " + "; ".join(failed) + ". Its log is in .data/logs/ "
            "(or the console above).",
            file=sys.stderr,
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
