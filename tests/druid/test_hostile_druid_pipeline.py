"""A hostile file of each outcome family through the whole pipeline on the real Druid:
upload, validate, stage (or not), a real ingestion task, reconciliation. All are uploaded
first and then worked on together, so their Druid tasks share the cluster's task slots.

Each must succeed (its reconciliation found Druid's rows equal to the profile) with the
declared valid and quarantined rows, and Druid must serve exactly Sluice's reading of the
valid rows (tests/hostile/on_druid.py). The other accepted files are checked through Druid's
sampler (test_hostile_druid_sampler.py), which cannot show times before 1970 or more than
5,000 rows: such files are here. In the same batch, a few of these values together in one
file, on both of Sluice's paths (Druid reading the upload itself, or a staged copy), must land
the same either way.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from core.druid.spec import UPLOAD_DIMENSION, build_ingestion_spec, epoch_millis
from core.model import IngestOptions
from core.profiling import validate_file
from core.settings import Settings
from tests.conftest import api_client, grant, run_worker
from tests.druid.conftest import DruidSqlForTests, Submission, ingest_together, new_datasource
from tests.graphql_ops import get_task, upload_file
from tests.hostile.cases import CASES, Case
from tests.hostile.on_druid import Row, as_read_by_druid, expected_rows
from tests.hostile.test_hostile import LIMITS
from workers import pipeline

pytestmark = pytest.mark.druid

FAMILIES = {
    "quoted_lf.csv": "a line break inside a quoted value",
    "lone_cr.csv": "old-Mac line endings",
    "quoted_empty.csv": '"" beside empty fields',
    "iso_offset_space.csv": "a time zone after a blank",
    "leap_second.csv": "a leap second",
    "zip_codes.csv": "leading zeros",
    "zip_codes_as_long.csv": "leading zeros dropped at the person's request",
    "beyond_int64.csv": "an integer beyond 64 bits",
    "long_decimals.csv": "decimals beyond a double",
    "null_tokens.csv": "null tokens",
    "mixed_date_formats.csv": "mixed time formats",
    "before_1970.csv": "times before 1970 (the sampler cannot show them)",
    "year_0001.csv": "year 1 (the sampler cannot show it)",
    "utf8_then_latin1.csv": "90,001 rows (the sampler shows 5,000 at most)",
    "tabs.tsv": "tabs without quotes (Druid's tsv format reads the upload)",
}
PIPELINE_CASES = [c for c in CASES if c.name in FAMILIES]


def test_every_family_is_a_hostile_case() -> None:
    assert {c.name for c in PIPELINE_CASES} == set(FAMILIES)


@pytest.mark.timeout(900)  # 19 Druid tasks on the shared cluster's slots
async def test_each_family_lands_exactly_through_the_pipeline(
    druid_settings: Settings,
    druid: Any,
    redis: Any,
    db: Any,
    clean: None,
    druid_sql: DruidSqlForTests,
    tmp_path: Path,
) -> None:
    """Also runs the edge-value files (`_edge_files`) in the same batch: one wait for all."""
    families = {
        c.name: Submission(c.name, c.make(), new_datasource(), _as_graphql(c.options))
        for c in PIPELINE_CASES
    }
    edges = _edge_files()
    async with api_client(druid_settings, await grant(db)) as client:
        tasks = await ingest_together(client, druid_settings, redis, families | edges)

    for case in PIPELINE_CASES:
        task = tasks[case.name]
        assert task["status"] == "SUCCEEDED", (case.name, task["error"])
        counts = (task["rowsIngested"], task["rowsQuarantined"])
        assert counts == (case.expected.rows, case.expected.quarantined), case.name
        assert (task["rowsProcessedWithError"], task["rowsUnparseable"]) == (0, 0), case.name
        datasource = families[case.name].datasource
        found, expected = await _landed(case, datasource, druid_sql, tmp_path)
        assert found == expected, case.name
    for name, rows in EDGE_ROWS.items():
        await _same_on_both_paths(tasks, edges, name, rows, druid_sql)


# Values CSV readers disagree on (id, ts, note, zip, big: one tricky value per row), once as
# uploaded (Druid may read the file itself) and once with semicolons (staged: the files
# hold quotes, which Druid's `tsv` format for other delimiters does not read): each
# lands exactly or is quarantined with a reason, and Druid holds the same values either way.
# Druid 25's CSV reader ends a record at every line break (LF or lone CR), even inside quotes,
# so rows with one are quarantined by profiling on both paths; the rest lands exactly.
_LINE_BREAKS = [
    ("1", "2024-03-01T10:00:00Z", '"line\nbreak"', "00501", "1"),
    ("2", "2024-03-01T10:01:00Z", '"lone\rreturn"', "02134", "2"),
]
_TRICKY = [
    ("3", "2024-03-01 12:02:00 +02:00", "zone with a space", "10001", "3"),
    ("4", "2016-12-31T23:59:60Z", "leap second", "10002", "4"),
    ("5", "2024-03-01T10:04:00Z", '""', "10003", "5"),
    ("6", "2024-03-01T10:05:00Z", "", "10004", "12345678901234567890"),
    ("7", "2024-03-01T10:06:00Z", "plain", "10005", "-9223372036854775809"),
]
EDGE_ROWS = {"edge_tricky": _TRICKY, "edge_line_breaks": _LINE_BREAKS + _TRICKY}
_PATHS = {"as_uploaded": ",", "staged": ";"}


def _edge_files() -> dict[str, Submission]:
    """Each edge-value file on both paths, keyed `{name}/{path}`."""
    files = {}
    for name, rows in EDGE_ROWS.items():
        for path, delimiter in _PATHS.items():
            lines = [delimiter.join(("id", "ts", "note", "zip", "big"))]
            lines += [delimiter.join(row) for row in rows]
            content = ("\n".join(lines) + "\n").encode()
            files[f"{name}/{path}"] = Submission(
                f"{name}.csv", content, new_datasource(), {"timestampColumn": "ts"}
            )
    return files


async def _same_on_both_paths(
    tasks: dict[str, dict[str, Any]],
    files: dict[str, Submission],
    name: str,
    rows: list[tuple[str, ...]],
    druid_sql: DruidSqlForTests,
) -> None:
    both = [tasks[f"{name}/{path}"] for path in _PATHS]
    for task in both:
        # SUCCEEDED means Druid's rows matched the profile column by column.
        assert task["status"] == "SUCCEEDED", (name, task["error"])
        assert task["rowsIngested"] + task["rowsQuarantined"] == len(rows), name
        assert (task["rowsProcessedWithError"], task["rowsUnparseable"]) == (0, 0), name
    assert both[0]["rowsQuarantined"] == both[1]["rowsQuarantined"], name
    landed = [await _druid_rows(druid_sql, files[f"{name}/{path}"].datasource) for path in _PATHS]
    assert landed[0] == landed[1], name


async def _druid_rows(druid_sql: DruidSqlForTests, datasource: str) -> list[dict[str, Any]]:
    await druid_sql.wait_for_table(datasource)
    rows = await druid_sql.rows(f'SELECT * FROM "{datasource}"')
    for row in rows:
        row.pop(UPLOAD_DIMENSION)
    return sorted(rows, key=lambda row: str(row["id"]))


def _as_graphql(options: IngestOptions) -> dict[str, Any] | None:
    """The case's options as the upload mutation takes them (only column types are used)."""
    if not options.column_types:
        return None
    return {"columnTypes": [{"column": r.column, "type": r.type} for r in options.column_types]}


async def _landed(
    case: Case, datasource: str, druid_sql: DruidSqlForTests, tmp_path: Path
) -> tuple[list[Row], list[Row]]:
    """Druid's rows and Sluice's reading of the same file, both in one order."""
    upload = tmp_path / case.name
    upload.write_bytes(case.make())
    result = validate_file(
        upload, options=case.options, limits=LIMITS, out_dir=tmp_path / f"{case.name}.out"
    )
    await druid_sql.wait_for_table(datasource)
    rows = await druid_sql.rows(f'SELECT * FROM "{datasource}"')
    found = [as_read_by_druid(r | {"__time": epoch_millis(r["__time"])}, result) for r in rows]
    return sorted(found, key=repr), sorted(expected_rows(result, upload), key=repr)


@pytest.mark.timeout(600)
async def test_a_value_druid_reads_differently_fails_the_task_naming_its_row(
    druid_settings: Settings,
    druid: Any,
    redis: Any,
    db: Any,
    clean: None,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A spec injected to read `zip` as LONG (Sluice keeps it as text): the task must fail
    with the first row Druid changed, numbered as in the upload (row 2, blank, is
    quarantined), and leave no row behind."""

    def zip_as_long(**arguments: Any) -> dict[str, Any]:
        spec = build_ingestion_spec(**arguments)
        for dimension in spec["spec"]["dataSchema"]["dimensionsSpec"]["dimensions"]:
            if dimension["name"] == "zip":
                dimension["type"] = "long"
        return spec

    monkeypatch.setattr(pipeline, "build_ingestion_spec", zip_as_long)
    datasource = new_datasource()
    content = b"ts,zip\n2024-01-01T00:00:00Z,10001\n\n2024-01-01T01:00:00Z,00501\n"
    async with api_client(druid_settings, await grant(db)) as client:
        task = await upload_file(
            client, filename="zips.csv", content=content, datasource=datasource
        )
        await run_worker(druid_settings, redis)
        task = await get_task(client, task["id"])

    assert task["status"] == "FAILED"
    assert task["error"]["code"] == "RECONCILIATION_MISMATCH"
    assert "column zip: 1 value differs; first: row 3 `00501` → `501`" in task["error"]["message"]
    assert task["reconciliation"] == {"state": "MISMATCHED", "summary": task["error"]["message"]}
    assert task["rowsIngested"] == 0
