"""The `sluice` command against a real uvicorn and a burst worker (no Druid here: a task ends
FAILED with DRUID_UNAVAILABLE), and a large upload interrupted and resumed."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from cli.client import SluiceClient, SluiceError
from cli.config import ClientConfig
from cli.transfer import send_file
from core.settings import Settings
from tests.cli_run import finish, first_line, start, token_of
from tests.conftest import serving_http
from tests.graphql_ops import TASK

CSV = b"ts,city,amount\n2024-01-01T00:00:00Z,Paris,10.5\n2024-01-02T00:00:00Z,Lyon,20\n"


async def test_upload_follows_the_task_and_exits_1_when_it_fails(
    live_server: str, worker: Any, tmp_path: Path, auth: dict[str, str]
) -> None:
    data = tmp_path / "sales.csv"
    data.write_bytes(CSV)
    process = await start(
        tmp_path,
        "--url",
        f"http://{live_server}",
        "upload",
        str(data),
        "-d",
        "sales",
        "--follow",
        token=token_of(auth),
    )
    accepted = await first_line(process)
    assert accepted.startswith("sales.csv: task ") and accepted.rstrip().endswith("QUEUED")
    task_id = accepted.split()[2]

    await worker()  # only now is there a job: the command is following meanwhile

    code, out, err = await finish(process)
    assert code == 1, (out, err)
    for status in ("VALIDATING", "STAGING", "SUBMITTING", "FAILED"):
        assert f"sales.csv  {status}" in out
    assert "DRUID_UNAVAILABLE" in out and "unreachable" in out
    assert "0 of 1 file(s) landed in 'sales'." in out

    code, out, _ = await finish(
        await start(
            tmp_path, "--url", f"http://{live_server}", "task", task_id, token=token_of(auth)
        )
    )
    assert code == 0 and "FAILED" in out and "DRUID_UNAVAILABLE" in out

    code, out, _ = await finish(
        await start(
            tmp_path, "--url", f"http://{live_server}", "tasks", "--json", token=token_of(auth)
        )
    )
    assert code == 0 and [t["id"] for t in json.loads(out)] == [task_id]


async def test_a_rejected_file_exits_1_with_the_reason(
    live_server: str, tmp_path: Path, auth: dict[str, str]
) -> None:
    picture = tmp_path / "photo.csv"
    picture.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 64)
    code, out, _ = await finish(
        await start(
            tmp_path,
            "--url",
            f"http://{live_server}",
            "upload",
            str(picture),
            "-d",
            "sales",
            token=token_of(auth),
        )
    )
    assert code == 1
    assert "photo.csv: rejected UNSUPPORTED_FORMAT" in out and "PNG" in out


async def test_an_unreachable_server_exits_2_and_says_what_to_check(tmp_path: Path) -> None:
    data = tmp_path / "sales.csv"
    data.write_bytes(CSV)
    code, _, err = await finish(
        await start(tmp_path, "--url", "http://127.0.0.1:9", "upload", str(data), "-d", "s")
    )
    assert code == 2
    assert "Could not reach Sluice at http://127.0.0.1:9" in err and "--url" in err
    assert "Traceback" not in err


class _CutAfter(httpx.AsyncHTTPTransport):
    """The network drops for good after `parts` PUTs got through (a laptop going offline)."""

    def __init__(self, parts: int) -> None:
        super().__init__()
        self.left = parts
        self.through = asyncio.Event()  # the parts that get through are stored in S3

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if request.method != "PUT":
            return await super().handle_async_request(request)
        if self.left <= 0:
            await self.through.wait()  # (so the failure cannot cancel a part on its way)
            raise httpx.ConnectError("network is unreachable", request=request)
        self.left -= 1
        response = await super().handle_async_request(request)
        if self.left == 0:
            self.through.set()
        return response


def _big_csv(path: Path) -> int:
    rows = [f"2024-01-{1 + i % 28:02d}T00:00:00Z,c{i % 7},{i * 0.5}" for i in range(400_000)]
    path.write_text("ts,city,amount\n" + "\n".join(rows) + "\n")  # about 12 MB: 3 parts
    return path.stat().st_size


@pytest.fixture
def small_parts_server(settings: Settings, clean: None) -> Iterator[str]:
    """A server that cuts 5 MiB parts (S3's minimum): a file of a few MB has several."""
    small = settings.model_copy(update={"upload_min_part_bytes": 5 * 1024**2})
    with serving_http(small) as address:
        yield address


async def test_an_interrupted_large_upload_resumes_with_only_the_missing_parts(
    small_parts_server: str, tmp_path: Path, auth: dict[str, str]
) -> None:
    live_server = small_parts_server
    big = tmp_path / "big.csv"
    size = _big_csv(big)
    state = tmp_path / "state" / "sluice"  # where the command keeps it (XDG_STATE_HOME)
    config = ClientConfig(url=f"http://{live_server}", token=token_of(auth), state_dir=state)

    sent: list[int] = []
    async with SluiceClient(config, transport=_CutAfter(1)) as client:
        with pytest.raises(SluiceError, match="run the same command again"):
            await send_file(
                client,
                big,
                datasource="sales",
                options=None,
                on_bytes=sent.append,
                resumable_above=1,
            )
    remembered = json.loads((state / "sessions.json").read_text())
    assert len(remembered) == 1

    # The command, run again with the same state directory, sends the two missing parts.
    code, out, err = await finish(
        await start(
            tmp_path,
            "--url",
            f"http://{live_server}",
            "upload",
            str(big),
            "-d",
            "sales",
            "--resumable-above",
            "1",
            token=token_of(auth),
        )
    )
    assert code == 0, (out, err)
    assert "big.csv: resumed; 1 part(s) were already uploaded, sent 2" in out
    task_id = out.strip().splitlines()[-1].split()[2]
    async with SluiceClient(config) as client:
        task = (await client.execute(TASK, id=task_id))["task"]
    assert task["status"] == "QUEUED" and task["sizeBytes"] == size
    assert (state / "sessions.json").read_text().strip() == "{}"  # done: forgotten

    # A run that died between completing and hearing the answer: the next one gets the task.
    (state / "sessions.json").write_text(json.dumps(remembered))
    async with SluiceClient(config) as client:
        again = await send_file(
            client, big, datasource="sales", options=None, on_bytes=sent.append, resumable_above=1
        )
    assert again.task is not None and again.task["id"] == task_id and again.parts_sent == []


async def test_upload_with_fixes_links_the_fixed_file_to_the_task(
    live_server: str, worker: Any, tmp_path: Path, auth: dict[str, str]
) -> None:
    bad = tmp_path / "bad.csv"
    good = "".join(f"2024-01-{d:02d}T00:00:00Z,Paris,{d}\n" for d in range(1, 21))
    bad.write_bytes(f"ts,city,amount\n{good}2024-13-45T00:00:00Z,Nice,1\n".encode())
    url = f"http://{live_server}"
    _, out, _ = await finish(
        await start(tmp_path, "--url", url, "upload", str(bad), "-d", "s", token=token_of(auth))
    )
    original = out.split()[2]
    await worker()
    fixed = tmp_path / "fixed.csv"
    fixed.write_bytes(b"ts,city,amount\n2024-01-13T00:00:00Z,Nice,1\n")
    args = ["--url", url, "upload", str(fixed), "-d", "s", "--fixes", original]
    code, out, _ = await finish(await start(tmp_path, *args, token=token_of(auth)))
    assert code == 0, out
    fix = out.split()[2]
    async with httpx.AsyncClient(base_url=url, headers=auth) as client:
        response = await client.post(
            "/graphql",
            json={
                "query": "query($id: ID!) { task(id: $id) { fixedBy { id } } }",
                "variables": {"id": original},
            },
        )
    assert response.json()["data"]["task"]["fixedBy"] == [{"id": fix}]


async def test_column_types_travel_to_validation_and_are_checked(
    live_server: str, worker: Any, tmp_path: Path, auth: dict[str, str]
) -> None:
    data = tmp_path / "sales.csv"
    data.write_bytes(CSV)

    async def upload(*types: str) -> tuple[int, str, str]:
        flags = [arg for t in types for arg in ("--type", t)]
        return await finish(
            await start(
                tmp_path, "--url", f"http://{live_server}", "upload", str(data), "-d", "sales",
                *flags, token=token_of(auth),
            )
        )  # fmt: skip

    code, out, err = await upload("city=LONG", "city=STRING")
    assert code == 1 and "rejected INVALID_OPTIONS" in out and "more than once" in out

    code, out, err = await upload("city")
    assert code == 2 and "is not COLUMN=TYPE" in err

    code, out, err = await upload("city=long")  # Paris is no LONG: refused by validation
    assert code == 0, (out, err)
    await worker()
    task_id = out.split()[2]
    code, out, _ = await finish(
        await start(
            tmp_path, "--url", f"http://{live_server}", "task", task_id, token=token_of(auth)
        )
    )
    assert "COLUMN_TYPE_IMPOSSIBLE" in out and "Column 'city' was set to LONG" in out
