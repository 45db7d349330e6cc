"""Resumable uploads straight to S3 (core/resumable.py), through the GraphQL API, with the
parts PUT to the real SeaweedFS by presigned URL, as a browser or script would."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from core import resumable
from core.auth.model import LEGACY_WORKSPACE
from core.services import open_services
from core.settings import Settings
from core.storage import S3ObjectStore
from tests.conftest import api_client, grant
from tests.graphql_ops import get_task
from workers.sessions import abort_orphan_uploads

SESSION = """id partSizeBytes partCount uploadedParts taskId cancelled
             parts(first: $first, count: $count) { number url }"""
START = f"""
mutation Start($name: String!, $size: Float!, $ds: String!, $first: Int!, $count: Int!) {{
  startUpload(filename: $name, sizeBytes: $size, datasource: $ds) {{
    __typename
    ... on UploadSession {{ {SESSION} }}
    ... on UploadRejected {{ code message }}
  }}
}}"""
SESSION_QUERY = f"""
query Session($id: ID!, $first: Int!, $count: Int!) {{ uploadSession(id: $id) {{ {SESSION} }} }}"""
COMPLETE = """
mutation Complete($id: ID!) {
  completeUpload(id: $id) {
    __typename
    ... on IngestionTask { id status filename sizeBytes }
    ... on UploadRejected { code message }
  }
}"""
CANCEL = """
mutation Cancel($id: ID!) {
  cancelUpload(id: $id) {
    __typename
    ... on UploadSession { cancelled }
    ... on UploadRejected { code message }
  }
}"""


def _csv(rows: int) -> bytes:
    lines = ["ts,city,amount"] + [
        f"2024-01-{1 + i % 28:02d}T00:00:00Z,c{i % 7},{i * 0.5}" for i in range(rows)
    ]
    return ("\n".join(lines) + "\n").encode()


async def _gql(client: httpx.AsyncClient, query: str, **variables: Any) -> dict[str, Any]:
    response = await client.post("/graphql", json={"query": query, "variables": variables})
    body = response.json()
    assert "errors" not in body, body
    data: dict[str, Any] = body["data"]
    return data


async def _start(
    client: httpx.AsyncClient, content: bytes, name: str = "big.csv", datasource: str = "sales"
) -> dict[str, Any]:
    data = await _gql(
        client, START, name=name, size=len(content), ds=datasource, first=1, count=1000
    )
    return data["startUpload"]  # type: ignore[no-any-return]


async def _put(session: dict[str, Any], content: bytes, numbers: list[int]) -> None:
    size = session["partSizeBytes"]
    urls = {p["number"]: p["url"] for p in session["parts"]}
    async with httpx.AsyncClient(timeout=60) as s3:
        for n in numbers:
            response = await s3.put(urls[n], content=content[(n - 1) * size : n * size])
            assert response.status_code == 200, response.text


@pytest.fixture
async def small_parts(settings: Settings, db: Any, clean: None) -> AsyncIterator[httpx.AsyncClient]:
    """A client of an API that cuts 5 MiB parts (S3's minimum), so that a test file of a few
    MB has several."""
    small = settings.model_copy(update={"upload_min_part_bytes": 5 * 1024**2})
    async with api_client(small, await grant(db)) as c:
        yield c


async def test_parts_sent_straight_to_s3_become_a_queued_task(
    small_parts: httpx.AsyncClient, worker: Any, store: S3ObjectStore, db: Any
) -> None:
    client = small_parts
    content = _csv(400_000)  # about 12 MB: three parts
    session = await _start(client, content)
    assert session["__typename"] == "UploadSession"
    assert session["partCount"] == 3 and len(session["parts"]) == 3
    await _put(session, content, [3, 1, 2])  # any order

    done = (await _gql(client, COMPLETE, id=session["id"]))["completeUpload"]
    assert done["__typename"] == "IngestionTask", done
    assert done["status"] == "QUEUED" and done["sizeBytes"] == len(content)
    raw_key = await db.fetchval("SELECT raw_key FROM uploads WHERE id = $1", session["id"])
    assert await store.read_bytes(raw_key) == content
    # Completing again (a retried request) answers with the same task.
    again = (await _gql(client, COMPLETE, id=session["id"]))["completeUpload"]
    assert again["id"] == done["id"]
    assert await db.fetchval("SELECT count(*) FROM tasks") == 1
    # A completed upload cannot be cancelled: its task can.
    refused = (await _gql(client, CANCEL, id=session["id"]))["cancelUpload"]
    assert refused["__typename"] == "UploadRejected" and refused["code"] == "UPLOAD_COMPLETED"

    await worker()
    task = await get_task(client, done["id"])
    assert task["profile"]["rowsTotal"] == 400_000  # validated like any upload
    assert task["error"]["code"] == "DRUID_UNAVAILABLE"  # (no Druid in these tests)


async def test_an_interrupted_upload_resumes_with_the_missing_parts(
    small_parts: httpx.AsyncClient,
) -> None:
    client = small_parts
    content = _csv(400_000)
    session = await _start(client, content)
    await _put(session, content, [1])
    # Part 2 broken off halfway: S3 holds a part of the wrong size, which must be resent.
    async with httpx.AsyncClient(timeout=60) as s3:
        await s3.put(session["parts"][1]["url"], content=content[5 * 1024**2 : 6 * 1024**2])

    early = (await _gql(client, COMPLETE, id=session["id"]))["completeUpload"]
    assert early["__typename"] == "UploadRejected" and early["code"] == "INCOMPLETE_UPLOAD"
    assert "part(s) 2, 3 of 3" in early["message"]

    resumed = await _gql(client, SESSION_QUERY, id=session["id"], first=2, count=10)
    state = resumed["uploadSession"]
    assert state["uploadedParts"] == [1]
    assert [p["number"] for p in state["parts"]] == [2, 3]
    await _put({**state, "parts": state["parts"]}, content, [2, 3])
    done = (await _gql(client, COMPLETE, id=session["id"]))["completeUpload"]
    assert done["__typename"] == "IngestionTask", done


@pytest.mark.parametrize(
    ("name", "size", "datasource", "code"),
    [
        ("a.csv", 100, "a/b", "INVALID_DATASOURCE"),
        ("a.csv", 0, "sales", "EMPTY_FILE"),
        ("a.csv", 10 * 1024**5, "sales", "FILE_TOO_LARGE"),
    ],
)
async def test_start_rejects_what_it_can_tell_at_once(
    client: httpx.AsyncClient, name: str, size: int, datasource: str, code: str
) -> None:
    data = await _gql(client, START, name=name, size=size, ds=datasource, first=1, count=1)
    assert data["startUpload"]["__typename"] == "UploadRejected"
    assert data["startUpload"]["code"] == code


async def test_a_disguised_file_is_rejected_on_completion_and_removed(
    client: httpx.AsyncClient, store: S3ObjectStore, db: Any
) -> None:
    content = b"\x89PNG\r\n\x1a\n" + b"\x00" * 1000
    session = await _start(client, content, name="photo.csv")
    await _put(session, content, [1])
    done = (await _gql(client, COMPLETE, id=session["id"]))["completeUpload"]
    assert done["__typename"] == "UploadRejected" and done["code"] == "UNSUPPORTED_FORMAT"
    assert await store.list_keys(f"uploads/{session['id']}/") == []
    assert await db.fetchval("SELECT count(*) FROM tasks") == 0


async def test_a_cancelled_upload_frees_its_parts_and_cannot_complete(
    client: httpx.AsyncClient, db: Any
) -> None:
    content = _csv(1000)
    session = await _start(client, content)
    await _put(session, content, [1])
    cancelled = (await _gql(client, CANCEL, id=session["id"]))["cancelUpload"]
    assert cancelled == {"__typename": "UploadSession", "cancelled": True}
    again = (await _gql(client, CANCEL, id=session["id"]))["cancelUpload"]
    assert again == cancelled  # cancelling twice is fine
    done = (await _gql(client, COMPLETE, id=session["id"]))["completeUpload"]
    assert done["code"] == "UPLOAD_ABORTED"
    state = await _gql(client, SESSION_QUERY, id=session["id"], first=1, count=1)
    assert state["uploadSession"]["cancelled"] is True
    assert await db.fetchval("SELECT count(*) FROM tasks") == 0


async def test_unknown_session(client: httpx.AsyncClient) -> None:
    done = (await _gql(client, COMPLETE, id="nope"))["completeUpload"]
    assert done["code"] == "UPLOAD_NOT_FOUND"
    cancelled = (await _gql(client, CANCEL, id="nope"))["cancelUpload"]
    assert cancelled["__typename"] == "UploadRejected"
    assert cancelled["code"] == "UPLOAD_NOT_FOUND"
    assert (await _gql(client, SESSION_QUERY, id="nope", first=1, count=1))["uploadSession"] is None


async def test_abandoned_sessions_are_cancelled_and_their_parts_freed(
    client: httpx.AsyncClient, db: Any, store: S3ObjectStore, settings: Any
) -> None:
    content = _csv(1000)
    old, fresh = await _start(client, content), await _start(client, content, name="b.csv")
    await _put(old, content, [1])
    await db.execute(
        "UPDATE upload_sessions SET created_at = now() - interval '3 days' WHERE id = $1", old["id"]
    )

    async with open_services(settings) as svc:
        assert await resumable.expire(svc) == 1
    state = (await _gql(client, SESSION_QUERY, id=old["id"], first=1, count=1))["uploadSession"]
    assert state["cancelled"] is True
    session = await resumable.get(db, old["id"], workspace_id=LEGACY_WORKSPACE.id)
    assert session is not None
    with pytest.raises(Exception, match="NoSuchUpload"):  # S3 dropped the parts
        await store.uploaded_parts(session.raw_key, session.s3_upload_id)
    still = (await _gql(client, SESSION_QUERY, id=fresh["id"], first=1, count=1))["uploadSession"]
    assert still["cancelled"] is False
    async with open_services(settings) as svc:
        assert await resumable.expire(svc) == 0


async def test_multipart_uploads_no_session_owns_are_aborted(
    client: httpx.AsyncClient, settings: Settings, store: S3ObjectStore
) -> None:
    content = _csv(1000)
    session = await _start(client, content)  # an open session: its multipart is owned
    # What an API process killed while streaming a file leaves behind.
    orphan_id = await store.start_multipart("uploads/killed/big.csv")
    assert {u.upload_id for u in await store.unfinished_multiparts("uploads/")} >= {orphan_id}

    async with open_services(settings.model_copy(update={"orphan_multipart_age_s": 0})) as svc:
        assert await abort_orphan_uploads({"services": svc}) == 1
    async with open_services(settings) as svc:  # the default age spares fresh ones
        assert await abort_orphan_uploads({"services": svc}) == 0

    left = await store.unfinished_multiparts("uploads/")
    assert [u.key for u in left] == [f"uploads/{session['id']}/big.csv"]
