"""Running the real `sluice` console script in a subprocess, isolated from the user's config."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

SLUICE = Path(sys.executable).with_name("sluice")  # the console script pyproject installs


def isolated_env(home: Path, token: str | None = None) -> dict[str, str]:
    """The environment without SLUICE_* settings, with config and state under `home`, and
    the API token (SLUICE_TOKEN) when given."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SLUICE_")}
    env |= {"XDG_CONFIG_HOME": str(home / "config"), "XDG_STATE_HOME": str(home / "state")}
    return env | ({"SLUICE_TOKEN": token} if token else {})


def token_of(headers: dict[str, str]) -> str:
    """The bearer token in headers made by tests.conftest.grant."""
    return headers["authorization"].removeprefix("Bearer ")


async def start(home: Path, *args: str, token: str | None = None) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        str(SLUICE),
        *args,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env=isolated_env(home, token),
    )


async def first_line(process: asyncio.subprocess.Process) -> str:
    """The first line the command prints (for an upload: the task it queued)."""
    assert process.stdout is not None
    async with asyncio.timeout(60):
        return (await process.stdout.readline()).decode()


async def finish(process: asyncio.subprocess.Process) -> tuple[int, str, str]:
    """Exit code, stdout and stderr once the command ends."""
    async with asyncio.timeout(180):
        out, err = await process.communicate()
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()
