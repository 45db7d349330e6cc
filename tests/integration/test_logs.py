"""Log lines of a real upload, through the API and a burst worker, as JSON: each carries the ids
of what it is about, and none carries a secret, a token or the file's contents."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from typing import Any

import pytest
from pydantic import SecretStr

from core.settings import Settings
from tests.conftest import api_client, grant, run_worker
from tests.graphql_ops import upload_file

TOKEN = "log-test-token-9b7e41"
FILE_VALUE = "Zanzibar7f3cq"  # a value that only the uploaded file holds
CSV = (
    f"ts,city,amount\n2024-01-01T00:00:00Z,{FILE_VALUE},10.5\n2024-01-02T00:00:00Z,Lyon,oops\n"
).encode()
REQUEST_ID = "req-logs-test-0001"


@pytest.fixture
def json_settings(settings: Settings, clean: None) -> Iterator[Settings]:
    yield settings.model_copy(
        update={"log_format": "json", "log_level": "DEBUG", "metrics_token": SecretStr(TOKEN)}
    )
    for handler in list(logging.getLogger().handlers):  # ours wrote to the captured stderr
        if getattr(handler, "_sluice_handler", False):
            logging.getLogger().removeHandler(handler)


async def test_lines_carry_ids_and_no_secrets(
    json_settings: Settings, redis: Any, db: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    auth = await grant(db)  # a real API token: it must not reach the log either
    api_token = auth["authorization"].removeprefix("Bearer ")
    # The app installs the JSON handler on stderr, which pytest captures here.
    async with api_client(json_settings, auth) as client:
        client.headers.update({"X-Request-ID": REQUEST_ID})
        task = await upload_file(client, filename="a.csv", content=CSV, datasource="sales")
        logging.getLogger("tests").warning(
            "a careless line: secret=%s header=Bearer %s", json_settings.s3_secret_key, TOKEN
        )
    await run_worker(json_settings, redis)

    output = capsys.readouterr().err
    lines = [json.loads(line) for line in output.splitlines() if line.startswith("{")]
    assert lines, output

    accepted = [line for line in lines if line["logger"] == "core.uploads"]
    assert accepted and all(line["request_id"] == REQUEST_ID for line in accepted)
    assert all(line.get("workspace") for line in accepted)  # the caller's workspace slug
    moves = [line for line in lines if line["logger"] == "core.tasks"]
    assert [m["message"].split(" -> ")[1].split()[0] for m in moves] == [
        "VALIDATING",
        "STAGING",
        "SUBMITTING",
        "FAILED",
    ]
    assert all(m["task_id"] == task["id"] for m in moves)
    assert moves[-1]["druid_task_id"] == f"sluice_{task['id']}_1"
    assert all(set(line) >= {"time", "level", "logger", "message"} for line in lines)

    assert json_settings.s3_secret_key not in output
    assert TOKEN not in output and api_token not in output
    assert FILE_VALUE not in output
    assert "secret=*** header=Bearer ***" in output  # the careless line, redacted
