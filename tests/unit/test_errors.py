"""The error vocabulary and the sanitizer for text from Druid, Polars and S3."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from core.errors import ErrorCode, clean_foreign_text
from core.profiling.errors import RejectCode


def test_every_profiling_reject_code_is_an_error_code() -> None:
    assert {code.value for code in RejectCode} <= {code.value for code in ErrorCode}


def test_a_stored_code_reads_back_as_a_member_and_an_unknown_one_as_internal_error() -> None:
    assert ErrorCode.parse("DRUID_UNAVAILABLE") is ErrorCode.DRUID_UNAVAILABLE
    assert ErrorCode.parse("SOMETHING_NEWER") is ErrorCode.INTERNAL_ERROR


@pytest.mark.parametrize(
    "text,kept,gone",
    [
        (
            "java.lang.IllegalArgumentException: Cannot parse [x] as a number",
            "Cannot parse [x] as a number",
            "java.lang",
        ),
        (
            "org.apache.druid.java.util.common.ISE: Failed to publish segments",
            "Failed to publish segments",
            "org.apache",
        ),
        (
            "Could not read org.apache.druid.data.input.impl.CsvInputFormat input",
            "Could not read a server component input",
            "org.apache",
        ),
        (
            "found more fields than defined in 'Schema' in /var/lib/sluice/work/ab12/data.csv",
            "in a local file",
            "/var/lib",
        ),
        (
            r"cannot open C:\Users\me\AppData\Local\Temp\x.csv for reading",
            "cannot open a local file for reading",
            "Users",
        ),
    ],
)
def test_internals_are_taken_out_and_the_meaning_kept(text: str, kept: str, gone: str) -> None:
    cleaned = clean_foreign_text(text)
    assert kept in cleaned
    assert gone not in cleaned


def test_java_stack_trace_lines_are_dropped() -> None:
    trace = (
        "java.lang.RuntimeException: Max parse exceptions[0] exceeded\n"
        "\tat org.apache.druid.segment.incremental.ParseExceptionHandler.handle"
        "(ParseExceptionHandler.java:85)\n"
        "\tat java.base/java.lang.Thread.run(Thread.java:833)\n"
        "Caused by: java.io.IOException: boom\n"
        "\t... 12 more"
    )
    assert clean_foreign_text(trace) == "Max parse exceptions[0] exceeded"


def test_python_traceback_lines_are_dropped() -> None:
    trace = (
        "Traceback (most recent call last):\n"
        '  File "/app/core/profiling/pipeline.py", line 12, in validate\n'
        "polars.exceptions.ComputeError: could not parse `x` as dtype i64"
    )
    assert clean_foreign_text(trace) == "could not parse `x` as dtype i64"


def test_urls_dates_and_fractions_are_not_mistaken_for_paths() -> None:
    text = "s3://bucket/staged/ds/part-0000.csv at http://localhost:8081/druid/v2 on 2024/01/02"
    assert clean_foreign_text(text) == text


def test_long_text_is_shortened() -> None:
    cleaned = clean_foreign_text("x" * 1000, limit=50)
    assert len(cleaned) == 50
    assert cleaned.endswith("…")


def test_a_real_polars_error_loses_the_workers_path(tmp_path: Path) -> None:
    missing = tmp_path / "work" / "task-1" / "data.parquet"
    with pytest.raises(Exception) as raised:
        pl.scan_parquet(missing).collect_schema()
    assert str(tmp_path) in str(raised.value)  # Polars names the path...

    cleaned = clean_foreign_text(str(raised.value))
    assert str(tmp_path) not in cleaned and "/work/" not in cleaned  # ...the message does not
    assert "No such file or directory" in cleaned
