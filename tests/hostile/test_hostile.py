"""Every hostile file (cases.py) through the real validator, checked against its declared
outcome."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from core.profiling import InputRejected, Limits, ValidationResult, validate_file
from tests.hostile.cases import CASES, Case

# The product's limits (core/settings.py), except a smaller XLSX budget to keep files small.
LIMITS = Limits(max_columns=2000, max_xlsx_uncompressed_bytes=32 << 20, max_column_name_length=255)


def test_there_are_at_least_60_cases() -> None:
    assert len(CASES) >= 60
    assert len({c.name for c in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_hostile_file(tmp_path: Path, case: Case) -> None:
    path = tmp_path / case.name
    path.write_bytes(case.make())
    expected = case.expected
    try:
        result = validate_file(path, options=case.options, limits=LIMITS, out_dir=tmp_path / "out")
    except InputRejected as exc:
        assert exc.code == expected.code, exc.message
        return
    assert expected.code is None, f"accepted, expected {expected.code}"
    profile = result.profile
    assert (profile.rows_valid, profile.rows_quarantined) == (
        expected.rows,
        expected.quarantined,
    ), profile.warnings
    types = {c.name: str(c.type) for c in profile.columns}
    assert {name: types.get(name) for name in expected.types} == dict(expected.types)
    assert profile.timestamp.column == expected.time
    if expected.direct is not None:
        assert result.reads_upload == expected.direct
    if expected.warning is not None:
        assert any(expected.warning in w for w in profile.warnings), profile.warnings
    if expected.reason is not None:
        reasons = _reasons(result)
        assert any(expected.reason in r for r in reasons), reasons


def _reasons(result: ValidationResult) -> list[str]:
    assert result.quarantine_file is not None
    quarantine = pl.read_csv(result.quarantine_file, infer_schema=False)
    return [r or "" for r in quarantine.get_column("_sluice_reason").to_list()]
