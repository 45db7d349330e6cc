"""schema.graphql is what the frontend generates its types from: it must match the code."""

from __future__ import annotations

from pathlib import Path

from schema import export_sdl

SCHEMA_FILE = Path(__file__).resolve().parents[2] / "schema.graphql"


def test_checked_in_schema_is_current() -> None:
    assert SCHEMA_FILE.read_text() == export_sdl(), (
        "schema.graphql is stale: run `make schema` and commit the result"
    )


def test_contract_names_clients_rely_on() -> None:
    sdl = export_sdl()
    for fragment in (
        "uploadFile(file: Upload!, datasource: String!, options: IngestOptions = null): "
        "UploadResult!",
        "union UploadResult = IngestionTask | UploadRejected",
        "taskUpdates(id: ID!): IngestionTask!",
        "taskFeed: IngestionTask!",
        "retryTask(id: ID!, options: RetryOptions = null)",
        "cancelTask(id: ID!)",
    ):
        assert fragment in sdl
