"""core/logs.py: formats, ids from context, redaction."""

from __future__ import annotations

import asyncio
import io
import json
import logging
from collections.abc import Iterator

import pytest
from pydantic import SecretStr

from core import logs
from core.settings import Settings

SECRET = "s3-secret-for-a-unit-test"


@pytest.fixture
def output() -> Iterator[tuple[io.StringIO, Settings]]:
    stream = io.StringIO()
    settings = Settings(s3_secret_key=SECRET, metrics_token=SecretStr("metrics-token-xyz"))
    yield stream, settings
    root = logging.getLogger()
    for handler in [h for h in root.handlers if getattr(h, "_sluice_handler", False)]:
        root.removeHandler(handler)


def _configure(output: tuple[io.StringIO, Settings], log_format: str) -> io.StringIO:
    stream, settings = output
    logs.configure(settings.model_copy(update={"log_format": log_format}), stream=stream)
    return stream


async def test_json_lines_carry_the_ids_of_their_own_task(
    output: tuple[io.StringIO, Settings],
) -> None:
    stream = _configure(output, "json")
    log = logging.getLogger("sluice.test")

    async def job(task_id: str) -> None:
        logs.bind(task=task_id, druid_task=f"sluice_{task_id}_1")
        await asyncio.sleep(0)  # let the other job bind its ids in between
        log.info("working on %s", task_id)

    await asyncio.gather(job("a"), job("b"))
    log.info("outside any job")

    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    by_message = {line["message"]: line for line in lines}
    assert by_message["working on a"]["task_id"] == "a"
    assert by_message["working on b"]["druid_task_id"] == "sluice_b_1"
    assert "task_id" not in by_message["outside any job"]
    assert by_message["outside any job"]["level"] == "INFO"


def test_text_lines_show_the_ids(output: tuple[io.StringIO, Settings]) -> None:
    stream = _configure(output, "text")

    async def request() -> None:
        logs.bind(request="r-123456789")
        logging.getLogger("api").warning("slow")

    asyncio.run(request())
    assert "WARNING api [request_id=r-123456789] slow" in stream.getvalue()


@pytest.mark.parametrize("log_format", ["text", "json"])
def test_secrets_and_tokens_never_reach_a_line(
    output: tuple[io.StringIO, Settings], log_format: str
) -> None:
    stream = _configure(output, log_format)
    log = logging.getLogger("careless")
    log.error("key %s, header Authorization: Bearer abc.def-ghi, %s", SECRET, "metrics-token-xyz")
    try:
        raise RuntimeError(f"boom with {SECRET}")
    except RuntimeError:
        log.exception("failed")
    text = stream.getvalue()
    assert SECRET not in text and "abc.def-ghi" not in text and "metrics-token-xyz" not in text
    assert "Bearer ***" in text and text.count("***") >= 4
