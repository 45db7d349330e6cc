"""Prometheus metrics: every `sluice_*` name the API and the workers expose, in one place.

The metric objects are module-level, as prometheus-client intends (a metric is a name in a
process-wide registry, not a client with a lifecycle). Callers never touch them directly: they
call the small functions below, one line at each point of interest, so the names, labels and
buckets live here only. docs/ops/ (dashboard, alert rules) uses these names; a unit test
checks that every name used there exists.

Processes: the API serves `GET /metrics` (api/observability.py). With several API processes
(`uvicorn --workers N`) set `PROMETHEUS_MULTIPROC_DIR` for all of them, and `/metrics`
aggregates every process's values from that directory. Each arq worker can serve its own
numbers on `worker_metrics_port` (see `serve_worker`).
"""

from __future__ import annotations

import contextlib
import re
import time
from collections.abc import Iterator
from typing import TYPE_CHECKING

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
    start_http_server,
)

if TYPE_CHECKING:
    from redis.asyncio import Redis

    from core.model import Task, TaskStatus
    from core.settings import Settings

# Seconds: from a 1 MB file's 0.2 s in Sluice (bench/RESULTS.md) to an hour for a huge one.
STAGE_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600)
REQUEST_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)

# Codes that mean "the numbers did not add up": the rows Druid holds are not the file's.
RECONCILIATION_CODES = frozenset({"ACCOUNTING_MISMATCH", "RECONCILIATION_MISMATCH"})

UPLOADS = Counter(
    "sluice_uploads",
    "Uploads received, by result: ACCEPTED, or the rejection code (e.g. UNSUPPORTED_FORMAT).",
    ["result"],
)
UPLOAD_BYTES = Counter(
    "sluice_upload_bytes",
    "Bytes of the uploads received, by result (as sluice_uploads).",
    ["result"],
)
TASKS_FINISHED = Counter(
    "sluice_tasks_finished",
    "Tasks that reached a final status (SUCCEEDED, FAILED, CANCELLED), by error code "
    "(empty unless FAILED).",
    ["status", "code"],
)
STAGE_SECONDS = Histogram(
    "sluice_stage_duration_seconds",
    "Time a task spent in a stage (QUEUED, VALIDATING, ... PUBLISHING) before it moved on.",
    ["stage"],
    buckets=STAGE_BUCKETS,
)
ROWS = Counter(
    "sluice_rows",
    "Rows of succeeded tasks by outcome: ingested, quarantined (kept aside by Sluice), "
    "thrown_away (rejected by Druid).",
    ["outcome"],
)
DRUID_WAIT_SECONDS = Histogram(
    "sluice_druid_task_wait_seconds",
    "Time a Druid ingestion task waited (for a task slot or a lock) before it ran.",
    buckets=STAGE_BUCKETS,
)
DRUID_RUN_SECONDS = Histogram(
    "sluice_druid_task_run_seconds",
    "Time a Druid ingestion task ran, as Druid reports it.",
    buckets=STAGE_BUCKETS,
)
QUEUE_JOBS = Gauge(
    "sluice_queue_jobs",
    "Jobs in the worker queue: waiting (due, no worker on it yet), running, deferred "
    "(due later, e.g. the next look at a Druid task).",
    ["state"],
    multiprocess_mode="mostrecent",
)
QUEUE_OLDEST_SECONDS = Gauge(
    "sluice_queue_oldest_job_age_seconds",
    "How long the oldest waiting job has been due (0 when none waits).",
    multiprocess_mode="mostrecent",
)
WEBSOCKETS = Gauge(
    "sluice_websocket_connections",
    "Open WebSocket connections (GraphQL subscriptions transport).",
    multiprocess_mode="livesum",
)
SUBSCRIPTIONS = Gauge(
    "sluice_subscriptions",
    "Open GraphQL subscriptions, by operation.",
    ["operation"],
    multiprocess_mode="livesum",
)
GRAPHQL_OPERATIONS = Counter(
    "sluice_graphql_operations",
    "GraphQL operations by name, type and outcome (ok, or error when the answer has errors).",
    ["operation", "type", "outcome"],
)
GRAPHQL_SECONDS = Histogram(
    "sluice_graphql_operation_duration_seconds",
    "Time to answer a GraphQL query or mutation, by operation name.",
    ["operation", "type"],
    buckets=REQUEST_BUCKETS,
)
RATE_LIMIT_UNCHECKED = Counter(
    "sluice_rate_limit_unchecked",
    "Calls whose rate limit could not be checked because Redis did not answer, by kind "
    "(query, subscribe, ws, upload: let through; sign-in: refused).",
    ["kind"],
)
RECONCILIATION_FAILURES = Counter(
    "sluice_reconciliation_failures",
    "Tasks failed because the rows in Druid do not add up to the rows in the file, by code.",
    ["code"],
)

# --- names clients choose: bounded ----------------------------------------------------------

MAX_OPERATION_NAMES = 200  # operation names are chosen by clients: cap the label's values
_OPERATION_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,63}")
_seen_operations: set[str] = set()


def operation_label(name: str | None) -> str:
    """The operation name as a label value: `anonymous` without one, `other` once the first
    `MAX_OPERATION_NAMES` names are taken (so no client can grow the series without bound)."""
    if not name:
        return "anonymous"
    if name in _seen_operations:
        return name
    if not _OPERATION_NAME.fullmatch(name) or len(_seen_operations) >= MAX_OPERATION_NAMES:
        return "other"
    _seen_operations.add(name)
    return name


# --- one-line calls for the rest of the code ------------------------------------------------


def upload_received(result: str, size_bytes: int) -> None:
    """An upload was accepted (`result` ACCEPTED) or rejected (`result` its code)."""
    UPLOADS.labels(result).inc()
    UPLOAD_BYTES.labels(result).inc(max(size_bytes, 0))


def task_moved(previous: TaskStatus, task: Task, seconds_in_previous: float | None) -> None:
    """A task changed status: time the stage it left; count it (and its rows) when final."""
    if previous == task.status:
        return
    if seconds_in_previous is not None and not previous.is_terminal:
        STAGE_SECONDS.labels(previous.value).observe(max(seconds_in_previous, 0.0))
    if not task.status.is_terminal:
        return
    code = task.error.code if task.error and task.status.value == "FAILED" else ""
    TASKS_FINISHED.labels(task.status.value, code).inc()
    if code in RECONCILIATION_CODES:
        RECONCILIATION_FAILURES.labels(code).inc()
    if task.status.value == "SUCCEEDED":
        ROWS.labels("ingested").inc(task.rows_ingested or 0)
        ROWS.labels("quarantined").inc(task.rows_quarantined or 0)
        ROWS.labels("thrown_away").inc(task.rows_thrown_away or 0)


def druid_task_finished(*, submitted_seconds_ago: float, run_ms: int | None) -> None:
    """A Druid task finished: how long it ran, and how long it waited before that."""
    if run_ms is None:
        return
    run_s = run_ms / 1000
    DRUID_RUN_SECONDS.observe(run_s)
    DRUID_WAIT_SECONDS.observe(max(submitted_seconds_ago - run_s, 0.0))


def graphql_operation(name: str | None, kind: str, *, ok: bool, seconds: float | None) -> None:
    label = operation_label(name)
    GRAPHQL_OPERATIONS.labels(label, kind, "ok" if ok else "error").inc()
    if seconds is not None:
        GRAPHQL_SECONDS.labels(label, kind).observe(seconds)


def rate_limit_unchecked(kind: str) -> None:
    RATE_LIMIT_UNCHECKED.labels(kind).inc()


@contextlib.contextmanager
def websocket_open() -> Iterator[None]:
    WEBSOCKETS.inc()
    try:
        yield
    finally:
        WEBSOCKETS.dec()


def subscription_opened(name: str | None) -> str:
    """Count an open subscription; returns the label to pass to `subscription_closed`."""
    label = operation_label(name)
    SUBSCRIPTIONS.labels(label).inc()
    return label


def subscription_closed(label: str) -> None:
    SUBSCRIPTIONS.labels(label).dec()


# --- the queue, read at scrape time ---------------------------------------------------------

IN_PROGRESS_PREFIX = "arq:in-progress:"  # arq's key for a job a worker has taken
SCAN_LIMIT = 1000  # due jobs looked at per scrape; enough to tell "stuck" from "busy"


async def refresh_queue(redis: Redis, queue_name: str) -> None:
    """Set the queue gauges from Redis. arq keeps a job in its queue (a sorted set scored by
    the time it is due, in ms) until it finishes; a worker marks the jobs it runs."""
    now_ms = time.time() * 1000
    due = await redis.zrangebyscore(
        queue_name, "-inf", now_ms, start=0, num=SCAN_LIMIT, withscores=True
    )
    deferred = await redis.zcount(queue_name, f"({now_ms}", "+inf")
    running_flags: list[int] = []
    if due:
        async with redis.pipeline(transaction=False) as pipe:
            for job_id, _ in due:
                pipe.exists(IN_PROGRESS_PREFIX + _text(job_id))
            running_flags = await pipe.execute()
    waiting = [score for (_, score), running in zip(due, running_flags, strict=True) if not running]
    QUEUE_JOBS.labels("waiting").set(len(waiting))
    QUEUE_JOBS.labels("running").set(len(due) - len(waiting))
    QUEUE_JOBS.labels("deferred").set(deferred)
    QUEUE_OLDEST_SECONDS.set(max((now_ms - min(waiting)) / 1000, 0.0) if waiting else 0.0)


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


# --- exposition -----------------------------------------------------------------------------


def render(settings: Settings) -> tuple[bytes, str]:
    """The metrics text and its content type: this process's, or with several processes every
    process's, aggregated from the multiprocess directory."""
    if settings.metrics_multiproc_dir is None:
        return generate_latest(REGISTRY), CONTENT_TYPE_LATEST
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(  # type: ignore[no-untyped-call]
        registry, path=str(settings.metrics_multiproc_dir)
    )
    return generate_latest(registry), CONTENT_TYPE_LATEST


@contextlib.contextmanager
def serve_worker(settings: Settings) -> Iterator[int | None]:
    """Serve this worker's metrics on `worker_metrics_port` (if set) until the block ends.
    Yields the port (useful when it was 0: any free port)."""
    if settings.worker_metrics_port is None:
        yield None
        return
    server, thread = start_http_server(
        settings.worker_metrics_port, addr=settings.worker_metrics_host
    )
    try:
        yield int(server.server_port)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def sample(name: str, **labels: str) -> float:
    """The current value of one series in this process (0 when it has none yet): for tests
    and for a quick look from a Python shell."""
    return REGISTRY.get_sample_value(name, labels) or 0.0
