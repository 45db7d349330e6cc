"""`sluice upload --follow` into the real Druid: exit code 0 once the rows are queryable."""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from core.settings import Settings
from tests.conftest import run_worker, serve

pytestmark = pytest.mark.druid

SLUICE = Path(sys.executable).with_name("sluice")


@pytest.fixture
def druid_server(druid_settings: Settings, druid: Any, clean: None) -> Iterator[str]:
    with serve(druid_settings) as address:
        yield address


async def test_upload_follow_lands_the_file_and_exits_0(
    druid_server: str, druid_settings: Settings, redis: Any, datasource: str, tmp_path: Path
) -> None:
    data = tmp_path / "sales.csv"
    rows = [f"2024-03-{1 + i % 28:02d}T00:00:00Z,c{i % 5},{i}" for i in range(300)]
    data.write_text("ts,city,amount\n" + "\n".join(rows) + "\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith("SLUICE_")}
    process = await asyncio.create_subprocess_exec(
        str(SLUICE),
        *("--url", f"http://{druid_server}", "upload", str(data), "-d", datasource, "--follow"),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env={**env, "XDG_CONFIG_HOME": str(tmp_path), "XDG_STATE_HOME": str(tmp_path)},
    )
    assert process.stdout is not None
    async with asyncio.timeout(60):
        assert "QUEUED" in (await process.stdout.readline()).decode()

    await run_worker(druid_settings, redis)

    async with asyncio.timeout(120):
        out, err = await process.communicate()
    text = out.decode()
    assert process.returncode == 0, (text, err.decode())
    assert "sales.csv  INGESTING" in text and "sales.csv  SUCCEEDED" in text
    assert f"300 rows are queryable in '{datasource}'" in text
    assert f"1 of 1 file(s) landed in '{datasource}'." in text
