"""Uploads into an existing dataset: schema changes are reported before ingesting, a type
change that would lose values is refused until the person accepts it, and a file that fixes
another task's quarantined rows is linked to it both ways. (Druid is unreachable here: the
dataset's columns come from the metadata store, and tasks stop at submission.)"""

from __future__ import annotations

from typing import Any

from tests.graphql_ops import TASK_FIELDS, get_task, graphql, upload_file

SCHEMA = f"""
query Schema($id: ID!) {{
  task(id: $id) {{
    {TASK_FIELDS}
    profile {{ warnings schemaChanges {{ added missing
      typeConflicts {{ column datasetType uploadType wouldLoseValues }} }} }}
  }}
}}"""

RETRY = f"""
mutation Retry($id: ID!, $options: RetryOptions) {{
  retryTask(id: $id, options: $options) {{
    __typename ... on IngestionTask {{ {TASK_FIELDS} }} ... on TaskActionRejected {{ code }}
  }}
}}"""

LINKS = """
query Links($id: ID!) {
  task(id: $id) { id fixesTask { id } fixedBy { id datasource rowsQuarantined } }
}"""


async def _dataset(db: Any, name: str, columns: list[tuple[str, str, str]]) -> None:
    """A dataset as the metadata store records it after an ingestion."""
    await db.execute("INSERT INTO datasets (name, row_count) VALUES ($1, 3)", name)
    await db.executemany(
        "INSERT INTO dataset_columns (dataset, name, position, type, druid_type)"
        " VALUES ($1, $2, $3, $4, $5)",
        [(name, n, i, t, d) for i, (n, t, d) in enumerate(columns, start=1)],
    )


SHOP = [("__time", "TIMESTAMP", "TIMESTAMP"), ("city", "STRING", "VARCHAR"),
        ("zip", "LONG", "BIGINT"), ("note", "STRING", "VARCHAR")]  # fmt: skip


async def _validated(client: Any, worker: Any, db: Any, content: bytes) -> dict[str, Any]:
    """The task of `content` uploaded into dataset "shop" (SHOP), once the worker is done."""
    await _dataset(db, "shop", SHOP)
    task = await upload_file(client, filename="f.csv", content=content, datasource="shop")
    await worker()
    return (await graphql(client, SCHEMA, id=task["id"]))["task"]  # type: ignore[no-any-return]


async def test_added_and_missing_columns_are_reported_and_ingestion_goes_on(
    client: Any, worker: Any, db: Any
) -> None:
    content = b"ts,city,zip,tip\n2024-01-01,Paris,75001,1.5\n2024-01-02,Lyon,69001,2\n"
    done = await _validated(client, worker, db, content)

    changes = done["profile"]["schemaChanges"]
    assert changes == {"added": ["tip"], "missing": ["note"], "typeConflicts": []}
    assert any("tip" in w for w in done["profile"]["warnings"])
    # Validation passed: it went on to Druid (unreachable here), not a schema refusal.
    assert done["error"]["code"] == "DRUID_UNAVAILABLE"


async def test_a_type_change_that_loses_values_is_refused_until_accepted(
    client: Any, worker: Any, db: Any
) -> None:
    content = b"ts,city,zip,note\n2024-01-01,Paris,75001,a\n2024-01-02,Leeds,LS1 4AP,b\n"
    failed = await _validated(client, worker, db, content)
    task = {"id": failed["id"]}

    assert failed["status"] == "FAILED"
    assert failed["error"]["code"] == "SCHEMA_CONFLICT"
    assert failed["error"]["stage"] == "VALIDATING"
    message = failed["error"]["message"]
    assert "'zip' holds whole numbers in the dataset but text in this file" in message
    assert "allowTypeChange" in message
    assert failed["profile"]["schemaChanges"]["typeConflicts"] == [
        {"column": "zip", "datasetType": "LONG", "uploadType": "STRING", "wouldLoseValues": True}
    ]
    assert failed["druidTaskId"] is None  # nothing went to Druid

    retried = await graphql(client, RETRY, id=task["id"], options={"allowTypeChange": True})
    assert retried["retryTask"]["__typename"] == "IngestionTask"
    await worker()
    again = await get_task(client, task["id"])
    assert again["error"]["code"] == "DRUID_UNAVAILABLE"  # past validation this time
    options = await db.fetchval("SELECT options FROM tasks WHERE id = $1", task["id"])
    assert options["allow_type_change"] is True


async def test_an_upload_fixing_quarantined_rows_is_linked_both_ways(
    client: Any, worker: Any
) -> None:
    rows = "".join(f"2024-01-{d:02d},{d}\n" for d in range(1, 21))
    content = f"ts,n\n{rows}2024-13-45,99\n".encode()
    first = await upload_file(client, filename="bad.csv", content=content, datasource="fixes")
    await worker()
    assert (await get_task(client, first["id"]))["rowsQuarantined"] == 1

    fixed = b"ts,n,_sluice_row,_sluice_reason\n2024-01-31,99,21,not a valid date\n"
    second = await upload_file(
        client,
        filename="bad.csv.quarantine.csv",
        content=fixed,
        datasource="fixes",
        options={"fixesTask": first["id"]},
    )
    assert second["__typename"] == "IngestionTask"
    await worker()

    original = (await graphql(client, LINKS, id=first["id"]))["task"]
    assert original["fixesTask"] is None
    assert [t["id"] for t in original["fixedBy"]] == [second["id"]]
    fix = (await graphql(client, LINKS, id=second["id"]))["task"]
    assert fix["fixesTask"] == {"id": first["id"]} and fix["fixedBy"] == []
    profile = (await get_task(client, second["id"]))["profile"]
    assert [c["name"] for c in profile["columns"]] == ["ts", "n"]  # _sluice_* left out


async def test_fixes_task_must_name_an_upload_with_quarantined_rows_into_the_dataset(
    client: Any, worker: Any
) -> None:
    clean = await upload_file(client, filename="ok.csv", content=b"a\n1\n", datasource="one")
    await worker()
    cases = [
        ("nope", "one", "there is no upload task nope"),
        (clean["id"], "two", "went into another dataset"),
        (clean["id"], "one", "set no rows aside"),
    ]
    for fixes, datasource, why in cases:
        refused = await upload_file(
            client,
            filename="fix.csv",
            content=b"a\n2\n",
            datasource=datasource,
            options={"fixesTask": fixes},
        )
        assert refused["__typename"] == "UploadRejected"
        assert refused["code"] == "INVALID_OPTIONS"
        assert why in refused["message"]
