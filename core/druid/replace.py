"""REPLACE that replaces exactly the file's time range, not whole time chunks.

Druid overwrites whole time chunks (a day, with DAY segments): a file covering 10:00-12:00
would wipe the same day's 08:00 and 20:00 rows. So the task reads both the file and, through
Druid's `druid` input source, the rows of the chunks it rewrites that lie *outside* the file's
range (a `not` + `interval` filter on `__time`), in one `combining` input source, and writes
them back together: the chunk ends up holding the old rows outside the range and the file's
rows inside it. Both inputs need one timestampSpec: the file's time column is read under the
name `__time` with format `auto`, which reads ISO-8601 text, epoch milliseconds (the staged
copy) and the `druid` input source's millisecond `__time` alike. Uploads Druid reads as they
are with epoch seconds/micro/nanoseconds would be misread by `auto`: for those, REPLACE keeps
replacing whole chunks (`exact_replace_possible`).

The kept rows keep their own upload id; rows inside the range are the file's (the transform
tells them apart by time, since the file's rows all lie inside it).
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from core.catalog import druid_datasets
from core.druid.spec import UPLOAD_DIMENSION, epoch_millis, upload_transform
from core.model import Profile

if TYPE_CHECKING:
    from core.druid.broker import DruidBroker

AUTO_READABLE = frozenset({"iso", "millis"})
_DIMENSION_TYPES = {"BIGINT": "long", "DOUBLE": "double", "FLOAT": "double", "REAL": "double"}


def exact_replace_possible(profile: Profile) -> bool:
    time = profile.timestamp
    return bool(time.column and time.min and time.max and time.druid_format in AUTO_READABLE)


def keep_rows_outside(
    spec: dict[str, Any],
    *,
    datasource: str,
    profile: Profile,
    upload_id: str,
    existing_columns: Sequence[tuple[str, str]],
) -> dict[str, Any]:
    """`spec` (a REPLACE built by `build_ingestion_spec`) rewritten to also read back the
    rows of its chunks outside the file's time range. `existing_columns` are the
    datasource's columns as Druid SQL types (name, type), kept with their types."""
    time = profile.timestamp
    assert exact_replace_possible(profile) and time.column and time.min and time.max
    spec = copy.deepcopy(spec)
    schema, io = spec["spec"]["dataSchema"], spec["spec"]["ioConfig"]
    low, high = epoch_millis(time.min), epoch_millis(time.max)
    assert low is not None and high is not None
    inside = f"{_iso(low)}/{_iso(high + 1)}"
    kept = {
        "type": "druid",
        "dataSource": datasource,
        "interval": _span(schema["granularitySpec"]["intervals"]),
        "filter": {
            "type": "not",
            "field": {"type": "interval", "dimension": "__time", "intervals": [inside]},
        },
    }
    io["inputSource"] = {"type": "combining", "delegates": [kept, io["inputSource"]]}
    # Druid 25 reads a combining source only split across subtasks (its sequential reader is
    # not implemented): this task needs a second free slot while it runs.
    spec["spec"]["tuningConfig"]["maxNumConcurrentSubTasks"] = 2
    columns = io["inputFormat"]["columns"]
    io["inputFormat"]["columns"] = ["__time" if c == time.column else c for c in columns]
    schema["timestampSpec"] = {"column": "__time", "format": "auto"}
    dims = schema["dimensionsSpec"]["dimensions"]
    known = {d["name"] for d in dims}
    dims[-1:-1] = [
        {"type": _DIMENSION_TYPES.get(druid_type, "string"), "name": name}
        for name, druid_type in existing_columns
        if name not in known and name != "__time"
    ]
    literal = upload_transform(upload_id)["expression"]
    schema["transformSpec"]["transforms"] = [
        {
            "type": "expression",
            "name": UPLOAD_DIMENSION,
            "expression": (
                f'if(__time >= {low} && __time <= {high}, {literal}, "{UPLOAD_DIMENSION}")'
            ),
        }
    ]
    return spec


def _span(intervals: list[str]) -> str:
    return f"{intervals[0].split('/')[0]}/{intervals[-1].split('/')[1]}"


def _iso(millis: int) -> str:
    moment = datetime(1970, 1, 1, tzinfo=UTC) + timedelta(milliseconds=millis)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


async def exact_replace(
    broker: DruidBroker, spec: dict[str, Any], *, datasource: str, profile: Profile, upload_id: str
) -> dict[str, Any]:
    """`spec` for a REPLACE, made to keep the rows outside the file's range when the datasource
    already exists in Druid and the time format allows it (otherwise unchanged)."""
    if not exact_replace_possible(profile):
        return spec
    existing = (await druid_datasets(broker, [datasource])).get(datasource)
    if existing is None:
        return spec  # nothing to keep
    columns = [(c.name, c.druid_type or "VARCHAR") for c in existing.columns]
    return keep_rows_outside(
        spec, datasource=datasource, profile=profile, upload_id=upload_id, existing_columns=columns
    )
