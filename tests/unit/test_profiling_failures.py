"""Each message pattern of failures.py against the real Polars error it stands for: a Polars
upgrade that rewords one fails here, not silently in which files are repaired or rejected."""

from __future__ import annotations

import io

import polars as pl
import pytest

from core.profiling.failures import COMPUTE_ERROR_PATTERNS, Failure, classify


def _read(data: bytes) -> None:
    pl.scan_csv(
        io.BytesIO(data),
        has_header=False,
        skip_lines=1,
        schema={"a": pl.String, "b": pl.String},
        null_values=[""],
    ).collect(engine="streaming")


# One upload per pattern, read as readers.Source reads a CSV.
_TRIGGERS = {
    "invalid utf-8": b"a,b\n1,\xff\xfe\n",
    "could not parse": b'a,b\n1,"x"y\n2,3\n',
    "csv malformed": b'a,b\n1,27" monitor\n2,3\n',
}


@pytest.mark.parametrize(("pattern", "failure"), COMPUTE_ERROR_PATTERNS)
def test_each_pattern_matches_the_real_polars_error(pattern: str, failure: Failure) -> None:
    with pytest.raises(pl.exceptions.ComputeError) as info:
        _read(_TRIGGERS[pattern])
    assert pattern in str(info.value).lower()
    assert classify(info.value) == failure


def test_every_pattern_has_a_trigger() -> None:
    assert {pattern for pattern, _ in COMPUTE_ERROR_PATTERNS} == set(_TRIGGERS)


def test_other_errors_are_not_classified() -> None:
    assert classify(pl.exceptions.SchemaError("invalid utf-8")) == Failure.OTHER
    assert classify(ValueError("could not parse")) == Failure.OTHER
    assert classify(pl.exceptions.ComputeError("out of memory")) == Failure.OTHER
