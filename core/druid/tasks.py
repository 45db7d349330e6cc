"""Druid tasks as the Overlord describes them: where a task is, and what its report says.

`core.druid.client` asks; this module holds the answers and reads the report's JSON.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

TaskState = Literal["PENDING", "WAITING", "RUNNING", "SUCCESS", "FAILED"]


@dataclass(frozen=True, slots=True)
class DruidTaskStatus:
    """Where a Druid task is. `state` folds the runner state into the task state: PENDING
    (waiting for a slot) and WAITING (for locks) are both still "running" to the Overlord."""

    task_id: str
    state: TaskState
    error_message: str | None  # Druid truncates it to ~100 characters; see the report/log
    duration_ms: int | None
    datasource: str | None
    created_time: str | None = None  # ISO; a REPLACE task's segment versions are later

    @property
    def is_finished(self) -> bool:
        return self.state in ("SUCCESS", "FAILED")


@dataclass(frozen=True, slots=True)
class ParseError:
    """One row Druid could not (fully) parse, as kept in the task report."""

    kind: str  # "unparseable" (row dropped) or "processedWithError" (kept, bad values null)
    row: str
    details: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class DruidTaskReport:
    """Row counts and errors from a native batch task's `ingestionStatsAndErrors` report.

    Rows ingested = `processed + processed_with_error` (the latter with some values null);
    rows dropped = `unparseable` (bad timestamp or row) + `thrown_away` (outside the
    intervals, or filtered). While the task runs these are live totals; during the wait for
    segment hand-off Druid reports no totals (all zero).
    """

    task_id: str
    ingestion_state: str | None
    processed: int
    processed_with_error: int
    unparseable: int
    thrown_away: int
    parse_errors: tuple[ParseError, ...]
    error_message: str | None
    segments_available: bool | None  # confirmed loaded before the task ended (None: unknown)

    @property
    def rows_seen(self) -> int:
        return self.processed + self.processed_with_error + self.unparseable + self.thrown_away

    @property
    def rows_ingested(self) -> int:
        return self.processed + self.processed_with_error

    def reason_summary(self) -> str:
        """Why rows were dropped, in words: counts plus the first parse error Druid kept."""
        parts = []
        if self.unparseable:
            first = next((e for e in self.parse_errors if e.kind == "unparseable"), None)
            example = f" (first: {first.details[0]})" if first and first.details else ""
            parts.append(f"{self.unparseable:,} unparseable{example}")
        if self.thrown_away:
            parts.append(
                f"{self.thrown_away:,} outside the file's time range or without a timestamp"
            )
        return "; ".join(parts) or "none"


def parse_report(task_id: str, body: Mapping[str, Any]) -> DruidTaskReport:
    """The row counts and parse errors of a task's `ingestionStatsAndErrors` report."""
    payload = (body.get("ingestionStatsAndErrors") or {}).get("payload") or {}
    row_stats = payload.get("rowStats") or {}
    # Finished tasks report per phase; running ones nest the same under "totals".
    phases = row_stats.get("totals", row_stats) or {}
    stats = phases.get("buildSegments") or phases.get("determinePartitions") or {}
    events_by_phase = payload.get("unparseableEvents") or {}
    events = events_by_phase.get("buildSegments") or events_by_phase.get("determinePartitions")
    available = payload.get("segmentAvailabilityConfirmed")
    return DruidTaskReport(
        task_id=task_id,
        ingestion_state=payload.get("ingestionState"),
        processed=int(stats.get("processed", 0)),
        processed_with_error=int(stats.get("processedWithError", 0)),
        unparseable=int(stats.get("unparseable", 0)),
        thrown_away=int(stats.get("thrownAway", 0)),
        parse_errors=tuple(
            ParseError(
                kind=str(event.get("errorType", "unparseable")),
                row=str(event.get("input", "")),
                details=tuple(str(d) for d in event.get("details") or ()),
            )
            for event in events or ()
        ),
        error_message=payload.get("errorMsg"),
        segments_available=available if isinstance(available, bool) else None,
    )
