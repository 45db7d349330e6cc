"""Taking one upload's rows out of Druid again, when its ingestion failed reconciliation.

Druid 25 cannot say which segments a native batch task published (the Overlord's
`/task/{id}/segments` audit list stays empty for `index_parallel`), so the segments are found
from the data and the versions:

- APPEND writes new segments holding only that task's rows. A native `timeseries` query
  with `bySegment` names every segment holding a row of the upload: exactly those are
  marked unused, and nothing of what the datasource held before is touched.
- REPLACE publishes a new version of every time chunk it covers (tombstones for chunks
  without rows), overshadowing what was there. Marking unused every segment of those
  chunks whose version is not older than the Druid task brings the overshadowed segments
  back: the datasource is as before the upload. (The Overlord's time-chunk lock means no
  other task wrote these chunks while ours ran; one started after ours ended would be
  taken back too, which the caller avoids by cleaning up right after the task ends.)

Marked-unused segments stop being served once the Coordinator has the Historicals drop them
(its next run, seconds to a minute), and are deleted from deep storage by its kill duty.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from core.druid.client import ALL_TIME, TaskRejected
from core.druid.spec import UPLOAD_DIMENSION

if TYPE_CHECKING:
    from core.druid.broker import DruidBroker
    from core.druid.client import DruidClient


@dataclass(frozen=True, slots=True)
class Segment:
    id: str
    interval: str  # ISO start/end
    version: str  # ISO instant


async def segments_with_upload(
    broker: DruidBroker, *, datasource: str, upload_id: str
) -> dict[str, int]:
    """Ids of the segments holding rows of `upload_id`, with their row counts."""
    only_upload = {"type": "selector", "dimension": UPLOAD_DIMENSION, "value": upload_id}
    return await rows_by_segment(broker, datasource=datasource, row_filter=only_upload)


async def rows_by_segment(
    broker: DruidBroker, *, datasource: str, row_filter: dict[str, Any] | None = None
) -> dict[str, int]:
    """Rows per served segment (those matching `row_filter`, when given); segments without
    such rows are left out."""
    query: dict[str, Any] = {
        "queryType": "timeseries",
        "dataSource": datasource,
        "intervals": [ALL_TIME],
        "granularity": "all",
        "aggregations": [{"type": "count", "name": "rows"}],
        "context": {"bySegment": True, "skipEmptyBuckets": True},
    }
    if row_filter is not None:
        query["filter"] = row_filter
    found: dict[str, int] = {}
    for item in await broker.native(query):
        result = item.get("result") or {}
        rows = sum(int(r["result"]["rows"]) for r in result.get("results") or ())
        if rows:
            found[result["segment"]] = rows
    return found


async def used_segments(druid: DruidClient, datasource: str) -> list[Segment]:
    """The datasource's used segments (tombstones included), from the Coordinator."""
    path = f"/druid/coordinator/v1/metadata/datasources/{quote(datasource, safe='')}/segments"
    response = await druid.request("GET", "coordinator", path, params={"full": "true"})
    if response.status_code in (204, 404):
        return []
    _expect_ok(response, f"segments of {datasource}")
    return [_segment(item) for item in response.json()]


async def mark_unused(druid: DruidClient, datasource: str, segment_ids: list[str]) -> int:
    """Mark segments unused (no longer served); returns how many changed."""
    if not segment_ids:
        return 0
    path = f"/druid/coordinator/v1/datasources/{quote(datasource, safe='')}/markUnused"
    response = await druid.request(
        "POST", "coordinator", path, json={"segmentIds": sorted(segment_ids)}
    )
    _expect_ok(response, f"marking segments of {datasource} unused")
    body: Any = response.json() if response.content else {}
    return int(body.get("numChangedSegments", len(segment_ids)))


async def mark_used_in(druid: DruidClient, datasource: str, interval: str) -> int:
    """Mark used again the unused segments of `interval` that no used segment overshadows
    (Druid's own rule): what a rolled-back REPLACE had overshadowed comes back."""
    path = f"/druid/coordinator/v1/datasources/{quote(datasource, safe='')}/markUsed"
    response = await druid.request("POST", "coordinator", path, json={"interval": interval})
    _expect_ok(response, f"marking segments of {datasource} used")
    body: Any = response.json() if response.content else {}
    return int(body.get("numChangedSegments", 0))


async def remove_upload(
    druid: DruidClient,
    broker: DruidBroker,
    *,
    datasource: str,
    upload_id: str,
    replaced_since: str | None,
    intervals: list[str],
) -> int:
    """Take the upload's rows out of Druid: for an append the segments holding them, for a
    replace (`replaced_since` = the Druid task's creation time, `intervals` = the chunks it
    covered) every segment it published. Returns the number of segments marked unused."""
    if replaced_since is None:
        found = await segments_with_upload(broker, datasource=datasource, upload_id=upload_id)
        return await mark_unused(druid, datasource, list(found))
    ours = await replace_segments(
        druid, datasource=datasource, replaced_since=replaced_since, intervals=intervals
    )
    return await mark_unused(druid, datasource, ours)


async def replace_segments(
    druid: DruidClient, *, datasource: str, replaced_since: str, intervals: list[str]
) -> list[str]:
    """The used segments a REPLACE published: in its chunks, not older than its task."""
    return [
        s.id
        for s in await used_segments(druid, datasource)
        if s.version >= replaced_since and any(_within(s.interval, i) for i in intervals)
    ]


def _within(segment_interval: str, interval: str) -> bool:
    start, end = (_ms(p) for p in segment_interval.split("/"))
    low, high = (_ms(p) for p in interval.split("/"))
    return low <= start and end <= high


def _ms(iso: str) -> str:
    """ISO instants compare as text once written alike (Druid writes `…T00:00:00.000Z`)."""
    return iso.replace("Z", "").ljust(23, "0")[:23]


def _segment(item: dict[str, Any]) -> Segment:
    return Segment(
        id=str(item.get("identifier") or item.get("id")),
        interval=str(item["interval"]),
        version=str(item["version"]),
    )


def _expect_ok(response: Any, what: str) -> None:
    if response.status_code >= 300:
        raise TaskRejected(what, status=response.status_code, druid_message=response.text[:500])
