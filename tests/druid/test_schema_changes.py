"""Uploads that change a dataset's columns, and the quarantine round trip, on the real Druid
(one dataset, three ingestions, to keep the Druid layer short): a fixed quarantine file adds
exactly the rows that were set aside, linked to the task that set them aside; a type change
that would lose values waits for the person's go-ahead; dashboards keep answering on a
column a later upload lacks."""

from __future__ import annotations

import io
from typing import Any

import httpx
import polars as pl
import pytest

from core.catalog import logical_type
from tests.conftest import run_worker
from tests.druid import test_rollback
from tests.druid.test_rollback import Undo
from tests.graphql_ops import get_task, graphql, upload_file

pytestmark = pytest.mark.druid
undo = test_rollback.undo  # the fixture: an API client and a burst worker on the real Druid

GOOD = [f"2024-05-{d:02d}T12:00:00Z,Paris,{75000 + d},{d}" for d in range(1, 21)]
FIRST = "\n".join(
    ["ts,city,zip,qty", *GOOD[:10], "2024-05-45T12:00:00Z,Lyon,69001,100", *GOOD[10:],
     "2024-05-21T12:00:00Z,Nice,6000,200,surplus", ""]
)  # fmt: skip
LATER = (  # no qty, a new column tip, and zip holds text now
    "ts,city,zip,tip\n"
    "2024-06-01T08:00:00Z,Leeds,LS1 4AP,0.5\n"
    "2024-06-01T09:00:00Z,York,YO1 7HH,1.25\n"
)
LINKS = """
query Links($id: ID!, $ds: String!) {
  task(id: $id) { fixesTask { id } }
  datasource(name: $ds) { uploads { items { id rowsIngested rowsQuarantined
                                            fixesTask { id } fixedBy { id rowsIngested } } } }
}"""
CHANGES = """
query Changes($id: ID!) {
  task(id: $id) { profile { schemaChanges { added missing
    typeConflicts { column datasetType uploadType wouldLoseValues } } } }
}"""
RETRY = """
mutation Retry($id: ID!) { retryTask(id: $id, options: {allowTypeChange: true}) { __typename } }
"""
COLUMNS = "query($ds: String!) { datasource(name: $ds) { columns { name type druidType } } }"
DASHBOARD = """
query Board($ds: String!) {
  qty: timeseries(datasource: $ds, metric: {aggregate: SUM, column: "qty"}, granularity: ALL) {
    __typename ... on TimeSeries { values } ... on UserError { code message } }
  cities: topN(datasource: $ds, dimension: "city", metric: {aggregate: COUNT}, limit: 1) {
    __typename ... on TopN { keys values } ... on UserError { code message } }
}"""
QTY = sum(range(1, 21)) + 100 + 200


@pytest.mark.timeout(900)
async def test_quarantine_round_trip_then_a_schema_change(
    undo: Undo, datasource: str, druid_sql: Any
) -> None:
    original = await undo.ingest(FIRST, datasource)
    assert (original["rowsIngested"], original["rowsQuarantined"]) == (20, 2)
    fix = await undo.ingest(await _fixed(undo, original["id"]), datasource,
                            fixesTask=original["id"])  # fmt: skip
    assert (fix["rowsIngested"], fix["rowsQuarantined"]) == (2, 0)
    totals = await druid_sql.one(f'SELECT COUNT(*) AS n, SUM(qty) AS s FROM "{datasource}"')
    assert totals == {"n": 22, "s": QTY}
    assert not [c for c in await _columns(druid_sql, datasource) if c.startswith("_sluice")]
    links = await graphql(undo.client, LINKS, id=fix["id"], ds=datasource)
    assert links["task"]["fixesTask"] == {"id": original["id"]}
    uploads = {u["id"]: u for u in links["datasource"]["uploads"]["items"]}
    assert uploads[original["id"]]["fixedBy"] == [{"id": fix["id"], "rowsIngested": 2}]
    assert uploads[original["id"]]["rowsQuarantined"] == 2
    assert uploads[fix["id"]]["fixesTask"] == {"id": original["id"]}

    later = await upload_file(
        undo.client, filename="later.csv", content=LATER.encode(), datasource=datasource
    )
    await run_worker(undo.settings, undo.redis)
    refused = await get_task(undo.client, later["id"])
    assert refused["status"] == "FAILED" and refused["error"]["code"] == "SCHEMA_CONFLICT"
    message = refused["error"]["message"]
    assert "'zip' holds whole numbers in the dataset but text in this file" in message
    changes = (await graphql(undo.client, CHANGES, id=later["id"]))["task"]["profile"]
    assert changes["schemaChanges"] == {
        "added": ["tip"],
        "missing": ["qty"],
        "typeConflicts": [{"column": "zip", "datasetType": "LONG", "uploadType": "STRING",
                           "wouldLoseValues": True}],
    }  # fmt: skip
    assert (await druid_sql.one(f'SELECT COUNT(*) AS n FROM "{datasource}"'))["n"] == 22

    # The person goes on: the rows land, zip as text (which type Druid's SQL then reads the
    # column with is Druid's choice: the go-ahead accepts that one side may read as null).
    retried = await graphql(undo.client, RETRY, id=later["id"])
    assert retried["retryTask"]["__typename"] == "IngestionTask"
    await run_worker(undo.settings, undo.redis)
    done = await get_task(undo.client, later["id"])
    assert done["status"] == "SUCCEEDED", done["error"]
    assert done["rowsIngested"] == 2
    assert (await druid_sql.one(f'SELECT COUNT(*) AS n FROM "{datasource}"'))["n"] == 24
    served = await _columns(druid_sql, datasource)
    assert "tip" in served
    # The dataset page shows the type Druid now reads zip with, not the one it had before.
    page = await graphql(undo.client, COLUMNS, ds=datasource)
    shown = {c["name"]: (c["druidType"], c["type"]) for c in page["datasource"]["columns"]}
    assert shown["zip"] == (served["zip"], logical_type(served["zip"]).value)
    # A dashboard on qty, which the last upload lacks, still answers (its rows: null).
    board = await graphql(undo.client, DASHBOARD, ds=datasource)
    assert board["qty"] == {"__typename": "TimeSeries", "values": [QTY]}
    assert board["cities"] == {"__typename": "TopN", "keys": ["Paris"], "values": [20]}


async def _fixed(undo: Undo, task_id: str) -> str:
    """The quarantine file as downloaded, with the impossible date fixed by a person; the
    surplus field stays in its `_sluice_extra_1` column, which validation leaves out."""
    link = await graphql(
        undo.client,
        "query($id: ID!) { task(id: $id) { quarantineUrl { ... on QuarantineLink { url } } } }",
        id=task_id,
    )
    async with httpx.AsyncClient() as browser:
        download = await browser.get(link["task"]["quarantineUrl"]["url"])
    assert download.status_code == 200
    bad = pl.read_csv(io.BytesIO(download.content), infer_schema=False)
    assert bad.columns == [
        "ts", "city", "zip", "qty", "_sluice_row", "_sluice_reason", "_sluice_extra_1",
    ]  # fmt: skip
    fixed = bad.with_columns(
        ts=pl.when(pl.col("city") == "Lyon").then(pl.lit("2024-05-15T12:00:00Z")).otherwise("ts")
    )
    buffer = io.BytesIO()
    fixed.write_csv(buffer)
    return buffer.getvalue().decode()


async def _columns(druid_sql: Any, datasource: str) -> dict[str, str]:
    rows = await druid_sql.rows(
        "SELECT COLUMN_NAME, DATA_TYPE FROM INFORMATION_SCHEMA.COLUMNS WHERE TABLE_NAME = ?",
        datasource,
    )
    return {r["COLUMN_NAME"]: r["DATA_TYPE"] for r in rows}
