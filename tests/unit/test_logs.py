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
from core.auth.naming import workspace_slug
from core.queue import PROCESS, ROLLBACK, TRACK, job_id, task_of
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


async def test_a_scope_forgets_the_ids_bound_inside_it() -> None:
    async def job() -> list[dict[str, str]]:
        logs.bind(task="outer")
        seen = []
        for druid_task in ("d1", None):
            with logs.scope():
                logs.bind(task="inner", druid_task=druid_task, space="acme")
                seen.append(logs.current_ids())
        seen.append(logs.current_ids())
        return seen

    first, second, after = await asyncio.create_task(job())
    assert first == {"task_id": "inner", "druid_task_id": "d1", "workspace": "acme"}
    assert second == {"task_id": "inner", "workspace": "acme"}  # not the previous Druid id
    assert after == {"task_id": "outer"}


@pytest.mark.parametrize(
    ("druid_datasource", "slug"),
    [("acme__sales", "acme"), ("sales-team__a__b", "sales-team"), ("sales", "default")],
)
def test_the_workspace_of_a_druid_datasource(druid_datasource: str, slug: str) -> None:
    assert workspace_slug(druid_datasource) == slug


@pytest.mark.parametrize(
    ("given", "task"),
    [
        (job_id(PROCESS, "t1", 1), "t1"),
        (job_id(TRACK, "t2", 3, resume=2), "t2"),
        (job_id(ROLLBACK, "t3", 1), "t3"),
        ("cron:watch_tasks:1700000000000", None),
    ],
)
def test_the_task_of_a_job_id(given: str, task: str | None) -> None:
    assert task_of(given) == task
