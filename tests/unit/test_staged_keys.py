from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import urlsplit

import pytest

from core.model import IngestOptions, Task, TaskStatus
from workers.pipeline import druid_task_id, staged_prefix


def _task(datasource: str, attempt: int = 1) -> Task:
    now = datetime.now(UTC)
    return Task(
        id="abc123",
        upload_id="u",
        datasource=datasource,
        filename="f.csv",
        size_bytes=1,
        status=TaskStatus.STAGING,
        options=IngestOptions(),
        created_at=now,
        updated_at=now,
        attempt=attempt,
    )


@pytest.mark.parametrize("datasource", ["sales", "sales 2024", "ventes été", "50%_off", "a?b#c"])
def test_staged_keys_make_valid_s3_uris_for_any_datasource_name(datasource: str) -> None:
    prefix = staged_prefix(_task(datasource))
    uri = f"s3://bucket/{prefix}part-0000.csv"
    parts = urlsplit(uri)
    assert parts.path == f"/{prefix}part-0000.csv"  # nothing read as query or fragment
    assert " " not in uri and "%" not in uri and uri.isascii()
    assert prefix.endswith("/abc123/attempt-1/")


def test_each_attempt_has_its_own_druid_task_id_and_prefix() -> None:
    first, second = _task("sales", 1), _task("sales", 2)
    assert druid_task_id(first) == "sluice_abc123_1" != druid_task_id(second)
    assert staged_prefix(first) != staged_prefix(second)
    # Staging an attempt clears this prefix: it holds every attempt's parts.
    every = staged_prefix(second, every_attempt=True)
    assert staged_prefix(first).startswith(every) and staged_prefix(second).startswith(every)
