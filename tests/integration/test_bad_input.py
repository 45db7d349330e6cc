"""Every kind of bad input gets a specific code and an actionable message, never a 500, and
a rejected upload leaves nothing behind."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from typing import Any

import httpx
import polars as pl
import pytest

from core.settings import Settings
from core.storage import S3ObjectStore
from tests.conftest import api_client, grant
from tests.faults.stack import OwnSeaweed
from tests.graphql_ops import QUARANTINE, get_task, graphql, list_tasks, post_upload, upload_file

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(64)


@pytest.mark.parametrize(
    "filename,content,datasource,code",
    [
        ("empty.csv", b"", "ok_name", "EMPTY_FILE"),
        ("image.csv", PNG, "ok_name", "UNSUPPORTED_FORMAT"),
        ("good.csv", b"a,b\n1,2\n", "bad/name", "INVALID_DATASOURCE"),
        ("good.csv", b"a,b\n1,2\n", ".hidden", "INVALID_DATASOURCE"),
        ("good.csv", b"a,b\n1,2\n", "", "INVALID_DATASOURCE"),
        ("good.csv", b"a,b\n1,2\n", "sales\U0001f600", "INVALID_DATASOURCE"),  # Druid refuses
    ],
)
async def test_rejected_at_upload_and_nothing_is_kept(
    client: Any,
    store: S3ObjectStore,
    db: Any,
    filename: str,
    content: bytes,
    datasource: str,
    code: str,
) -> None:
    result = await upload_file(client, filename=filename, content=content, datasource=datasource)

    assert result["__typename"] == "UploadRejected"
    assert result["code"] == code
    assert len(result["message"]) > 30  # a sentence a person can act on
    assert result["filename"] == filename
    assert await store.list_keys("uploads/") == []
    assert await db.fetchval("SELECT count(*) FROM uploads") == 0


@pytest.mark.parametrize("delimiter", ['"', "\n"])
async def test_a_delimiter_no_csv_reader_can_use_is_rejected_at_upload(
    client: Any, store: S3ObjectStore, delimiter: str
) -> None:
    result = await upload_file(
        client,
        filename="a.csv",
        content=b"a,b\n1,2\n",
        datasource="ds",
        options={"delimiter": delimiter},
    )
    assert (result["__typename"], result["code"]) == ("UploadRejected", "INVALID_OPTIONS")
    assert await store.list_keys("uploads/") == []


async def test_file_over_the_size_limit_is_rejected_and_cleaned_up(
    settings: Settings, store: S3ObjectStore, db: Any, clean: None
) -> None:
    small = settings.model_copy(update={"max_upload_bytes": 1000})
    async with api_client(small, await grant(db)) as client:
        big = b"a,b\n" + b"1,2\n" * 1000
        result = await upload_file(client, filename="big.csv", content=big, datasource="ds")
    assert result["__typename"] == "UploadRejected"
    assert result["code"] == "FILE_TOO_LARGE"
    assert "SLUICE_MAX_UPLOAD_BYTES" in result["message"]
    assert await store.list_keys("uploads/") == []


async def test_an_object_store_failure_while_a_file_streams_in_is_a_clear_503(
    settings: Settings, db: Any, clean: None, tmp_path: Path
) -> None:
    """S3 gone while a file streams in (its own SeaweedFS, killed after the API started) is
    not a bare 500: the client hears what happened and that sending again is safe, and no
    upload or task exists."""
    s3 = OwnSeaweed(tmp_path, settings)
    await s3.start()
    try:
        own = settings.model_copy(update={"s3_endpoint_url": s3.url})
        async with api_client(own, await grant(db)) as client:  # the app creates its bucket
            s3.kill()
            response = await post_upload(
                client, filename="a.csv", content=b"a,b\n1,2\n", datasource="ds"
            )
    finally:
        s3.kill()
    assert response.status_code == 503, response.text
    assert response.headers["retry-after"] == "60"
    (error,) = response.json()["errors"]
    assert error["extensions"]["code"] == "S3_UNAVAILABLE"
    assert "send the file again" in error["message"]
    assert "127.0.0.1" not in error["message"]  # no internals
    assert await db.fetchval("SELECT count(*) FROM uploads") == 0


def _xlsx_bytes(frame: pl.DataFrame) -> bytes:
    buffer = io.BytesIO()
    frame.write_excel(buffer)
    return buffer.getvalue()


def _zip_bomb_xlsx() -> bytes:
    """A structurally valid workbook whose sheet declares a huge uncompressed size."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", b" " * (8 * 1024 * 1024))
    return buffer.getvalue()


@pytest.mark.parametrize(
    "filename,content,code",
    [
        ("header.csv", b"a,b,c\n", "HEADER_ONLY"),
        (
            "error.csv",
            b"<!DOCTYPE html>\n<html><body>502 Bad Gateway</body></html>\n",
            "UNSUPPORTED_FORMAT",
        ),
        ("dupe.csv", b"price,qty,price\n1,2,3\n", "DUPLICATE_COLUMN_NAME"),
        ("binary.csv", bytes(range(256)) * 40, "UNSUPPORTED_FORMAT"),
        ("utf16.csv", "city,amount\nParis,1\n".encode("utf-16-le") * 50, "UNDECODABLE_TEXT"),
        ("broken.xlsx", b"PK\x03\x04" + b"garbage" * 100, "XLSX_INVALID"),
        ("bomb.xlsx", _zip_bomb_xlsx(), "XLSX_TOO_LARGE"),
        # Druid would refuse these names at submission; validation names them first.
        ("time.csv", b"ts,__time\n2024-01-01T00:00:00Z,x\n", "UNSUPPORTED_COLUMN_NAME"),
        ("comma.csv", b'ts,"a,b"\n2024-01-01T00:00:00Z,1\n', "UNSUPPORTED_COLUMN_NAME"),
    ],
)
async def test_rejected_by_validation_with_a_failed_task(
    settings: Settings,
    db: Any,
    redis: Any,
    store: S3ObjectStore,
    clean: None,
    filename: str,
    content: bytes,
    code: str,
) -> None:
    from tests.conftest import run_worker

    tight = settings.model_copy(update={"max_xlsx_uncompressed_bytes": 1024 * 1024})
    async with api_client(tight, await grant(db)) as client:
        task = await upload_file(client, filename=filename, content=content, datasource="ds")
        assert task["__typename"] == "IngestionTask", task
        await run_worker(tight, redis)
        done = await get_task(client, task["id"])
    assert done["status"] == "FAILED"
    assert done["error"]["code"] == code, done["error"]
    assert done["error"]["stage"] == "VALIDATING"
    assert done["error"]["retryable"] is False
    assert len(done["error"]["message"]) > 30
    assert await store.list_keys("staged/") == []


async def test_bad_rows_are_quarantined_with_reasons(
    client: Any, worker: Any, store: S3ObjectStore
) -> None:
    good = [f"2024-01-{day:02d},Paris,{day}" for day in range(1, 21)]
    rows = [*good[:5], "2024-13-45,Lyon,2", *good[5:10], "2024-01-03,Nice,3,extra", *good[10:]]
    # An impossible date (the column is still a time column: 20 of 21 values are dates) and a
    # ragged row with one field too many.
    content = ("ts,city,amount\n" + "\n".join(rows) + "\n").encode()
    task = await upload_file(client, filename="mixed.csv", content=content, datasource="mixed")
    await worker()
    done = await get_task(client, task["id"])

    assert done["profile"]["rowsTotal"] == 22
    assert done["profile"]["timestampColumn"] == "ts"
    assert done["profile"]["rowsValid"] == 20
    assert done["rowsQuarantined"] == 2 and done["hasQuarantine"] is True
    [key] = await store.list_keys(f"quarantine/{task['id']}/")
    quarantine = pl.read_csv(io.BytesIO(await store.read_bytes(key)), infer_schema_length=0)
    assert quarantine.height == 2
    reasons = " | ".join(quarantine["_sluice_reason"].to_list())
    assert "2024-13-45" in reasons
    assert "field" in reasons
    [staged] = await store.list_keys("staged/mixed/")
    assert pl.read_csv(io.BytesIO(await store.read_bytes(staged))).height == 20

    # People see the bad rows: a preview through GraphQL and a download link.
    response = await client.post(
        "/graphql",
        json={
            "query": "query($id: ID!) { task(id: $id) { "
            "quarantineUrl { ... on QuarantineLink { url } } "
            "quarantinePreview { sourceRow reason values { column value } } } }",
            "variables": {"id": task["id"]},
        },
    )
    shown = response.json()["data"]["task"]
    preview = shown["quarantinePreview"]
    assert [row["sourceRow"] for row in preview] == [6, 12]
    assert "2024-13-45" in preview[0]["reason"]
    assert {"column": "city", "value": "Lyon"} in preview[0]["values"]
    async with httpx.AsyncClient() as browser:
        download = await browser.get(shown["quarantineUrl"]["url"])
    assert download.status_code == 200
    assert pl.read_csv(io.BytesIO(download.content), infer_schema_length=0).height == 2

    # The file gone from storage is a typed answer, not a failed task query.
    await store.delete(key)
    gone = (await graphql(client, QUARANTINE, id=task["id"]))["task"]
    assert gone["hasQuarantine"] is True and gone["quarantinePreview"] == []
    assert gone["quarantineUrl"]["__typename"] == "QuarantineUnavailable"
    assert gone["quarantineUrl"]["code"] == "QUARANTINE_MISSING"


async def test_a_pagination_cursor_not_given_by_the_api_is_a_typed_answer(client: Any) -> None:
    for cursor in ("not-base64!", "bm90IGEgY3Vyc29y", "//79"):  # junk, "not a cursor", bad UTF-8
        page = await list_tasks(client, after=cursor)
        assert page["__typename"] == "InvalidArgument"
        assert page["code"] == "INVALID_CURSOR" and page["argument"] == "after"
        assert "without `after`" in page["message"]


def _multipart(operations: bytes, mapping: bytes) -> dict[str, Any]:
    return {
        "data": {"operations": operations, "map": mapping},
        "files": {"0": ("a.csv", b"a,b\n1,2\n", "text/csv")},
    }


@pytest.mark.parametrize(
    "operations,mapping,words",
    [
        (
            b'{"query": "mutation',
            b'{"0": ["variables.file"]}',
            "'operations' field is not valid JSON",
        ),
        (b"\xff\xfe{}", b'{"0": ["variables.file"]}', "'operations' field is not UTF-8"),
        (b'{"query": "q", "variables": {"file": null}}', b"\xff", "'map' field is not UTF-8"),
        (b'{"query": "q", "variables": {"file": null}}', b"[1, 2]", "'map' must be a JSON object"),
        (b'[{"query": "q"}]', b"{}", "batches are not supported"),
        (b'{"query": 42}', b"{}", "'query'"),
        (b'{"query": "q", "variables": {}}', b'{"0": "variables.file"}', "list of variable paths"),
    ],
)
async def test_a_broken_multipart_request_gets_a_clear_400(
    client: Any, store: S3ObjectStore, operations: bytes, mapping: bytes, words: str
) -> None:
    response = await client.post("/graphql", **_multipart(operations, mapping))

    assert response.status_code == 400
    body = response.json()
    assert body["data"] is None
    [error] = body["errors"]
    assert words in error["message"]
    assert error["extensions"] == {"code": "INVALID_REQUEST"}
    assert "Traceback" not in error["message"] and "Expecting" not in error["message"]
    assert await store.list_keys("uploads/") == []  # the streamed file is removed


@pytest.mark.parametrize(
    "query,variables",
    [
        ("query($id: ID!) { task(id: $id) { id } }", {"id": "a\u0000b"}),
        ("query($n: String!) { checkDatasourceName(name: $n) { exists } }", {"n": "x\u0000"}),
        ('mutation { retryTask(id: "a\\u0000b") { __typename } }', {}),
    ],
)
async def test_a_nul_character_in_an_argument_is_refused_in_plain_words(
    client: Any, query: str, variables: dict[str, Any]
) -> None:
    response = await client.post("/graphql", json={"query": query, "variables": variables})

    [error] = response.json()["errors"]
    assert error["extensions"] == {"code": "INVALID_REQUEST"}
    assert "NUL character" in error["message"]


async def test_an_upload_whose_file_left_storage_fails_with_a_clear_reason(
    client: Any, worker: Any, store: S3ObjectStore
) -> None:
    task = await upload_file(
        client, filename="gone.csv", content=b"ts,v\n2024-01-01,1\n", datasource="gone"
    )
    [raw] = await store.list_keys("uploads/")
    await store.delete(raw)  # an operator, or a store that lost it, before the worker ran
    await worker()
    done = await get_task(client, task["id"])

    assert done["status"] == "FAILED"
    assert done["error"]["code"] == "FILE_REMOVED"
    assert done["error"]["retryable"] is False
    assert "'gone.csv' is no longer in storage" in done["error"]["message"]
    assert "Upload the file again" in done["error"]["message"]


async def test_a_file_named_like_the_workers_own_folders_is_read(client: Any, worker: Any) -> None:
    # The worker keeps the upload beside its outputs folder ("out"): a file of that name
    # once took the folder's place and failed with an internal error.
    task = await upload_file(
        client, filename="out", content=b"ts,v\n2024-01-01,1\n", datasource="named_out"
    )
    await worker()
    done = await get_task(client, task["id"])

    assert done["profile"]["rowsValid"] == 1
    assert done["error"]["code"] == "DRUID_UNAVAILABLE"  # validated and staged; no Druid here
