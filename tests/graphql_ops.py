"""One helper per GraphQL operation the tests use, holding the query text."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import websockets
from websockets.asyncio.client import ClientConnection
from websockets.typing import Subprotocol

TASK_FIELDS = """
  id status stage datasource filename sizeBytes mode rowsTotal rowsIngested rowsQuarantined
  rowsThrownAway rowsProcessedWithError rowsUnparseable progress druidTaskId hasQuarantine
  kind targetTaskId rowsRemoved datasetDeletedBy filesRemovedReason
  reconciliation { state summary }
  error { code message retryable stage }
  profile { format encoding delimiter rowsTotal rowsValid rowsQuarantined timestampColumn
            timeMin timeMax columns { name type nullCount distinctCount min max } }
"""

UPLOAD_FILE = f"""
mutation Upload($file: Upload!, $datasource: String!, $options: IngestOptions) {{
  uploadFile(file: $file, datasource: $datasource, options: $options) {{
    __typename
    ... on IngestionTask {{ {TASK_FIELDS} }}
    ... on UploadRejected {{ code message filename }}
  }}
}}"""

UPLOAD_FILES = f"""
mutation UploadMany($files: [Upload!]!, $datasource: String!) {{
  uploadFiles(files: $files, datasource: $datasource) {{
    __typename
    ... on IngestionTask {{ {TASK_FIELDS} }}
    ... on UploadRejected {{ code message filename }}
  }}
}}"""

TASK = (
    f"query Task($id: ID!) {{ task(id: $id) {{ {TASK_FIELDS} "
    "events { status progress message } } }"
)

TASKS = """
query Tasks($first: Int, $after: String, $ds: String) {
  tasks(first: $first, after: $after, datasource: $ds) {
    __typename
    ... on TaskPage { items { filename } nextCursor }
    ... on UserError { code message }
    ... on InvalidArgument { argument }
  }
}"""

CHECK_DATASOURCE_NAME = """
query Check($name: String!) {
  checkDatasourceName(name: $name) { exists problem { code message argument } }
}"""

QUARANTINE = """
query Quarantine($id: ID!) {
  task(id: $id) {
    hasQuarantine
    quarantineUrl { __typename ... on QuarantineLink { url } ... on UserError { code message } }
    quarantinePreview(limit: 5) { sourceRow reason }
  }
}"""


def _task_action(operation: str, field: str) -> str:
    """A task action's mutation (`operation`: name and variables; `field`: the call): the
    task it queued or changed, or why not."""
    return f"""
mutation {operation} {{
  {field} {{
    __typename
    ... on IngestionTask {{ {TASK_FIELDS} }}
    ... on TaskActionRejected {{ code message }}
  }}
}}"""


ROLLBACK_UPLOAD = _task_action("Rollback($taskId: ID!)", "rollbackUpload(taskId: $taskId)")
DELETE_DATASET = _task_action("Delete($name: String!)", "deleteDataset(name: $name)")

DATASOURCES = "query Datasources { datasources { name rowCount } }"

TASK_UPDATES = (
    "subscription Updates($id: ID!) { taskUpdates(id: $id) { "
    + TASK_FIELDS
    + " events { status } } }"
)
TASK_FEED = "subscription Feed { taskFeed { id status error { code } } }"


@contextlib.asynccontextmanager
async def connect(url: str, auth: dict[str, str]) -> AsyncIterator[ClientConnection]:
    """A graphql-transport-ws connection, acknowledged. `auth`: the caller's headers (see
    tests.conftest.grant); the token goes in the connection_init payload."""
    async with websockets.connect(
        f"ws://{url}/graphql", subprotocols=[Subprotocol("graphql-transport-ws")]
    ) as ws:
        payload = {"authorization": auth["authorization"]}
        await ws.send(json.dumps({"type": "connection_init", "payload": payload}))
        assert json.loads(await ws.recv())["type"] == "connection_ack"
        yield ws


async def start(
    ws: ClientConnection, query: str, variables: dict[str, Any] | None = None, *, op: str = "1"
) -> None:
    """Start operation `op` on the connection."""
    payload = {"query": query, "variables": variables or {}}
    await ws.send(json.dumps({"id": op, "type": "subscribe", "payload": payload}))


async def first_error(ws: ClientConnection, op: str, *, quiet_s: float = 30.0) -> dict[str, Any]:
    """The first error the server sends for operation `op` (an `error` message, or a `next`
    carrying errors): its message and extensions. Messages of other operations are skipped."""
    async with asyncio.timeout(quiet_s):
        while True:
            message = json.loads(await ws.recv())
            if message.get("id") != op:
                continue
            assert message["type"] in {"next", "error"}, message
            payload = message["payload"]
            errors = payload if message["type"] == "error" else payload.get("errors")
            assert errors, message
            return errors[0]  # type: ignore[no-any-return]


async def subscribe(
    url: str,
    query: str,
    variables: dict[str, Any],
    *,
    auth: dict[str, str],
    each: asyncio.Queue[dict[str, Any]] | None = None,
    quiet_s: float = 60.0,
    op: str = "1",
) -> list[dict[str, Any]]:
    """Collect every `next` payload (also handed to `each` as it comes) until the server
    completes the subscription (graphql-transport-ws), checking that each message carries
    operation id `op`. `quiet_s`: the longest silence between two messages before giving up."""
    items: list[dict[str, Any]] = []
    async with connect(url, auth) as ws:
        await start(ws, query, variables, op=op)
        while True:
            message = json.loads(await asyncio.wait_for(ws.recv(), quiet_s))
            assert message.get("id") == op, message
            if message["type"] == "next":
                assert "errors" not in message["payload"], message
                items.append(message["payload"]["data"])
                if each is not None:
                    each.put_nowait(message["payload"]["data"])
            elif message["type"] == "complete":
                return items
            elif message["type"] == "error":
                raise AssertionError(message)


async def post_upload(
    client: httpx.AsyncClient,
    *,
    filename: str,
    content: bytes,
    datasource: str,
    options: dict[str, Any] | None = None,
    content_type: str = "text/csv",
    headers: dict[str, str] | None = None,
) -> httpx.Response:
    """The raw answer to an uploadFile multipart request."""
    operations = {
        "query": UPLOAD_FILE,
        "variables": {"file": None, "datasource": datasource, "options": options},
    }
    return await client.post(
        "/graphql",
        data={"operations": json.dumps(operations), "map": json.dumps({"0": ["variables.file"]})},
        files={"0": (filename, content, content_type)},
        headers=headers,
    )


async def upload_file(
    client: httpx.AsyncClient,
    *,
    filename: str,
    content: bytes,
    datasource: str,
    options: dict[str, Any] | None = None,
    content_type: str = "text/csv",
) -> dict[str, Any]:
    response = await post_upload(
        client,
        filename=filename,
        content=content,
        datasource=datasource,
        options=options,
        content_type=content_type,
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert "errors" not in body, body
    return body["data"]["uploadFile"]  # type: ignore[no-any-return]


async def upload_files(
    client: httpx.AsyncClient, *, files: list[tuple[str, bytes]], datasource: str
) -> list[dict[str, Any]]:
    operations = {
        "query": UPLOAD_FILES,
        "variables": {"files": [None] * len(files), "datasource": datasource},
    }
    mapping = {str(i): [f"variables.files.{i}"] for i in range(len(files))}
    response = await client.post(
        "/graphql",
        data={"operations": json.dumps(operations), "map": json.dumps(mapping)},
        files={str(i): (name, content, "text/csv") for i, (name, content) in enumerate(files)},
    )
    assert response.status_code == 200, response.text
    return response.json()["data"]["uploadFiles"]  # type: ignore[no-any-return]


async def graphql(client: httpx.AsyncClient, query: str, **variables: Any) -> dict[str, Any]:
    response = await client.post("/graphql", json={"query": query, "variables": variables})
    assert response.status_code == 200, response.text
    body = response.json()
    assert "errors" not in body, body
    return body["data"]  # type: ignore[no-any-return]


async def list_tasks(client: httpx.AsyncClient, **variables: Any) -> dict[str, Any]:
    return (await graphql(client, TASKS, **variables))["tasks"]  # type: ignore[no-any-return]


async def check_datasource_name(client: httpx.AsyncClient, name: str) -> dict[str, Any]:
    data = await graphql(client, CHECK_DATASOURCE_NAME, name=name)
    return data["checkDatasourceName"]  # type: ignore[no-any-return]


async def get_task(client: httpx.AsyncClient, task_id: str) -> dict[str, Any]:
    return (await graphql(client, TASK, id=task_id))["task"]  # type: ignore[no-any-return]


async def rollback_upload(client: httpx.AsyncClient, task_id: str) -> dict[str, Any]:
    data = await graphql(client, ROLLBACK_UPLOAD, taskId=task_id)
    return data["rollbackUpload"]  # type: ignore[no-any-return]


async def delete_dataset(client: httpx.AsyncClient, name: str) -> dict[str, Any]:
    data = await graphql(client, DELETE_DATASET, name=name)
    return data["deleteDataset"]  # type: ignore[no-any-return]


async def datasource_names(client: httpx.AsyncClient) -> list[str]:
    data = await graphql(client, DATASOURCES)
    return [item["name"] for item in data["datasources"]]
