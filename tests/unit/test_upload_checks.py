"""Upload options refused before any work is queued."""

from __future__ import annotations

from typing import Any

import pytest

from core.model import ColumnType, ColumnTypeRequest, IngestOptions
from core.uploads import options_rejection


@pytest.mark.parametrize("delimiter", [None, ",", ";", "\t", "|"])
def test_usable_delimiters_pass(delimiter: str | None) -> None:
    assert options_rejection(IngestOptions(delimiter=delimiter), "a.csv") is None


@pytest.mark.parametrize(
    "delimiter,words",
    [('"', "quotes values"), ("\n", "line break"), ("\r", "line break"), (";;", "single")],
)
def test_delimiters_no_csv_reader_can_use_are_refused(delimiter: str, words: str) -> None:
    rejection = options_rejection(IngestOptions(delimiter=delimiter), "a.csv")
    assert rejection is not None and rejection.code == "INVALID_OPTIONS"
    assert words in rejection.message and rejection.filename == "a.csv"


def _typed(*requests: tuple[str, ColumnType], **options: Any) -> IngestOptions:
    types = tuple(ColumnTypeRequest(c, t) for c, t in requests)
    return IngestOptions(column_types=types, **options)


def test_column_types_a_person_may_choose_pass() -> None:
    options = _typed(("zip", ColumnType.LONG), ("x", ColumnType.DOUBLE), ("id", ColumnType.STRING))
    assert options_rejection(options, "a.csv") is None


@pytest.mark.parametrize(
    "options,words",
    [
        (_typed(("ts", ColumnType.TIMESTAMP)), "LONG, DOUBLE or STRING"),
        (_typed(("ok", ColumnType.BOOLEAN)), "LONG, DOUBLE or STRING"),
        (_typed(("zip", ColumnType.LONG), ("zip", ColumnType.STRING)), "more than once"),
        (_typed(("ts", ColumnType.LONG), timestamp_column="ts"), "time column"),
    ],
)
def test_column_types_that_contradict_themselves_are_refused(
    options: IngestOptions, words: str
) -> None:
    rejection = options_rejection(options, "a.csv")
    assert rejection is not None and rejection.code == "INVALID_OPTIONS"
    assert words in rejection.message
