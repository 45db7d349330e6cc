"""Deleting a dataset on the real Druid (core/delete.py, workers/delete.py): Druid no longer
serves or knows it, the catalog forgets it, its files go after the grace period, and the
name can be used again for exactly the new rows."""

from __future__ import annotations

from typing import Any

import pytest

from core.druid.client import DruidClient
from core.services import open_services
from core.storage import S3ObjectStore
from tests.conftest import run_worker
from tests.druid.conftest import DruidApi
from tests.graphql_ops import datasource_names, delete_dataset, get_task
from workers.retention import remove_expired_files

pytestmark = pytest.mark.druid

FIRST = (
    "ts,city,qty\n"
    "2024-03-01T08:00:00Z,Lyon,1\n"
    "2024-03-01T10:00:00Z,Paris,2\n"
    "2024-03-02T09:00:00Z,Rome,4\n"
)
SECOND = (  # one row with a surplus field: quarantined, so this upload is staged too
    "ts,city,qty\n"
    "2024-03-03T10:00:00Z,Oslo,8\n"
    "2024-03-03T11:00:00Z,Lima,16\n"
    "2024-03-03T12:00:00Z,Bern,32,surplus\n"
)
AGAIN = "ts,city,qty\n2024-04-01T10:00:00Z,Kyoto,100\n2024-04-02T10:00:00Z,Oslo,200\n"


async def _objects(store: S3ObjectStore, task_ids: list[str]) -> list[str]:
    """Every object in the bucket belonging to these tasks (raw, staged, quarantine)."""
    keys = await store.list_keys("")
    return [key for key in keys if any(f"/{task_id}/" in key for task_id in task_ids)] + [
        key for key in keys if key.startswith("uploads/")
    ]


@pytest.mark.timeout(1200)
async def test_deleting_a_dataset_with_two_uploads_and_loading_the_name_again(
    druid_api: DruidApi,
    datasource: str,
    druid_sql: Any,
    druid: DruidClient,
    store: S3ObjectStore,
    db: Any,
) -> None:
    first = await druid_api.ingest(FIRST, datasource)
    second = await druid_api.ingest(SECOND, datasource)
    assert second["rowsQuarantined"] == 1
    count = await druid_sql.one(f'SELECT COUNT(*) AS n FROM "{datasource}"')
    assert count == {"n": 5}
    uploads = [first["id"], second["id"]]
    kept = await _objects(store, uploads)
    assert any(k.startswith("staged/") for k in kept) and any("quarantine/" in k for k in kept)

    queued = await delete_dataset(druid_api.client, datasource)
    assert queued["__typename"] == "IngestionTask" and queued["kind"] == "DELETE", queued
    assert datasource not in await datasource_names(druid_api.client)  # at once
    await run_worker(druid_api.settings, druid_api.redis)
    done = await get_task(druid_api.client, queued["id"])

    assert done["status"] == "SUCCEEDED", done["error"]
    assert (done["rowsTotal"], done["rowsRemoved"]) == (5, 5)
    tables = await druid_sql.rows(
        "SELECT TABLE_NAME FROM INFORMATION_SCHEMA.TABLES WHERE TABLE_NAME = ?", datasource
    )
    assert tables == []  # the Broker no longer serves it
    assert datasource not in await druid.datasource_names(include_unused=True)  # killed
    assert await db.fetchval("SELECT count(*) FROM datasets WHERE name = $1", datasource) == 0
    for task_id in uploads:
        old = await get_task(druid_api.client, task_id)
        assert old["datasetDeletedBy"] == queued["id"] and old["status"] == "SUCCEEDED"
    assert await _objects(store, uploads) == kept  # within the grace period

    async with open_services(
        druid_api.settings.model_copy(update={"deleted_dataset_grace_hours": 0.0})
    ) as svc:
        assert await remove_expired_files({"services": svc}) == 2
    assert await _objects(store, uploads) == []

    # The name is free: the same name takes exactly the new rows (none of the old come back).
    await druid_api.ingest(AGAIN, datasource)
    rows = await druid_sql.rows(f'SELECT city, qty FROM "{datasource}" ORDER BY __time')
    assert [(r["city"], r["qty"]) for r in rows] == [("Kyoto", 100), ("Oslo", 200)]
    assert datasource in await datasource_names(druid_api.client)
