"""What a Polars failure means for an upload, told by exception type, and where Polars raises
one type (`ComputeError`) for several things, by one small table of message patterns.

Every pattern has a unit test that triggers the real Polars error (tests/unit/
test_profiling_failures.py, Polars as pinned in constraints.txt): an upgrade that rewords a
message fails that test, instead of silently changing which files are repaired or rejected.
"""

from __future__ import annotations

import enum

import polars as pl


class Failure(enum.Enum):
    NOT_UTF8 = "a byte sequence is not UTF-8"
    CSV_SYNTAX = "broken CSV quoting"
    OTHER = "anything else (a bug or an infrastructure fault: raised as it is)"


# (lower-case text in a ComputeError's message, what it means)
COMPUTE_ERROR_PATTERNS: tuple[tuple[str, Failure], ...] = (
    ("invalid utf-8", Failure.NOT_UTF8),
    ("could not parse", Failure.CSV_SYNTAX),  # a quote where a field cannot hold one
    ("csv malformed", Failure.CSV_SYNTAX),  # quotes that make rows disagree with the count
)


def classify(exc: BaseException) -> Failure:
    """What `exc`, raised by Polars reading an upload, means."""
    if not isinstance(exc, pl.exceptions.ComputeError):
        return Failure.OTHER
    message = str(exc).lower()
    return next((f for pattern, f in COMPUTE_ERROR_PATTERNS if pattern in message), Failure.OTHER)
