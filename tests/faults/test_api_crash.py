"""The API killed (SIGKILL) in the middle of a streamed upload: no half upload becomes a task,
the clean-up job frees the unfinished S3 multipart upload, and the same file sent again to a
restarted API lands exactly once."""

from __future__ import annotations

import contextlib
import json
from collections.abc import AsyncIterator, Awaitable, Callable

import httpx

from core.services import Services
from tests.druid.conftest import DruidSqlForTests
from tests.faults.conftest import (
    Processes,
    Rows,
    has_multipart,
    landed_once,
    no_orphans,
    rows_csv,
    until,
    upload,
)
from tests.graphql_ops import UPLOAD_FILE

BOUNDARY = "sluicefaultsboundary"


async def send_in_two_halves(
    url: str,
    auth: dict[str, str],
    rows: Rows,
    datasource: str,
    *,
    between: Callable[[], Awaitable[None]],
) -> httpx.Response:
    """POST the upload as a streamed multipart body: the first half of the file, then
    `between()`, then the rest."""
    operations = {"query": UPLOAD_FILE, "variables": {"file": None, "datasource": datasource}}
    head = (
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="operations"\r\n\r\n'
        f"{json.dumps(operations)}\r\n"
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="map"\r\n\r\n'
        '{"0": ["variables.file"]}\r\n'
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="0"; filename="f.csv"\r\n'
        "Content-Type: text/csv\r\n\r\n"
    ).encode()
    half = len(rows.content) // 2

    async def body() -> AsyncIterator[bytes]:
        yield head + rows.content[:half]
        await between()
        yield rows.content[half:] + f"\r\n--{BOUNDARY}--\r\n".encode()

    headers = {**auth, "content-type": f"multipart/form-data; boundary={BOUNDARY}"}
    async with httpx.AsyncClient(timeout=120) as http:
        return await http.post(f"{url}/graphql", content=body(), headers=headers)


async def test_an_api_killed_mid_upload_leaves_no_task_and_no_parts_and_a_resend_lands_once(
    svc: Services,
    sluice: Processes,
    auth: dict[str, str],
    datasource: str,
    druid_sql: DruidSqlForTests,
) -> None:
    rows = rows_csv(10_000)
    sluice.worker()
    api = await sluice.api()

    async def kill_the_api() -> None:
        # The API has opened its S3 multipart upload and holds half of the file.
        await until(lambda: has_multipart(svc))
        api.kill()

    with contextlib.suppress(httpx.TransportError):
        await send_in_two_halves(api.url, auth, rows, datasource, between=kill_the_api)
        raise AssertionError("the upload answered although the API was killed")

    assert await svc.db.fetchval("SELECT count(*) FROM uploads") == 0
    assert await svc.db.fetchval("SELECT count(*) FROM tasks") == 0
    assert await has_multipart(svc)  # what the hourly clean-up job is for
    await no_orphans(svc)  # runs the job: nothing is left
    assert await svc.store.list_keys("") == []

    again = await sluice.api()
    task_id = await upload(again, auth, rows, datasource)
    task = await landed_once(svc, druid_sql, task_id, datasource, rows)
    await no_orphans(svc, task)
