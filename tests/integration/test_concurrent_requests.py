"""Two identical requests at the same moment: exactly one wins, the other gets the typed
refusal it would get a moment later (core/claims.py: the check and the insert happen under
one PostgreSQL advisory lock per dataset). Real PostgreSQL, Redis and S3, through the API."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx

from tests.graphql_ops import delete_dataset, upload_file

CSV = b"ts,city,amount\n2024-01-01T00:00:00Z,Paris,1.5\n"
ROUNDS = 5  # each round is a fresh race; one round lost without the lock fails the test


def _outcomes(results: list[dict[str, Any]]) -> list[str]:
    return sorted(r.get("code") or r["__typename"] for r in results)


async def test_two_deletions_at_once_queue_one_task(client: httpx.AsyncClient, db: Any) -> None:
    for n in range(ROUNDS):
        name = f"sales{n}"
        await db.execute("INSERT INTO datasets (name, row_count) VALUES ($1, 1)", name)

        results = await asyncio.gather(delete_dataset(client, name), delete_dataset(client, name))

        assert _outcomes(list(results)) == ["DATASET_BEING_DELETED", "IngestionTask"], results
        count = await db.fetchval("SELECT count(*) FROM tasks WHERE kind = 'DELETE'")
        assert count == n + 1


async def test_two_identical_uploads_at_once_accept_one(client: httpx.AsyncClient, db: Any) -> None:
    for n in range(ROUNDS):
        content = CSV + f"2024-01-02T00:00:00Z,Rome,{n}\n".encode()
        upload = upload_file(client, filename="a.csv", content=content, datasource="sales")
        again = upload_file(client, filename="a.csv", content=content, datasource="sales")

        results = await asyncio.gather(upload, again)

        assert _outcomes(list(results)) == ["DUPLICATE_FILE", "IngestionTask"], results


async def test_an_upload_and_a_deletion_at_once_do_not_both_pass(
    client: httpx.AsyncClient, db: Any
) -> None:
    for n in range(ROUNDS):
        name = f"sales{n}"
        await db.execute("INSERT INTO datasets (name, row_count) VALUES ($1, 1)", name)
        upload = upload_file(client, filename="a.csv", content=CSV, datasource=name)

        results = await asyncio.gather(upload, delete_dataset(client, name))

        # whichever came first, the other is refused: never a deletion racing an upload
        assert _outcomes(list(results)) in (
            ["DATASET_BEING_DELETED", "IngestionTask"],
            ["DATASET_BUSY", "IngestionTask"],
        ), results
