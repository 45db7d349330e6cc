"""`sluice upload --follow` into the real Druid: exit code 0 once the rows are queryable."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from core.settings import Settings
from tests.cli_run import finish, first_line, start, token_of
from tests.conftest import grant, run_worker, serving_http

pytestmark = pytest.mark.druid


@pytest.fixture
def druid_server(druid_settings: Settings, druid: Any, clean: None) -> Iterator[str]:
    with serving_http(druid_settings) as address:
        yield address


async def test_upload_follow_lands_the_file_and_exits_0(
    druid_server: str,
    druid_settings: Settings,
    redis: Any,
    datasource: str,
    tmp_path: Path,
    db: Any,
) -> None:
    data = tmp_path / "sales.csv"
    rows = [f"2024-03-{1 + i % 28:02d}T00:00:00Z,c{i % 5},{i}" for i in range(300)]
    data.write_text("ts,city,amount\n" + "\n".join(rows) + "\n")
    process = await start(
        tmp_path,
        "--url",
        f"http://{druid_server}",
        "upload",
        str(data),
        "-d",
        datasource,
        "-f",
        token=token_of(await grant(db)),
    )
    assert "QUEUED" in await first_line(process)

    await run_worker(druid_settings, redis)

    code, out, err = await finish(process)
    assert code == 0, (out, err)
    assert "sales.csv  INGESTING" in out and "sales.csv  SUCCEEDED" in out
    assert f"300 rows are queryable in '{datasource}'" in out
    assert f"1 of 1 file(s) landed in '{datasource}'." in out
