"""Uploads through the real ASGI app into real S3 and PostgreSQL, processed by a real worker."""

from __future__ import annotations

import hashlib
import io
from typing import Any

import polars as pl

from core.model import TaskStatus
from core.storage import S3ObjectStore
from tests.graphql_ops import (
    check_datasource_name,
    get_task,
    list_tasks,
    upload_file,
    upload_files,
)
from workers.pipeline import STEP_MESSAGES

STEP_ORDER = ("detecting", "inferring", "checking", "done")

CSV = (
    b"ts,city,amount,qty\n"
    b"2024-01-01T00:00:00Z,Paris,10.5,1\n"
    b"2024-01-02T00:00:00Z,Lyon,20.25,2\n"
    b"2024-01-03T00:00:00Z,Nice,,3\n"
)


async def test_upload_streams_the_file_to_s3_and_queues_a_task(
    client: Any, db: Any, store: S3ObjectStore
) -> None:
    result = await upload_file(client, filename="sales.csv", content=CSV, datasource="sales")

    assert result["__typename"] == "IngestionTask"
    assert result["status"] == "QUEUED"
    assert result["sizeBytes"] == len(CSV)
    upload = await db.fetchrow(
        "SELECT u.* FROM uploads u JOIN tasks t ON t.upload_id = u.id WHERE t.id = $1", result["id"]
    )
    assert upload["sha256"] == hashlib.sha256(CSV).hexdigest()
    assert await store.read_bytes(upload["raw_key"]) == CSV
    events = await db.fetch("SELECT status FROM task_events WHERE task_id = $1", result["id"])
    assert [e["status"] for e in events] == ["QUEUED"]


async def test_worker_profiles_and_fails_clearly_without_druid(
    client: Any, worker: Any, store: S3ObjectStore, db: Any
) -> None:
    task = await upload_file(client, filename="sales.csv", content=CSV, datasource="sales")

    await worker()

    done = await get_task(client, task["id"])
    assert done["status"] == "FAILED"
    assert done["error"]["code"] == "DRUID_UNAVAILABLE"
    assert done["error"]["stage"] == "SUBMITTING"
    assert done["error"]["retryable"] is True
    assert "unreachable" in done["error"]["message"].lower()
    profile = done["profile"]
    assert profile["format"] == "csv"
    assert profile["rowsTotal"] == 3 and profile["rowsQuarantined"] == 0
    assert profile["timestampColumn"] == "ts"
    columns = {c["name"]: c for c in profile["columns"]}
    assert columns["amount"]["type"] == "DOUBLE" and columns["amount"]["nullCount"] == 1
    assert columns["qty"]["type"] == "LONG" and columns["qty"]["max"] == "3"
    assert columns["city"]["type"] == "STRING"
    statuses = [e["status"] for e in done["events"]]
    for expected in ("QUEUED", "VALIDATING", "STAGING", "SUBMITTING", "FAILED"):
        assert expected in statuses
    assert statuses.index("STAGING") < statuses.index("SUBMITTING") < statuses.index("FAILED")
    # Progress steps land in the order the validator reported them.
    validating = [e["message"] for e in done["events"] if e["status"] == "VALIDATING"]
    assert validating == ["Reading the file", *(STEP_MESSAGES[s] for s in STEP_ORDER)]

    # A clean UTF-8 comma CSV: Druid reads the upload itself, no staged copy is written.
    assert await store.list_keys("staged/sales/") == []
    row = await db.fetchrow(
        "SELECT t.staged, u.raw_key FROM tasks t JOIN uploads u ON u.id = t.upload_id "
        "WHERE t.id = $1",
        task["id"],
    )
    assert row["staged"]["reads_upload"] is True
    assert row["staged"]["uris"] == [store.uri(row["raw_key"])]
    assert row["staged"]["columns"] == ["ts", "city", "amount", "qty"]


async def test_a_file_druid_cannot_read_as_it_is_is_staged(
    client: Any, worker: Any, store: S3ObjectStore
) -> None:
    # Semicolons with a quoted value: Druid's `tsv` format (any delimiter but a comma)
    # would keep the quotes, so the file is staged as a comma CSV.
    semicolons = CSV.replace(b",", b";").replace(b"Lyon", b'"Lyon"')
    task = await upload_file(client, filename="sales.csv", content=semicolons, datasource="sales")

    await worker()

    done = await get_task(client, task["id"])
    assert done["error"]["code"] == "DRUID_UNAVAILABLE"
    validating = [e["message"] for e in done["events"] if e["status"] == "VALIDATING"]
    assert STEP_MESSAGES["staging"] in validating
    keys = await store.list_keys("staged/sales/")
    assert len(keys) == 1
    staged = pl.read_csv(io.BytesIO(await store.read_bytes(keys[0])))
    assert staged.height == 3
    assert staged["amount"].to_list() == [10.5, 20.25, None]
    assert staged["qty"].dtype == pl.Int64
    assert staged["ts"].to_list()[0] == 1704067200000  # epoch milliseconds


async def test_several_files_in_one_request(client: Any) -> None:
    results = await upload_files(
        client,
        files=[("a.csv", CSV), ("b.csv", CSV.replace(b"\n", b"\r\n")), ("c.csv", b"")],
        datasource="many",
    )
    assert [r["__typename"] for r in results] == [
        "IngestionTask",
        "IngestionTask",
        "UploadRejected",
    ]
    assert results[2]["code"] == "EMPTY_FILE"
    assert results[0]["id"] != results[1]["id"]


async def test_retry_requeues_a_failed_task_as_a_new_attempt(
    client: Any, worker: Any, db: Any
) -> None:
    task = await upload_file(client, filename="sales.csv", content=CSV, datasource="sales")
    await worker()
    response = await client.post(
        "/graphql",
        json={
            "query": "mutation($id: ID!) { retryTask(id: $id) { __typename "
            "... on IngestionTask { status } ... on TaskActionRejected { code } } }",
            "variables": {"id": task["id"]},
        },
    )
    assert response.json()["data"]["retryTask"] == {
        "__typename": "IngestionTask",
        "status": "QUEUED",
    }
    assert await db.fetchval("SELECT attempt FROM tasks WHERE id = $1", task["id"]) == 2
    await worker()
    again = await get_task(client, task["id"])
    assert again["status"] == TaskStatus.FAILED.value  # Druid is still unreachable
    assert again["error"]["code"] == "DRUID_UNAVAILABLE"


async def test_cancel_a_queued_task(client: Any, worker: Any) -> None:
    task = await upload_file(client, filename="sales.csv", content=CSV, datasource="sales")
    response = await client.post(
        "/graphql",
        json={
            "query": "mutation($id: ID!) { cancelTask(id: $id) { __typename "
            "... on IngestionTask { status } ... on TaskActionRejected { code message } } }",
            "variables": {"id": task["id"]},
        },
    )
    assert response.json()["data"]["cancelTask"] == {
        "__typename": "IngestionTask",
        "status": "CANCELLED",
    }
    await worker()
    assert (await get_task(client, task["id"]))["status"] == "CANCELLED"
    # Cancelling twice is refused with a reason, not an error.
    response = await client.post(
        "/graphql",
        json={
            "query": "mutation($id: ID!) { cancelTask(id: $id) { __typename "
            "... on TaskActionRejected { code } } }",
            "variables": {"id": task["id"]},
        },
    )
    assert response.json()["data"]["cancelTask"] == {
        "__typename": "TaskActionRejected",
        "code": "ALREADY_FINISHED",
    }


async def test_tasks_are_paginated_and_filtered(client: Any) -> None:
    for name in ("a", "b", "c"):
        await upload_file(client, filename=f"{name}.csv", content=CSV, datasource=f"ds_{name}")
    page1 = await list_tasks(client, first=2)
    assert [i["filename"] for i in page1["items"]] == ["c.csv", "b.csv"]
    page2 = await list_tasks(client, first=2, after=page1["nextCursor"])
    assert [i["filename"] for i in page2["items"]] == ["a.csv"]
    assert page2["nextCursor"] is None
    only_b = await list_tasks(client, ds="ds_b")
    assert [i["filename"] for i in only_b["items"]] == ["b.csv"]


async def test_check_datasource_name_as_the_user_types(client: Any) -> None:
    assert await check_datasource_name(client, "sales") == {"exists": False, "problem": None}
    await upload_file(client, filename="s.csv", content=CSV, datasource="sales")
    assert (await check_datasource_name(client, "sales"))["exists"] is True
    problem = (await check_datasource_name(client, "a/b"))["problem"]
    assert problem["code"] == "INVALID_DATASOURCE" and problem["argument"] == "name"
    assert "'/'" in problem["message"]
