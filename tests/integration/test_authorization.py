"""Every GraphQL operation × every kind of caller, against the real API.

The operations come from the schema itself: a root field without an entry in OPERATIONS, or
without exactly one permission class, fails `test_every_operation_has_a_rule`. Callers:
anonymous, a forged token, viewer / editor / admin of workspace `acme`, and the admin of
another workspace (`globex`), for whom `acme`'s task and upload session must look exactly
like missing ones.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
import websockets
from websockets.exceptions import ConnectionClosed

from core.auth import Role
from schema import build_schema
from schema.permissions import ROLE_CLASSES, Admin, Editor, Public, SignedIn, Viewer
from tests.conftest import client_of, grant
from tests.graphql_ops import post_upload, upload_file

CSV = b"ts,v\n2024-01-01,1\n"
MISSING = "0" * 32
FORGED = {"authorization": "Bearer slk_forged-token-that-nobody-issued", "x-sluice-csrf": "1"}
ANONYMOUS = {"x-sluice-csrf": "1"}
RANK = {Public: 0, SignedIn: 1, Viewer: 1, Editor: 2, Admin: 3}
CALLER_RANK = {"viewer": 1, "editor": 2, "admin": 3, "outsider": 3}


@dataclass(frozen=True)
class Op:
    role: type  # the permission class the field must carry (schema/permissions.py)
    document: str  # $TASK and $SESSION are replaced by acme's task and upload session ids
    scoped: bool = False  # names an object of acme: the outsider must get "missing"


TASK_FIELDS = "... on IngestionTask { id status } ... on TaskActionRejected { code message }"
UPLOAD = "... on IngestionTask { id } ... on UploadRejected { code message }"
METRIC = "{aggregate: COUNT}"
OPERATIONS: dict[str, Op] = {
    "me": Op(SignedIn, "query { me { email workspace role } }"),
    "members": Op(Admin, "query { members { email role } }"),
    "apiTokens": Op(Admin, "query { apiTokens { name role } }"),
    "task": Op(Viewer, 'query { task(id: "$TASK") { id status datasource } }', scoped=True),
    "tasks": Op(Viewer, "query { tasks { ... on TaskPage { items { id datasource } } } }"),
    "checkDatasourceName": Op(
        Viewer, 'query { checkDatasourceName(name: "sales") { exists problem { code } } }'
    ),
    "uploadSession": Op(
        Viewer, 'query { uploadSession(id: "$SESSION") { id datasource } }', scoped=True
    ),
    "datasources": Op(Viewer, "query { datasources { name } }"),
    "datasource": Op(Viewer, 'query { datasource(name: "sales") { name } }'),
    "timeseries": Op(
        Viewer, f'query {{ timeseries(datasource: "sales", metric: {METRIC}) {{ __typename }} }}'
    ),
    "topN": Op(
        Viewer,
        f'query {{ topN(datasource: "sales", dimension: "v", metric: {METRIC}) {{ __typename }} }}',
    ),
    "groupBy": Op(
        Viewer,
        'query { groupBy(datasource: "sales", dimensions: ["v"], '
        f"metrics: [{METRIC}]) {{ __typename }} }}",
    ),
    "signIn": Op(
        Public,
        'mutation { signIn(email: "nobody@example.com", password: "wrong-password") '
        "{ __typename } }",
    ),
    "signOut": Op(SignedIn, "mutation { signOut }"),
    "switchWorkspace": Op(SignedIn, 'mutation { switchWorkspace(slug: "acme") { __typename } }'),
    "createToken": Op(Admin, 'mutation { createToken(name: "x", role: VIEWER) { __typename } }'),
    "revokeToken": Op(Admin, f'mutation {{ revokeToken(id: "{MISSING}") }}'),
    "setMember": Op(
        Admin, 'mutation { setMember(email: "nobody@example.com", role: VIEWER) { __typename } }'
    ),
    "removeMember": Op(Admin, 'mutation { removeMember(email: "nobody@example.com") }'),
    "uploadFile": Op(Editor, "(multipart)"),
    "uploadFiles": Op(Editor, "(multipart)"),
    "startUpload": Op(
        Editor,
        'mutation { startUpload(filename: "a.csv", sizeBytes: 100, datasource: "sales") '
        "{ __typename } }",
    ),
    "completeUpload": Op(
        Editor, f'mutation {{ completeUpload(id: "$SESSION") {{ {UPLOAD} }} }}', True
    ),
    "cancelUpload": Op(
        Editor, 'mutation { cancelUpload(id: "$SESSION") { __typename } }', scoped=True
    ),
    "retryTask": Op(Editor, f'mutation {{ retryTask(id: "$TASK") {{ {TASK_FIELDS} }} }}', True),
    "cancelTask": Op(Editor, f'mutation {{ cancelTask(id: "$TASK") {{ {TASK_FIELDS} }} }}', True),
    "rollbackUpload": Op(
        Editor, f'mutation {{ rollbackUpload(taskId: "$TASK") {{ {TASK_FIELDS} }} }}', True
    ),
    "deleteDataset": Op(Editor, f'mutation {{ deleteDataset(name: "sales") {{ {TASK_FIELDS} }} }}'),
    "taskUpdates": Op(
        Viewer, 'subscription { taskUpdates(id: "$TASK") { id status } }', scoped=True
    ),
    "taskFeed": Op(Viewer, "subscription { taskFeed { id } }"),
}


def _root_fields() -> dict[str, type]:
    """Every root field of the schema and its one permission class."""
    schema = build_schema()
    found: dict[str, type] = {}
    for type_name in ("Query", "Mutation", "Subscription"):
        definition = schema.get_type_by_name(type_name)
        for field in definition.fields:  # type: ignore[union-attr]
            classes = field.permission_classes
            assert len(classes) == 1 and classes[0] in ROLE_CLASSES, (
                f"{type_name}.{field.python_name} needs exactly one permission class from "
                "schema/permissions.py"
            )
            found[schema.config.name_converter.get_graphql_name(field)] = classes[0]
    return found


def test_every_operation_has_a_rule() -> None:
    """A new root field fails here until it has an entry (and a rule) in OPERATIONS."""
    assert {name: op.role for name, op in OPERATIONS.items()} == _root_fields()


@dataclass
class World:
    callers: dict[str, dict[str, str]]
    task_id: str
    session_id: str


@pytest.fixture
async def world(app: Any, db: Any) -> World:
    callers = {
        "anonymous": ANONYMOUS,
        "forged": FORGED,
        "viewer": await grant(db, workspace="acme", role=Role.VIEWER),
        "editor": await grant(db, workspace="acme", role=Role.EDITOR),
        "admin": await grant(db, workspace="acme", role=Role.ADMIN),
        "outsider": await grant(db, workspace="globex", role=Role.ADMIN),
    }
    for druid_name, rows in (("acme__sales", 1), ("globex__sales", 2), ("sales", 3)):
        await db.execute("INSERT INTO datasets (name, row_count) VALUES ($1, $2)", druid_name, rows)
    async with client_of(app, callers["editor"]) as editor:
        task = await upload_file(editor, filename="a.csv", content=CSV, datasource="sales")
        started = await editor.post(
            "/graphql",
            json={
                "query": 'mutation { startUpload(filename: "b.csv", sizeBytes: 100, '
                'datasource: "sales") { ... on UploadSession { id } } }'
            },
        )
    return World(callers, task["id"], started.json()["data"]["startUpload"]["id"])


def _document(op: Op, world: World, *, missing: bool = False) -> str:
    task, session = (MISSING, MISSING) if missing else (world.task_id, world.session_id)
    return op.document.replace("$TASK", task).replace("$SESSION", session)


async def _call(client: httpx.AsyncClient, name: str, document: str) -> httpx.Response:
    if name == "uploadFile":
        return await post_upload(client, filename="c.csv", content=CSV, datasource="sales")
    if name == "uploadFiles":
        operations = {
            "query": "mutation($f: [Upload!]!) { uploadFiles(files: $f, datasource: "
            '"sales") { __typename } }',
            "variables": {"f": [None]},
        }
        return await client.post(
            "/graphql",
            data={"operations": json.dumps(operations), "map": '{"0": ["variables.f.0"]}'},
            files={"0": ("d.csv", CSV, "text/csv")},
        )
    return await client.post("/graphql", json={"query": document})


def _refusal(response: httpx.Response) -> str | None:
    """UNAUTHENTICATED / FORBIDDEN when the request or its one field was refused."""
    if response.status_code in (401, 403):
        return str(response.json()["errors"][0]["extensions"]["code"])
    assert response.status_code == 200, response.text
    for error in response.json().get("errors", []):
        code = (error.get("extensions") or {}).get("code")
        if code in ("UNAUTHENTICATED", "FORBIDDEN"):
            return str(code)
    return None


def _normalised(response: httpx.Response, world: World) -> str:
    text = json.dumps(response.json().get("data"))
    return text.replace(world.task_id, "ID").replace(world.session_id, "ID").replace(MISSING, "ID")


HTTP_OPERATIONS = [name for name, op in OPERATIONS.items() if "subscription" not in op.document]


@pytest.mark.parametrize("name", HTTP_OPERATIONS)
async def test_operation_is_allowed_exactly_for_its_roles(
    app: Any, world: World, name: str
) -> None:
    op = OPERATIONS[name]
    rule = op.role
    # The outsider goes first: nothing it does may change acme's objects.
    for caller in ("outsider", "anonymous", "forged", "viewer", "editor", "admin"):
        async with client_of(app, world.callers[caller]) as client:
            response = await _call(client, name, _document(op, world))
            refused = _refusal(response)
            if caller == "forged":
                assert response.status_code == 401 and refused == "UNAUTHENTICATED", name
            elif caller == "anonymous":
                assert refused == (None if rule is Public else "UNAUTHENTICATED"), name
            elif CALLER_RANK[caller] >= RANK[rule]:
                assert refused is None, (name, caller, response.text)
            else:
                assert refused == "FORBIDDEN", (name, caller, response.text)
            if caller == "outsider" and op.scoped:
                missing = await _call(client, name, _document(op, world, missing=True))
                assert _normalised(response, world) == _normalised(missing, world), name


async def test_the_outsider_changed_nothing_in_acme(app: Any, world: World) -> None:
    async with client_of(app, world.callers["outsider"]) as outsider:
        for name in ("cancelTask", "cancelUpload", "completeUpload"):
            await _call(outsider, name, _document(OPERATIONS[name], world))
        listed = await outsider.post("/graphql", json={"query": OPERATIONS["tasks"].document})
    assert listed.json()["data"]["tasks"]["items"] == []
    async with client_of(app, world.callers["viewer"]) as viewer:
        seen = await viewer.post("/graphql", json={"query": _document(OPERATIONS["task"], world)})
        session = await viewer.post(
            "/graphql",
            json={"query": f'query {{ uploadSession(id: "{world.session_id}") {{ cancelled }} }}'},
        )
    assert seen.json()["data"]["task"]["status"] == "QUEUED"
    assert seen.json()["data"]["task"]["datasource"] == "sales"  # not acme__sales
    assert session.json()["data"]["uploadSession"]["cancelled"] is False


async def _subscribe_first(url: str, headers: dict[str, str] | None, document: str) -> Any:
    """Connect, init with the token (if any), subscribe; the first answer (or the close)."""
    async with websockets.connect(
        f"ws://{url}/graphql", subprotocols=["graphql-transport-ws"]
    ) as ws:
        payload = {"authorization": headers["authorization"]} if headers else {}
        await ws.send(json.dumps({"type": "connection_init", "payload": payload}))
        try:
            ack = json.loads(await ws.recv())
        except ConnectionClosed as closed:
            return ("closed", closed.rcvd.code if closed.rcvd else None)
        assert ack["type"] == "connection_ack"
        await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": {"query": document}}))
        return json.loads(await ws.recv())


async def test_subscriptions_need_a_token_and_stay_in_the_workspace(
    live_server: str, app: Any, world: World
) -> None:
    updates = _document(OPERATIONS["taskUpdates"], world)
    for caller in ("anonymous", "forged"):
        headers = None if caller == "anonymous" else world.callers[caller]
        assert await _subscribe_first(live_server, headers, updates) == ("closed", 4403)
    for caller in ("viewer", "editor", "admin"):
        first = await _subscribe_first(live_server, world.callers[caller], updates)
        assert first["type"] == "next", first
        assert first["payload"]["data"]["taskUpdates"]["id"] == world.task_id
    outsider = await _subscribe_first(live_server, world.callers["outsider"], updates)
    missing = await _subscribe_first(
        live_server,
        world.callers["outsider"],
        _document(OPERATIONS["taskUpdates"], world, missing=True),
    )
    assert json.dumps(outsider).replace(world.task_id, "ID") == json.dumps(missing).replace(
        MISSING, "ID"
    )
    assert "errors" in outsider["payload"] or outsider["type"] == "error", outsider


DATASETS = 'query { datasources { name rowCount } datasource(name: "sales") { rowCount } }'


async def test_each_workspace_sees_its_own_sales_dataset(app: Any, world: World) -> None:
    """acme__sales, globex__sales and the default workspace's sales: three datasets named
    `sales`, each seen only in its own workspace, under the name its members chose."""
    for caller, rows in (("viewer", 1), ("outsider", 2)):
        async with client_of(app, world.callers[caller]) as client:
            data = (await client.post("/graphql", json={"query": DATASETS})).json()["data"]
        assert data["datasources"] == [{"name": "sales", "rowCount": rows}], caller
        assert data["datasource"] == {"rowCount": rows}, caller


async def _feed(url: str, headers: dict[str, str]) -> Any:
    ws = await websockets.connect(f"ws://{url}/graphql", subprotocols=["graphql-transport-ws"])
    await ws.send(
        json.dumps(
            {"type": "connection_init", "payload": {"authorization": headers["authorization"]}}
        )
    )
    assert json.loads(await ws.recv())["type"] == "connection_ack"
    await ws.send(
        json.dumps(
            {
                "id": "f",
                "type": "subscribe",
                "payload": {"query": "subscription { taskFeed { id datasource } }"},
            }
        )
    )
    return ws


async def _next_id(ws: Any, timeout_s: float) -> str | None:
    try:
        message = json.loads(await asyncio.wait_for(ws.recv(), timeout_s))
    except TimeoutError:
        return None
    assert message["type"] == "next", message
    return str(message["payload"]["data"]["taskFeed"]["id"])


async def _until_live(ws: Any, client: httpx.AsyncClient) -> None:
    """Upload into the subscriber's workspace until its feed shows one: then it listens."""
    for _ in range(20):
        await upload_file(  # the same file again each time: not a mistake here
            client,
            filename="w.csv",
            content=CSV,
            datasource="warmup",
            options={"allowDuplicate": True},
        )
        if await _next_id(ws, 2) is not None:
            while await _next_id(ws, 0.2) is not None:  # drain the warm-up's own events
                pass
            return
    raise AssertionError("the task feed never showed a task of its own workspace")


async def test_the_task_feed_shows_only_the_callers_workspace(
    live_server: str, world: World, db: Any
) -> None:
    globex_editor = await grant(db, workspace="globex", role=Role.EDITOR)
    base = f"http://{live_server}"
    async with (
        httpx.AsyncClient(base_url=base, headers=world.callers["editor"]) as acme,
        httpx.AsyncClient(base_url=base, headers=globex_editor) as globex,
    ):
        acme_feed = await _feed(live_server, world.callers["viewer"])
        globex_feed = await _feed(live_server, world.callers["outsider"])
        try:
            await _until_live(acme_feed, acme)
            await _until_live(globex_feed, globex)
            # acme changes first, then globex: each feed's next item is its own workspace's.
            again = {"allowDuplicate": True}  # the world's own upload holds the same content
            mine = await upload_file(
                acme, filename="a.csv", content=CSV, datasource="sales", options=again
            )
            theirs = await upload_file(
                globex, filename="g.csv", content=CSV, datasource="sales", options=again
            )
            assert await _next_id(globex_feed, 30) == theirs["id"]
            assert await _next_id(acme_feed, 30) == mine["id"]
        finally:
            await acme_feed.close()
            await globex_feed.close()
