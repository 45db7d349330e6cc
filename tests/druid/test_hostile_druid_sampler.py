"""Every accepted hostile file (tests/hostile/cases.py) as Druid reads it, row by row.

A real ingestion task per file would take minutes of Druid's task slots, so each file's exact
ingestion spec (the one `build_ingestion_spec` writes for it: the upload itself or the staged
copy on S3, the same inputFormat, timestampSpec, dimensions and transform) goes through
Druid's sampler (`POST /druid/indexer/v1/sampler` on the Overlord), which reads the input the
way the task would and returns every row it parsed. Each must equal Sluice's own reading of
the valid rows (tests/hostile/on_druid.py), and Druid may find no row unparseable.

Druid 25's sampler indexes into a store that refuses times before 1970 (an ingestion task
does not), so those files go through the whole pipeline instead
(test_hostile_druid_pipeline.py).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest

from core.druid.client import DruidClient
from core.druid.spec import build_ingestion_spec, column_name_problem
from core.model import WriteMode
from core.profiling import ValidationResult, validate_file
from core.settings import Settings
from tests.druid.conftest import Staging
from tests.druid.test_hostile_druid_pipeline import PIPELINE_CASES
from tests.hostile.cases import CASES, Case
from tests.hostile.on_druid import as_read_by_druid, expected_rows
from tests.hostile.test_hostile import LIMITS

pytestmark = pytest.mark.druid

# Times before 1970: the sampler cannot show them (see the module's docstring).
BEFORE_1970 = frozenset({"before_1970.csv", "year_0001.csv"})
SAMPLER_MAX_ROWS = 5000  # Druid 25's limit on `numRows`; one more than expected is asked for
# Accepted by validation, refused by the worker before Druid sees them (Druid refuses
# their column names): `column_name_problem`, checked against Druid below.
NAMES_DRUID_REFUSES = frozenset({"delimiter_in_header.csv"})
ACCEPTED = [c for c in CASES if c.expected.code is None]
SAMPLED = [
    c
    for c in ACCEPTED
    if c.name not in BEFORE_1970 | NAMES_DRUID_REFUSES and c.expected.rows < SAMPLER_MAX_ROWS
]
SAMPLER_TIMEOUT_MS = 60_000


def test_every_accepted_file_is_checked_on_druid() -> None:
    unsampled = {c.name for c in ACCEPTED} - {c.name for c in SAMPLED} - NAMES_DRUID_REFUSES
    assert unsampled <= {c.name for c in PIPELINE_CASES}


@pytest.mark.parametrize("case", SAMPLED, ids=[c.name for c in SAMPLED])
async def test_druid_reads_every_value_as_sluice_does(
    case: Case,
    tmp_path: Path,
    druid: DruidClient,
    staging: Staging,
    runtime_settings: Settings,
) -> None:
    upload = tmp_path / case.name
    upload.write_bytes(case.make())
    result = validate_file(upload, options=case.options, limits=LIMITS, out_dir=tmp_path / "out")
    spec = await _spec(result, upload, tmp_path, staging, runtime_settings)

    sample = await _sample(druid, spec, rows=result.profile.rows_valid)
    assert sample.status_code == 200, sample.text
    answer = sample.json()

    unparseable = [(r.get("input"), r.get("error")) for r in answer["data"] if r.get("unparseable")]
    assert unparseable == []
    assert (answer["numRowsRead"], answer["numRowsIndexed"]) == (result.profile.rows_valid,) * 2
    found = [as_read_by_druid(r["parsed"], result) for r in answer["data"]]
    assert found == expected_rows(result, upload)


@pytest.mark.parametrize("name", sorted(NAMES_DRUID_REFUSES))
async def test_column_names_druid_refuses_are_refused_before_druid(
    name: str,
    tmp_path: Path,
    druid: DruidClient,
    staging: Staging,
    runtime_settings: Settings,
) -> None:
    case = next(c for c in CASES if c.name == name)
    upload = tmp_path / case.name
    upload.write_bytes(case.make())
    result = validate_file(upload, options=case.options, limits=LIMITS, out_dir=tmp_path / "out")
    assert column_name_problem(result.profile) is not None  # the worker fails the task here
    spec = await _spec(result, upload, tmp_path, staging, runtime_settings)
    sample = await _sample(druid, spec, rows=result.profile.rows_valid)
    assert sample.status_code == 400
    assert "cannot have the delimiter" in sample.text


async def _spec(
    result: ValidationResult, upload: Path, tmp_path: Path, staging: Staging, settings: Settings
) -> dict[str, Any]:
    """The ingestion spec the worker would submit, its files put where it would read them."""
    files = ([upload] if result.reads_upload else []) + list(result.staged_files)
    uris = [await _put(staging, f"{tmp_path.name}/{n}-{f.name}", f) for n, f in enumerate(files)]
    return build_ingestion_spec(
        task_id=f"sample_{tmp_path.name}",
        upload_id="hostile",
        datasource="hostile_sample",
        profile=result.profile,
        staged=result.staged_data(tuple(uris)),
        mode=WriteMode.APPEND,
        settings=settings,
    )


async def _put(staging: Staging, name: str, path: Path) -> str:
    key = f"{staging.prefix}hostile/{name}"
    await staging.store.put_file(key, path, content_type="text/csv")
    staging.keys.append(key)
    return staging.store.uri(key)


async def _sample(druid: DruidClient, task: dict[str, Any], *, rows: int) -> httpx.Response:
    """The sampler's answer for the task's spec. Druid 25's sampler knows only the `index`
    spec type, which takes the same dataSchema and a same-shaped ioConfig; one row more than
    expected is asked for, so an extra row Druid reads shows."""
    spec = dict(task["spec"])
    spec["ioConfig"] = spec["ioConfig"] | {"type": "index"}
    spec["tuningConfig"] = {"type": "index"}
    body = {
        "type": "index",
        "spec": spec,
        "samplerConfig": {"numRows": rows + 1, "timeoutMs": SAMPLER_TIMEOUT_MS},
    }
    return await druid.request("POST", "overlord", "/druid/indexer/v1/sampler", json=body)
