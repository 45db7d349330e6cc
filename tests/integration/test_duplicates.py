"""The same content uploaded twice into one datasource is refused as DUPLICATE_FILE, naming
the earlier task, unless the client allows it (core/duplicates.py); streamed uploads on real
PostgreSQL/S3 through the GraphQL API, resumable ones with parts PUT to the real S3."""

from __future__ import annotations

from typing import Any

import httpx

from tests.graphql_ops import get_task, upload_file
from tests.integration.test_resumable_upload import COMPLETE, _gql, _put, _start

CSV = b"ts,city,amount\n2024-01-01T00:00:00Z,Paris,1.5\n2024-01-02T00:00:00Z,Rome,2\n"


async def _upload(client: httpx.AsyncClient, datasource: str = "sales", **options: Any) -> Any:
    return await upload_file(
        client, filename="sales.csv", content=CSV, datasource=datasource, options=options or None
    )


async def test_the_same_file_twice_is_refused_naming_the_earlier_task(
    client: httpx.AsyncClient,
) -> None:
    first = await _upload(client)
    assert first["__typename"] == "IngestionTask"

    second = await _upload(client)
    assert second["__typename"] == "UploadRejected"
    assert second["code"] == "DUPLICATE_FILE"
    assert first["id"] in second["message"]
    assert "allowDuplicate: true" in second["message"]


async def test_allow_duplicate_other_datasources_and_replace_are_accepted(
    client: httpx.AsyncClient,
) -> None:
    first = await _upload(client)
    again = await _upload(client, allowDuplicate=True)
    elsewhere = await _upload(client, "sales_copy")
    replace = await _upload(client, mode="REPLACE")
    assert [t["__typename"] for t in (first, again, elsewhere, replace)] == ["IngestionTask"] * 4
    assert len({t["id"] for t in (first, again, elsewhere, replace)}) == 4


async def test_a_failed_earlier_upload_does_not_count(
    client: httpx.AsyncClient, worker: Any
) -> None:
    first = await _upload(client)
    await worker()  # no Druid in these tests: the task fails, leaving nothing in Druid
    assert (await get_task(client, first["id"]))["status"] == "FAILED"

    second = await _upload(client)
    assert second["__typename"] == "IngestionTask"


async def test_a_resumable_upload_of_the_same_content_is_refused(
    client: httpx.AsyncClient,
) -> None:
    content = CSV * 1000
    ids = []
    for _ in range(2):
        session = await _start(client, content)
        await _put(session, content, [1])
        ids.append((await _gql(client, COMPLETE, id=session["id"]))["completeUpload"])
    first, second = ids
    assert first["__typename"] == "IngestionTask"
    assert second["__typename"] == "UploadRejected"
    assert second["code"] == "DUPLICATE_FILE"
    assert first["id"] in second["message"]
