"""Every time format Druid reads from the upload itself, through the whole pipeline on the
real Druid: Druid must land each row at the very instant the profile read."""

from __future__ import annotations

from typing import Any

import polars as pl
import pytest

from core.profiling.direct import DRUID_TIME_FORMATS
from core.profiling.timestamps import TimeFormat
from core.settings import Settings
from tests.conftest import api_client, grant
from tests.druid.conftest import Submission, ingest_together, new_datasource
from tests.druid.test_pipeline import _assert_succeeded, _csv, _read_as_uploaded

pytestmark = pytest.mark.druid

# Every format Druid reads from the upload itself (core/profiling/direct.py), with the
# variants Sluice's own parser accepts: Druid must land each row at the very instant the
# profile read (a difference would only show as wrong times, never as an error).
DIRECT_FORMATS = {
    "%Y-%m-%dT%H:%M:%S%.f%#z": [
        "2024-03-01T10:00:00.123456Z",
        "2024-03-01T12:00:00+0200",
        "2024-03-01T09:00:00.9-01:00",
        "2024-03-02T00:00:00Z",
    ],
    "%Y-%m-%dT%H:%M:%S%.f": [
        "2024-03-01T10:00:00",
        "2024-03-01T10:00:00.250",
        "2024-03-01T10:00:00.123789",
    ],
    "%Y-%m-%dT%H:%M": ["2024-03-01T10:00", "2024-03-02T23:59"],
    "%Y-%m-%d": ["2024-03-01", "2024-12-31"],
    "%Y-%m-%d %H:%M:%S%.f": [
        "2013-01-01 05:00:00",
        "2024-03-01 10:00:00.250",
        "2024-03-01 10:00:00.123789",
        "2024-02-29 23:59:59.999999999",
    ],
    "%Y-%m-%d %H:%M": ["2024-03-01 10:00", "2024-12-31 23:59"],
    "%d/%m/%Y %H:%M:%S%.f": ["14/11/2023 22:13:20", "29/02/2024 00:00:00", "31/12/2024 23:59:59"],
    "%m/%d/%Y %H:%M:%S%.f": ["11/14/2023 22:13:20", "02/29/2024 00:00:00", "12/31/2024 23:59:59"],
    "%d/%m/%Y": ["14/11/2023", "29/02/2024", "01/03/2024"],
    "%m/%d/%Y": ["11/14/2023", "02/29/2024", "03/01/2024"],
    "epoch_s": ["1709287200", "1709287201"],
    "epoch_ms": ["1709287200123", "1709287200999"],
    "epoch_us": ["1709287200123456", "1709287200999999"],
    "epoch_ns": ["1709287200123456789", "1709287200999999999"],
}


PER_SECOND = {"epoch_s": 1, "epoch_ms": 1000, "epoch_us": 10**6, "epoch_ns": 10**9}


def _expected(label: str) -> pl.DataFrame:
    """Ten copies of the format's values, numbered `n`, with the instant the profile reads."""
    values = DIRECT_FORMATS[label] * 10
    fmt = (
        TimeFormat(label, "epoch", PER_SECOND[label])
        if label in PER_SECOND
        else TimeFormat(label, "pattern")
    )
    frame = pl.DataFrame({"ts": values, "n": range(len(values))})
    return frame.with_columns(millis=fmt.to_millis(pl.col("ts")))


@pytest.mark.timeout(900)  # 14 ingestions on the shared cluster's slots
async def test_druid_reads_each_time_format_as_the_profile_did(
    druid_settings: Settings, druid: Any, redis: Any, db: Any, clean: None, druid_sql: Any
) -> None:
    """One file per format, all submitted together so their Druid tasks share the slots
    (one after another they took ~2.5 minutes)."""
    assert set(DIRECT_FORMATS) == set(DRUID_TIME_FORMATS)  # every listed format is tested
    expected = {label: _expected(label) for label in sorted(DIRECT_FORMATS)}
    for label, frame in expected.items():
        assert frame["millis"].null_count() == 0, label
    files = {
        label: Submission(
            "times.csv", _csv(frame.select("ts", "n")), new_datasource(), {"timestampColumn": "ts"}
        )
        for label, frame in expected.items()
    }
    async with api_client(druid_settings, await grant(db)) as client:
        tasks = await ingest_together(client, druid_settings, redis, files)

    for label, frame in expected.items():
        task, datasource = tasks[label], files[label].datasource
        assert task["status"] == "SUCCEEDED", (label, task["error"])
        _assert_succeeded(task, frame.height)
        assert _read_as_uploaded(task), (label, task["events"])
        await druid_sql.wait_for_table(datasource)
        rows = await druid_sql.rows(
            f'SELECT TIMESTAMP_TO_MILLIS(__time) AS millis, n FROM "{datasource}"'
        )
        got = {row["n"]: row["millis"] for row in rows}
        want = dict(zip(frame["n"].to_list(), frame["millis"].to_list(), strict=True))
        assert got == want, label
