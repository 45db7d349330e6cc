"""What Druid must hold for an accepted hostile case: its valid rows as Sluice read them.

The reference is Sluice's own reading (the staged copy, or the upload with its time column
read by the detected format), typed the way the ingestion spec types each dimension; the
Druid tests (tests/druid/test_hostile_druid_*.py) compare Druid's reading with it, row by row.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from core.druid.spec import UPLOAD_DIMENSION, dimensions, epoch_millis
from core.profiling import ValidationResult
from tests.fixtures.uploads import staged

Row = dict[str, Any]


def expected_rows(result: ValidationResult, upload: Path) -> list[Row]:
    """The rows Druid must read from `upload` (validated as `result`), in file order:
    `__time` in epoch milliseconds, then every dimension as a long, double or text (an empty
    field is null)."""
    frame = staged(result, upload)
    types = _dimension_types(result)
    time = result.profile.timestamp
    constant = epoch_millis(time.constant)
    rows = []
    for record in frame.iter_rows(named=True):
        row: Row = {"__time": int(record[time.column]) if time.column else constant}
        row.update((name, _typed(record.get(name), kind)) for name, kind in types.items())
        rows.append(row)
    return rows


def as_read_by_druid(parsed: Row, result: ValidationResult) -> Row:
    """A row Druid read (the sampler's `parsed`, or a SQL row with `__time` in
    milliseconds) with the same keys as `expected_rows` gives: a dimension Druid left out is
    null, the upload id is dropped."""
    return {"__time": parsed.get("__time")} | {
        name: parsed.get(name) for name in _dimension_types(result)
    }


def _dimension_types(result: ValidationResult) -> dict[str, str]:
    spec = dimensions(result.profile, result.staged_data(()))
    return {d["name"]: d["type"] for d in spec if d["name"] != UPLOAD_DIMENSION}


def _typed(text: str | None, kind: str) -> Any:
    if text is None or text == "":
        return None
    if kind == "long":
        return int(text)
    if kind == "double":
        return float(text)
    return text
