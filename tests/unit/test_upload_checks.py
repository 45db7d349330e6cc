"""Upload options refused before any work is queued."""

from __future__ import annotations

import pytest

from core.model import IngestOptions
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
