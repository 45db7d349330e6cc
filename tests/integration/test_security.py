"""Browser defences, cost limits, sessions and how secrets are kept, on the real API."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from api.app import create_app, in_process
from core.auth import Role, store
from core.settings import Settings
from core.storage import S3ObjectStore
from tests.conftest import api_client, client_of, grant
from tests.graphql_ops import post_upload, upload_file

CSV = b"ts,v\n2024-01-01,1\n"
ME = "query { me { email workspace role workspaces { slug role } } }"


def _without(headers: dict[str, str], name: str) -> dict[str, str]:
    return {k: v for k, v in headers.items() if k != name}


# --- CSRF and origins ----------------------------------------------------------------------


async def test_multipart_without_a_preflight_header_is_refused(
    app: Any, auth: dict[str, str], store: S3ObjectStore
) -> None:
    """What a <form> on another site could send with the user's cookie is refused, before
    anything reaches S3."""
    async with client_of(app, _without(auth, "x-sluice-csrf")) as client:
        response = await post_upload(client, filename="a.csv", content=CSV, datasource="x")
    assert response.status_code == 400
    assert "x-sluice-csrf" in response.json()["errors"][0]["message"]
    assert await store.list_keys("uploads/") == []


@pytest.mark.parametrize(
    "extra",
    [{"apollo-require-preflight": "true"}, {"sec-fetch-site": "same-origin"}],
)
async def test_multipart_with_a_preflight_header_or_from_our_origin_is_accepted(
    app: Any, auth: dict[str, str], extra: dict[str, str]
) -> None:
    async with client_of(app, {**_without(auth, "x-sluice-csrf"), **extra}) as client:
        result = await upload_file(client, filename="a.csv", content=CSV, datasource="x")
    assert result["__typename"] == "IngestionTask"


async def test_a_foreign_origin_is_refused_even_with_the_header(
    client: httpx.AsyncClient,
) -> None:
    evil = {"origin": "http://evil.example"}
    upload = await post_upload(client, filename="a.csv", content=CSV, datasource="x", headers=evil)
    query = await client.post("/graphql", json={"query": ME}, headers=evil)
    assert upload.status_code == query.status_code == 403
    assert "http://evil.example" in query.json()["errors"][0]["message"]


async def test_same_origin_requests_pass(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/graphql",
        json={"query": "{ tasks { ... on TaskPage { items { id } } } }"},
        headers={"origin": "http://sluice.test"},
    )
    assert response.status_code == 200 and "errors" not in response.json()


# --- Host and headers ----------------------------------------------------------------------


async def test_an_unknown_host_gets_nothing(app: Any, auth: dict[str, str]) -> None:
    """DNS rebinding: a page on evil.example resolving to 127.0.0.1 sends Host: evil.example."""
    async with client_of(app, auth) as client:
        for path in ("/graphql", "/healthz", "/"):
            response = await client.get(path, headers={"host": "evil.example"})
            assert response.status_code == 400, path


async def test_security_headers_on_the_web_app_and_the_api(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    for path in ("/", "/healthz"):
        headers = (await client.get(path)).headers
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["x-frame-options"] == "DENY"
        assert headers["referrer-policy"] == "no-referrer"
        csp = headers["content-security-policy"]
        assert "frame-ancestors 'none'" in csp and "default-src 'self'" in csp
        assert settings.s3_endpoint_url in csp  # resumable parts go straight to S3


# --- size and rate limits ------------------------------------------------------------------


async def test_a_large_json_body_is_refused(client: httpx.AsyncClient) -> None:
    padding = "x" * (2 * 1024 * 1024)
    response = await client.post("/graphql", json={"query": ME, "variables": {"p": padding}})
    assert response.status_code == 413
    assert "limit" in response.json()["errors"][0]["message"]


async def test_an_answer_over_the_cap_is_refused(settings: Settings, db: Any, clean: None) -> None:
    small = settings.model_copy(update={"max_response_bytes": 400})
    aliases = " ".join(f"a{i}: tasks {{ items {{ id }} nextCursor }}" for i in range(25))
    async with api_client(small, await grant(db)) as client:
        fine = await client.post(
            "/graphql", json={"query": "{ tasks { ... on TaskPage { items { id } } } }"}
        )
        large = await client.post("/graphql", json={"query": f"{{ {aliases} }}"})
    assert fine.status_code == 200
    assert large.status_code == 413


async def test_uploads_are_rate_limited_per_token(settings: Settings, db: Any, clean: None) -> None:
    tight = settings.model_copy(update={"upload_rate_per_minute": 2})
    async with in_process(create_app(tight)) as app:
        async with client_of(app, await grant(db)) as first:
            codes = [
                (
                    await post_upload(first, filename="a.csv", content=CSV, datasource="x")
                ).status_code
                for _ in range(3)
            ]
            resumable = await first.post(  # a resumable upload counts against the same budget
                "/graphql",
                json={
                    "query": 'mutation { startUpload(filename: "a.csv", sizeBytes: 100, '
                    'datasource: "x") { ... on UploadRejected { code message } } }'
                },
            )
        async with client_of(app, await grant(db)) as second:  # another token, its own budget
            other = await post_upload(second, filename="a.csv", content=CSV, datasource="x")
    assert codes == [200, 200, 429]
    assert resumable.json()["data"]["startUpload"]["code"] == "RATE_LIMITED"
    assert other.status_code == 200


async def test_multipart_is_checked_before_a_file_byte_is_stored(
    client: httpx.AsyncClient, store: S3ObjectStore
) -> None:
    """A file before `operations`/`map`, a file the map does not name, or too many files:
    refused without streaming anything to S3."""
    ops = json.dumps(
        {
            "query": "mutation($f: Upload!) { uploadFile(file: $f, "
            'datasource: "x") { __typename } }',
            "variables": {"f": None},
        }
    )
    cases = [
        ({}, {"0": ("a.csv", CSV, "text/csv")}),  # no operations at all
        ({"operations": ops, "map": '{"0": ["variables.f"]}'}, {"9": ("a.csv", CSV, "text/csv")}),
        ({"operations": ops, "map": '{"0": ["variables.nope.deep"]}'}, {"0": ("a.csv", CSV)}),
    ]
    for data, files in cases:
        response = await client.post("/graphql", data=data, files=files)
        assert response.status_code == 400, response.text
    assert await store.list_keys("uploads/") == []


async def test_too_many_files_in_one_request_are_refused(
    settings: Settings, db: Any, store: S3ObjectStore, clean: None
) -> None:
    few = settings.model_copy(update={"max_multipart_files": 2})
    operations = {
        "query": 'mutation($f: [Upload!]!) { uploadFiles(files: $f, datasource: "x") '
        "{ __typename } }",
        "variables": {"f": [None, None, None]},
    }
    mapping = {str(i): [f"variables.f.{i}"] for i in range(3)}
    async with api_client(few, await grant(db)) as client:
        response = await client.post(
            "/graphql",
            data={"operations": json.dumps(operations), "map": json.dumps(mapping)},
            files={str(i): (f"{i}.csv", CSV, "text/csv") for i in range(3)},
        )
    assert response.status_code == 400
    assert "more than 2 files" in response.json()["errors"][0]["message"]
    assert await store.list_keys("uploads/") == []


async def test_a_viewer_cannot_stream_a_file_at_all(
    app: Any, db: Any, store: S3ObjectStore
) -> None:
    async with client_of(app, await grant(db, role=Role.VIEWER)) as viewer:
        response = await post_upload(viewer, filename="a.csv", content=CSV, datasource="x")
    assert response.status_code == 403
    assert "EDITOR" in response.json()["errors"][0]["message"]
    assert await store.list_keys("uploads/") == []


# --- sessions ------------------------------------------------------------------------------


SIGN_IN = (
    "mutation($e: String!, $p: String!) { signIn(email: $e, password: $p) { __typename "
    "... on Me { email workspace role } ... on AuthRejected { code message } } }"
)


async def _sign_in(client: httpx.AsyncClient, email: str, password: str) -> httpx.Response:
    return await client.post(
        "/graphql", json={"query": SIGN_IN, "variables": {"e": email, "p": password}}
    )


async def test_a_session_cookie_signs_in_switches_and_signs_out(app: Any, db: Any) -> None:
    user = await store.create_user(db, email="Ada@Example.com", password="correct horse")
    for slug, role in (("acme", Role.EDITOR), ("globex", Role.VIEWER)):
        workspace = await store.ensure_workspace(db, slug)
        await store.add_member(db, workspace_id=workspace.id, user_id=user, role=role)
    async with client_of(app, {}) as browser:
        wrong = await _sign_in(browser, "ada@example.com", "wrong password")
        assert wrong.json()["data"]["signIn"]["code"] == "WRONG_PASSWORD"
        assert "set-cookie" not in wrong.headers
        signed = await _sign_in(browser, "ada@example.com", "correct horse")
    me = signed.json()["data"]["signIn"]
    assert me == {
        "__typename": "Me",
        "email": "ada@example.com",
        "workspace": "acme",
        "role": "EDITOR",
    }
    cookie = signed.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Secure" in cookie
    secret = cookie.split(";")[0].split("=", 1)[1]
    # (httpx does not send a Secure cookie over http, so the test sends it itself.)
    session = {"cookie": f"sluice_session={secret}", "x-sluice-csrf": "1"}
    async with client_of(app, session) as browser:
        switched = await browser.post(
            "/graphql",
            json={
                "query": 'mutation { switchWorkspace(slug: "globex") '
                "{ ... on Me { workspace role } } }"
            },
        )
        assert switched.json()["data"]["switchWorkspace"] == {
            "workspace": "globex",
            "role": "VIEWER",
        }
        refused = await browser.post(
            "/graphql", json={"query": 'mutation { cancelTask(id: "x") { __typename } }'}
        )
        assert refused.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN"
        await browser.post("/graphql", json={"query": "mutation { signOut }"})
        after = await browser.post("/graphql", json={"query": ME})
    assert after.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_sign_in_attempts_are_rate_limited(app: Any, db: Any) -> None:
    async with client_of(app, {}) as browser:
        answers = [
            (await _sign_in(browser, "x@example.com", "guess number")).json()["data"]["signIn"][
                "code"
            ]
            for _ in range(11)
        ]
    assert answers[:10] == ["WRONG_PASSWORD"] * 10 and answers[10] == "RATE_LIMITED"


# --- secrets at rest -----------------------------------------------------------------------


async def test_tokens_and_passwords_are_stored_only_as_hashes(db: Any, clean: None) -> None:
    workspace = await store.ensure_workspace(db, "acme")
    _, token = await store.create_token(db, workspace_id=workspace.id, role=Role.ADMIN, name="ci")
    await store.create_user(db, email="b@example.com", password="a long password")
    dump = json.dumps(
        [dict(r) for r in await db.fetch("SELECT * FROM api_tokens")]
        + [dict(r) for r in await db.fetch("SELECT * FROM users")],
        default=str,
    )
    assert token not in dump and token.removeprefix("slk_") not in dump
    assert "a long password" not in dump and "$argon2id$" in dump
    assert await store.caller_for_token(db, token) is not None
    await store.revoke_token(db, workspace_id=workspace.id, token_id=_id_of(dump))
    assert await store.caller_for_token(db, token) is None


def _id_of(dump: str) -> str:
    return str(json.loads(dump)[0]["id"])


async def test_an_expired_or_revoked_token_is_refused_with_401(app: Any, db: Any) -> None:
    from datetime import UTC, datetime, timedelta

    workspace = await store.ensure_workspace(db, "acme")
    _, expired = await store.create_token(
        db,
        workspace_id=workspace.id,
        role=Role.ADMIN,
        name="old",
        expires_at=datetime.now(UTC) - timedelta(seconds=1),
    )
    async with client_of(app, {"authorization": f"Bearer {expired}"}) as client:
        response = await client.post("/graphql", json={"query": ME})
    assert response.status_code == 401
    assert expired not in response.text


INTROSPECTION = "{ __schema { queryType { name } } }"


async def test_the_schema_is_described_only_to_someone_signed_in(
    app: Any, auth: dict[str, str]
) -> None:
    async with client_of(app, {}) as anonymous:
        refused = await anonymous.post("/graphql", json={"query": INTROSPECTION})
        typename = await anonymous.post("/graphql", json={"query": "{ __typename }"})
        hidden = await anonymous.post(
            "/graphql", json={"query": '{ __type(name: "IngestionTask") { name } }'}
        )
    assert refused.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert hidden.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert typename.json() == {"data": {"__typename": "Query"}}
    async with client_of(app, auth) as member:
        described = await member.post("/graphql", json={"query": INTROSPECTION})
    assert described.json() == {"data": {"__schema": {"queryType": {"name": "Query"}}}}


async def test_without_a_session_or_token_only_sign_in_and_health_answer(
    app: Any, auth: dict[str, str], settings: Settings
) -> None:
    """Issue 10's "done means": the web app (which shows only its sign-in page to nobody),
    the health checks and `{ __typename }` answer; GraphiQL, metrics and every field do not
    (tests/integration/test_authorization.py runs every field)."""
    async with client_of(app, {}) as anonymous:
        answered = {p: (await anonymous.get(p)).status_code for p in ("/", "/healthz", "/readyz")}
        graphiql = await anonymous.get("/graphql", headers={"accept": "text/html"})
        metrics = await anonymous.get("/metrics")
        me = await anonymous.post("/graphql", json={"query": ME})
    web_app = 200 if (settings.frontend_dist / "index.html").exists() else 404  # not built
    assert answered == {"/": web_app, "/healthz": 200, "/readyz": 200}
    assert graphiql.status_code == 401 and "Sign in on the web app" in graphiql.text
    assert metrics.status_code == 401
    assert me.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    async with client_of(app, auth) as member:
        page = await member.get("/graphql", headers={"accept": "text/html"})
    assert page.status_code == 200 and "GraphiQL" in page.text
