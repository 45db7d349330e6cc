"""Log lines of a real upload, through the API and a burst worker, as JSON: each carries the ids
of what it is about, and none carries a secret, a token or the file's contents."""

from __future__ import annotations

import contextlib
import json
import logging
from collections.abc import Iterator
from typing import Any

import pytest
from pydantic import SecretStr

from core import logs
from core.model import TaskStatus
from core.services import open_services
from core.settings import Settings
from tests.conftest import api_client, grant, run_worker
from tests.graphql_ops import upload_file
from tests.integration.test_jobs import _stalled_in
from workers.watchdog import watch_tasks

TOKEN = "log-test-token-9b7e41"
FILE_VALUE = "Zanzibar7f3cq"  # a value that only the uploaded file holds
CSV = (
    f"ts,city,amount\n2024-01-01T00:00:00Z,{FILE_VALUE},10.5\n2024-01-02T00:00:00Z,Lyon,oops\n"
).encode()
REQUEST_ID = "req-logs-test-0001"


def parsed(output: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in output.splitlines() if line.startswith("{")]


def task_lines(lines: list[dict[str, Any]], task_id: str) -> list[dict[str, Any]]:
    """The worker's lines about one task: bound to it, or naming it outside a request. Each
    must carry the task's id. (arq's DEBUG lines from its polling loop, which runs no job,
    are left out.)"""
    about = [
        line
        for line in lines
        if line.get("task_id") == task_id
        or (task_id in line["message"] and "request_id" not in line and line["level"] != "DEBUG")
    ]
    assert all(line.get("task_id") == task_id for line in about), about
    return about


@contextlib.contextmanager
def json_logging(settings: Settings) -> Iterator[Settings]:
    """`settings` with JSON lines at DEBUG (and a metrics token that must not be logged)."""
    yield settings.model_copy(
        update={"log_format": "json", "log_level": "DEBUG", "metrics_token": SecretStr(TOKEN)}
    )
    for handler in list(logging.getLogger().handlers):  # ours wrote to the captured stderr
        if getattr(handler, "_sluice_handler", False):
            logging.getLogger().removeHandler(handler)


@pytest.fixture
def json_settings(settings: Settings, clean: None) -> Iterator[Settings]:
    with json_logging(settings) as configured:
        yield configured


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
    lines = parsed(output)
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

    # Every line of the task's jobs (arq's own start and result lines included) names it and
    # the workspace it belongs to: the caller's, here the default one.
    of_task = task_lines(lines, task["id"])
    assert len(of_task) > len(moves)
    assert all(line["workspace"] == "default" for line in of_task), of_task

    assert json_settings.s3_secret_key not in output
    assert TOKEN not in output and api_token not in output
    assert FILE_VALUE not in output
    assert "secret=*** header=Bearer ***" in output  # the careless line, redacted


async def test_the_watchdog_names_the_task_and_its_workspace(
    json_settings: Settings, redis: Any, db: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    async with api_client(json_settings, await grant(db, workspace="acme")) as client:
        task = await upload_file(client, filename="a.csv", content=CSV, datasource="sales")
    await _stalled_in(db, redis, task["id"], TaskStatus.VALIDATING)
    async with open_services(json_settings) as svc:
        logs.configure(json_settings)  # as the worker's start-up does
        assert await watch_tasks({"services": svc}) == 1

    resumed = task_lines(parsed(capsys.readouterr().err), task["id"])
    assert [line["logger"] for line in resumed].count("workers.watchdog") == 1
    assert all(line["workspace"] == "acme" for line in resumed), resumed
