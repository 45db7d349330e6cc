"""Two workspaces each ingest a `sales` dataset into the real Druid: each lands under its own
prefixed Druid name, each is queried (dashboards included) only from its own workspace."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from core.auth import Role
from core.settings import Settings
from tests.conftest import api_client, grant, run_worker
from tests.druid.conftest import _created_datasources
from tests.graphql_ops import get_task, graphql, upload_file

pytestmark = pytest.mark.druid

COUNT = (
    'query($ds: String!) { datasources { name } topN(datasource: $ds, dimension: "city", '
    "metric: {aggregate: COUNT}, limit: 5) { __typename ... on TopN { keys values } } }"
)


EVENTS = "query($id: ID!) { task(id: $id) { events { message } } }"


async def test_two_workspaces_each_have_their_own_sales(
    druid_settings: Settings, druid: Any, redis: Any, db: Any, clean: None, druid_sql: Any
) -> None:
    run = uuid.uuid4().hex[:6]
    name = f"sales_{run}"
    files = {f"acme-{run}": b"ts,city\n2024-01-01,Paris\n", f"globex-{run}": b"ts,city\n" + (
        b"2024-01-01,Lyon\n" * 3
    )}  # fmt: skip
    for slug in files:
        _created_datasources.add(f"{slug}__{name}")  # dropped after the session
    for slug, content in files.items():
        async with api_client(druid_settings, await grant(db, workspace=slug)) as editor:
            task = await upload_file(editor, filename="s.csv", content=content, datasource=name)
            await run_worker(druid_settings, redis)
            done = await get_task(editor, task["id"])
            events = await graphql(editor, EVENTS, id=task["id"])
        assert done["status"] == "SUCCEEDED", done["error"]
        assert done["datasource"] == name  # the name people chose, not the Druid one
        assert done["reconciliation"]["state"] == "MATCHED", done["reconciliation"]
        last = events["task"]["events"][-1]["message"]
        assert f"queryable in '{name}'" in last, last  # never the Druid name `slug__name`
    for slug, rows in ((f"acme-{run}", 1), (f"globex-{run}", 3)):
        counted = await druid_sql.one(f'SELECT COUNT(*) AS n FROM "{slug}__{name}"')
        assert counted["n"] == rows
        viewer = await grant(db, workspace=slug, role=Role.VIEWER)
        async with api_client(druid_settings, viewer) as client:
            data = await graphql(client, COUNT, ds=name)
        assert {"name": name} in data["datasources"]
        assert all("__" not in d["name"] for d in data["datasources"])
        assert data["topN"]["values"] == [rows]
