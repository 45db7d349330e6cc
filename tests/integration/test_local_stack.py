"""The local stack's own scripts, run for real in a copy of this checkout on other ports.

The copy sits in a `mkdtemp` directory (mode 700: the `postgres` user cannot enter it), like
a clone under /root. `scripts/stack.sh up --no-druid` brings up PostgreSQL, Redis and S3 there
exactly as `make test` does, next to the shared stack and never touching it.
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import asyncpg
import pytest
from redis import Redis
from redis.exceptions import RedisError

from core.settings import ROOT
from tests.faults.stack import port_is_free

# Bounds for slow machines; never asserted on.
STACK_TIMEOUT_S = 240
RESTART_TIMEOUT_S = 60


@dataclass
class Checkout:
    root: Path
    env: dict[str, str]
    postgres_port: int
    redis_port: int

    def run(self, *command: str, **settings: str) -> subprocess.CompletedProcess[str]:
        """Run `command` in the copy; `settings` are extra `SLUICE_*` variables."""
        extra = {f"SLUICE_{name.upper()}": value for name, value in settings.items()}
        return subprocess.run(
            command,
            cwd=self.root,
            env=self.env | extra,
            capture_output=True,
            text=True,
            timeout=STACK_TIMEOUT_S,
            check=False,
        )

    def log(self, name: str) -> str:
        path = self.root / ".data" / "logs" / name
        return path.read_text(errors="replace") if path.exists() else ""


def _listening(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


def _ports() -> tuple[int, int, int]:
    """PostgreSQL, Redis and S3 ports, with every port SeaweedFS derives from S3's free."""
    for start in range(random.randrange(20_000, 28_000), 29_000, 7):
        s3_offsets = (0, 556, 1000, 1007, 15313)
        wanted = [start + 1, start + 2] + [start + o + g for o in s3_offsets for g in (0, 10_000)]
        if all(port_is_free(port) for port in wanted):
            return start + 1, start + 2, start
    raise AssertionError("no free ports for a second local stack")


def _copy_checkout(destination: Path) -> None:
    """Copy the files git knows here (tracked or new, not ignored): a clone of the work tree."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        check=True,
    ).stdout.decode()
    for name in filter(None, listed.split("\0")):
        source = ROOT / name
        if source.is_file():
            target = destination / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)


@pytest.fixture(scope="module")
def checkout() -> Iterator[Checkout]:
    parent = Path(tempfile.mkdtemp(prefix="sluice-stack-"))
    assert parent.stat().st_mode & 0o777 == 0o700
    root = parent / "sluice"
    _copy_checkout(root)
    pg, redis, s3 = _ports()
    (root / ".env").write_text(
        f"SLUICE_DATABASE_URL=postgresql://postgres@127.0.0.1:{pg}/sluice\n"
        f"SLUICE_REDIS_URL=redis://127.0.0.1:{redis}/0\n"
        f"SLUICE_S3_ENDPOINT_URL=http://127.0.0.1:{s3}\n"
    )
    # Only the copy's .env configures it; this checkout's venv runs it.
    env = {key: value for key, value in os.environ.items() if not key.startswith("SLUICE_")}
    env["SLUICE_VENV"] = str(Path(sys.executable).parent.parent)
    copy = Checkout(root=root, env=env, postgres_port=pg, redis_port=redis)
    try:
        yield copy
    finally:
        copy.run("make", "--no-print-directory", "clean-data")
        shutil.rmtree(parent)


def _wait_until(condition: Callable[[], bool], what: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"{what}: not within {timeout} s"
        time.sleep(0.2)


def _redis_pid(port: int) -> int | None:
    try:
        with Redis(port=port, socket_timeout=2) as client:
            return int(client.info("server")["process_id"])
    except (OSError, RedisError):
        return None


async def test_stack_runs_from_a_closed_directory_durably_and_restarts_a_killed_service(
    checkout: Checkout,
) -> None:
    up = checkout.run("scripts/stack.sh", "up", "--no-druid")
    try:
        assert up.returncode == 0, up.stdout + up.stderr + checkout.log("stack.log")
        pg_dir = checkout.root / ".data" / "pg"
        if os.getuid() == 0:  # PostgreSQL runs as `postgres`: its cluster lives where it can go
            assert pg_dir.is_symlink() and pg_dir.resolve().is_relative_to("/var/lib/sluice")

        connection = await asyncpg.connect(
            host="127.0.0.1", port=checkout.postgres_port, user="postgres", database="postgres"
        )
        try:
            settings = await connection.fetch(
                "SELECT name, setting FROM pg_settings "
                "WHERE name IN ('fsync', 'synchronous_commit', 'full_page_writes')"
            )
        finally:
            await connection.close()
        assert {row["name"]: row["setting"] for row in settings} == {
            "fsync": "on",
            "synchronous_commit": "on",
            "full_page_writes": "on",
        }

        # A service that dies before supervisord counts it as started (startsecs) is a failed
        # start, retried without an EXITED event: crash it only once it is RUNNING.
        _wait_until(
            lambda: "success: redis entered RUNNING state" in checkout.log("stack.log"),
            "Redis running under supervisord",
            RESTART_TIMEOUT_S,
        )
        first = _redis_pid(checkout.redis_port)
        assert first is not None
        os.kill(first, signal.SIGKILL)
        _wait_until(
            lambda: _redis_pid(checkout.redis_port) not in (None, first),
            "Redis restarted",
            RESTART_TIMEOUT_S,
        )
        _wait_until(
            lambda: "redis stopped unexpectedly" in checkout.log("stack.log"),
            "the crash explained",
            RESTART_TIMEOUT_S,
        )
        assert "exited: redis (terminated by SIGKILL; not expected)" in checkout.log("stack.log")
    finally:
        down = checkout.run("scripts/stack.sh", "down")
    assert down.returncode == 0, down.stdout + down.stderr
    assert not _listening(checkout.postgres_port) and not _listening(checkout.redis_port)


def test_a_service_that_cannot_start_again_stops_the_stack_naming_it(
    checkout: Checkout,
) -> None:
    # Something else holds Redis's port, so every start fails at once.
    with socket.socket() as squatter:
        squatter.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        squatter.bind(("127.0.0.1", checkout.redis_port))
        squatter.listen()
        # Two tries (1 + 2 s of back-off) instead of the default 8 (36 s): the same FATAL.
        result = checkout.run("scripts/supervise.sh", "redis", supervise_start_retries="2")

    assert result.returncode == 1, result.stdout + result.stderr
    assert "redis could not be started again (2 tries" in result.stdout
    assert "Sluice stopped: redis could not be started again" in result.stderr
    assert "Address already in use" in result.stdout  # the end of its log says why
