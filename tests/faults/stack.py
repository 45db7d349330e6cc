"""The processes the fault tests kill, pause and restart: their own PostgreSQL and Redis, and
Sluice's worker and API as subprocesses. None of them is shared with the local stack, so a
SIGKILL here never disturbs another test or engineer. (S3 and Druid are the shared ones,
except in the S3 outage test, which runs its own SeaweedFS.)"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import IO

import asyncpg
import httpx
import psutil
from redis.asyncio import Redis
from redis.exceptions import RedisError

from core.settings import ROOT, Settings

PG_BIN = Path("/usr/lib/postgresql/15/bin")
START_TIMEOUT_S = 60.0


GRPC_OFFSET = 10_000  # a SeaweedFS server's gRPC port is its HTTP port + this
_PORTS = random.SystemRandom()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def port_with_grpc_twin(low: int = 12_000, high: int = 22_000) -> int:
    """A free port P whose P + GRPC_OFFSET is free too, both below the ephemeral range."""
    while True:
        # Not the `random` module's shared generator: test plugins may seed it (two runs here
        # chose the same ports), and runs at the same time would then collide.
        port = _PORTS.randrange(low, high)
        if all(port_is_free(p) for p in (port, port + GRPC_OFFSET)):
            return port


def port_is_free(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


class Process:
    """A process this test run started, with the faults applied to it: SIGKILL (with every
    child, as a crashed host would lose them), SIGSTOP/SIGCONT (a hung service)."""

    def __init__(self) -> None:
        self.popen: subprocess.Popen[bytes] | None = None

    @property
    def running(self) -> bool:
        return self.popen is not None and self.popen.poll() is None

    def _tree(self) -> list[psutil.Process]:
        assert self.popen is not None
        parent = psutil.Process(self.popen.pid)
        return [parent, *parent.children(recursive=True)]

    def kill(self) -> None:
        """kill -9 the process and its children, and reap it."""
        if self.popen is None:
            return
        with contextlib.suppress(psutil.NoSuchProcess):
            for proc in self._tree():
                with contextlib.suppress(psutil.NoSuchProcess):
                    proc.send_signal(signal.SIGKILL)
        self.popen.wait(timeout=30)
        self.popen = None

    def pause(self) -> None:
        for proc in self._tree():
            proc.send_signal(signal.SIGSTOP)

    def resume(self) -> None:
        for proc in self._tree():
            proc.send_signal(signal.SIGCONT)


class OwnRedis(Process):
    """redis-server on a free port, no persistence: a restart loses the queue, as a restart of
    a cache-only Redis does."""

    def __init__(self, workdir: Path) -> None:
        super().__init__()
        self.port, self.workdir = free_port(), workdir
        self.url = f"redis://127.0.0.1:{self.port}/0"

    async def start(self) -> None:
        args = ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1"]
        self.popen = subprocess.Popen(
            [*args, "--save", "", "--appendonly", "no"],
            cwd=self.workdir,
            stdout=subprocess.DEVNULL,
        )
        async with asyncio.timeout(START_TIMEOUT_S), Redis.from_url(self.url) as client:
            while True:  # until it answers
                try:
                    await client.ping()
                    return
                except (RedisError, OSError):
                    await asyncio.sleep(0.05)


class OwnPostgres(Process):
    """A throw-away PostgreSQL 15 cluster (fsync on, as production runs it) on a free port.
    Its data survives `kill()`: `start()` again runs crash recovery."""

    def __init__(self) -> None:
        super().__init__()
        self.port = free_port()
        # Not under pytest's tmp_path: that is private to root, and the server runs as postgres.
        self.dir = Path(tempfile.mkdtemp(prefix="sluice-faults-pg-"))
        self.data = self.dir / "data"
        self.url = f"postgresql://postgres@127.0.0.1:{self.port}/sluice"

    def _as_postgres(self, *args: str) -> list[str]:
        return ["runuser", "-u", "postgres", "--", *args] if os.geteuid() == 0 else list(args)

    async def init(self) -> None:
        if os.geteuid() == 0:
            shutil.chown(self.dir, "postgres", "postgres")
        subprocess.run(
            self._as_postgres(
                str(PG_BIN / "initdb"), "-D", str(self.data), "-U", "postgres", "--auth=trust"
            ),
            check=True,
            stdout=subprocess.DEVNULL,
        )
        await self.start()
        conn = await asyncpg.connect(self.url.replace("/sluice", "/postgres"))
        try:
            await conn.execute("CREATE DATABASE sluice")
        finally:
            await conn.close()

    async def start(self) -> None:
        with (self.dir / "log").open("ab") as log:  # the child keeps its own descriptor
            self.popen = self._spawn(log)
        async with asyncio.timeout(START_TIMEOUT_S):
            while True:  # until it accepts connections (crash recovery first, after a kill)
                try:
                    conn = await asyncpg.connect(self.url.replace("/sluice", "/postgres"))
                    await conn.close()
                    return
                except (OSError, asyncpg.PostgresError):
                    await asyncio.sleep(0.1)

    def _spawn(self, log: IO[bytes]) -> subprocess.Popen[bytes]:
        # The postmaster itself is our child (no runuser in between), so a kill reaps it: a
        # postmaster left as a zombie would keep its pid "running" and block the restart.
        user = "postgres" if os.geteuid() == 0 else None
        return subprocess.Popen(
            [
                str(PG_BIN / "postgres"),
                "-D",
                str(self.data),
                "-p",
                str(self.port),
                "-k",
                str(self.dir),
                "-c",
                "listen_addresses=127.0.0.1",
                "-c",
                "fsync=on",
                # A backend whose client was killed notices within a second, even while it
                # waits for a lock (the crash tests kill workers in the middle of a statement).
                "-c",
                "client_connection_check_interval=1s",
            ],
            stdout=log,
            stderr=log,
            user=user,
            group=user,
            cwd=self.dir,
        )

    def remove(self) -> None:
        self.kill()
        shutil.rmtree(self.dir, ignore_errors=True)


class OwnSeaweed(Process):
    """`weed mini` (S3) with its own data directory, ports and identity.

    Like the stack's (scripts/run-s3.sh) it knows one identity, the keys of the settings given,
    written to a file; its environment carries no AWS_* variables, because `weed mini` makes
    AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY its only identity when they are set. Each of its
    servers listens on a port and that port + 10000 (gRPC), both chosen below the kernel's
    ephemeral range (ip_local_port_range, 32768 and up here) and passed explicitly: a port
    from that range can be taken by any outgoing connection on the machine before weed binds
    it, and weed then moves that gRPC server elsewhere by itself."""

    SERVERS = ("s3", "master", "volume", "filer", "admin")

    def __init__(self, workdir: Path, settings: Settings) -> None:
        super().__init__()
        self.workdir, self.settings = workdir, settings
        self.ports = {server: port_with_grpc_twin() for server in self.SERVERS}
        self.url = f"http://127.0.0.1:{self.ports['s3']}"
        self.log = workdir / "weed.log"

    async def start(self) -> None:
        """Start weed and wait until S3 answers. A port taken between choosing it and weed
        binding it (another test run's SeaweedFS) is a start on other ports, up to 3 times."""
        (self.workdir / "data").mkdir(exist_ok=True)
        (self.workdir / "logs").mkdir(exist_ok=True)
        identity = self.workdir / "s3.json"
        identity.touch(mode=0o600)
        identity.write_text(json.dumps({"identities": [self._identity()]}))
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        for _ in range(3):
            with self.log.open("ab") as log:  # the child keeps its own descriptor
                self.popen = subprocess.Popen(
                    self._command(identity), stdout=log, stderr=log, env=env, cwd=self.workdir
                )
            if await self._answers():
                return
            self.kill()
            self.ports = {server: port_with_grpc_twin() for server in self.SERVERS}
            self.url = f"http://127.0.0.1:{self.ports['s3']}"
        raise AssertionError(self.log.read_text(errors="replace")[-3000:])

    async def _answers(self) -> bool:
        """Whether S3 answers; False if weed exited because a port was taken."""
        async with asyncio.timeout(START_TIMEOUT_S), httpx.AsyncClient() as http:
            while self.running:
                try:
                    await http.get(self.url, timeout=1)
                    return True
                except httpx.HTTPError:
                    await asyncio.sleep(0.1)
        log = self.log.read_text(errors="replace")
        assert "address already in use" in log, log[-3000:]
        return False

    def _identity(self) -> dict[str, object]:
        keys = {"accessKey": self.settings.s3_access_key, "secretKey": self.settings.s3_secret_key}
        actions = ["Admin", "Read", "Write", "List", "Tagging"]
        return {"name": "sluice", "credentials": [keys], "actions": actions}

    def _command(self, identity: Path) -> list[str]:
        ports = [
            f"-{server}.{kind}={port + offset}"
            for server, port in self.ports.items()
            for kind, offset in (("port", 0), ("port.grpc", GRPC_OFFSET))
        ]
        return [
            str(Path(sys.executable).parent / "weed"),
            f"-logdir={self.workdir / 'logs'}",
            "mini",
            f"-dir={self.workdir / 'data'}",
            "-ip=127.0.0.1",
            "-ip.bind=127.0.0.1",
            *ports,
            f"-s3.config={identity}",
            "-webdav=false",
            "-admin.ui=false",
            "-s3.port.iceberg=0",
            "-s3.port.lance=0",
            "-master.telemetry=false",
            f"-s3.localSocket={self.workdir / 's3.sock'}",
            f"-filer.localSocket={self.workdir / 'filer.sock'}",
        ]


class SluiceProcess(Process):
    """A worker (`python -m workers`) or the API (uvicorn), configured by `env`."""

    def __init__(self, kind: str, env: Mapping[str, str], log: Path) -> None:
        super().__init__()
        self.kind, self.env, self.log = kind, dict(env), log
        self.port = free_port() if kind == "api" else None

    def start(self) -> None:
        if self.kind == "api":
            command = [
                sys.executable,
                "-m",
                "uvicorn",
                "api.app:create_app",
                "--factory",
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--ws",
                "websockets-sansio",
                "--no-access-log",
            ]
        else:
            command = [sys.executable, "-m", "workers"]
        with self.log.open("ab") as out:
            self.popen = subprocess.Popen(command, cwd=ROOT, env=self.env, stdout=out, stderr=out)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def wait_ready(self) -> None:
        """The API answers HTTP (its health check may still report Druid down: any answer)."""
        async with asyncio.timeout(START_TIMEOUT_S), httpx.AsyncClient() as http:
            while True:
                assert self.running, self.log.read_text(errors="replace")[-3000:]
                with contextlib.suppress(httpx.HTTPError):
                    await http.get(f"{self.url}/healthz", timeout=5)
                    return
                await asyncio.sleep(0.1)


@contextlib.contextmanager
def started(*processes: SluiceProcess) -> Iterator[None]:
    """Start the processes; kill whichever still runs at the end."""
    for process in processes:
        process.start()
    try:
        yield
    finally:
        for process in processes:
            process.kill()
