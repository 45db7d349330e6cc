"""Async client for the Druid Overlord (tasks) and Coordinator (segments, datasources).

The SQL side (broker) lives in `core.druid.broker`. The HTTP client is passed in and owned by
the caller (Starlette lifespan, arq on_startup), or created here and closed with `aclose()`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Literal, Self
from urllib.parse import quote

import httpx

from core.druid.errors import DruidError, DruidUnavailable
from core.druid.failures import FailureExplanation, explain_failure, explain_pending
from core.druid.ready import druid_ready, readiness_problems, wait_until_ready
from core.druid.tasks import (
    DruidTaskReport,
    DruidTaskStatus,
    ParseError,
    TaskState,
    parse_report,
)

if TYPE_CHECKING:
    from core.settings import Settings

__all__ = [
    "DruidClient",
    "DruidTaskReport",
    "DruidTaskStatus",
    "FailureExplanation",
    "ParseError",
    "TaskRejected",
    "UnknownDruidTask",
    "druid_ready",
    "explain_failure",
    "explain_pending",
    "readiness_problems",
    "wait_until_ready",
]

# All of time, for Coordinator APIs whose default interval is only the last two weeks.
ALL_TIME = "1000-01-01/3000-01-01"


class TaskRejected(DruidError):
    """Druid refused a request about a task (e.g. an invalid ingestion spec): a bug, not a
    transient fault. `druid_message` is Druid's own explanation."""

    def __init__(self, what: str, *, status: int, druid_message: str) -> None:
        self.what, self.status, self.druid_message = what, status, druid_message
        super().__init__(f"Druid rejected {what} (HTTP {status}): {druid_message}")


class UnknownDruidTask(DruidError):
    """The Overlord has no task with this id (never submitted, or its record was removed)."""

    def __init__(self, task_id: str) -> None:
        self.task_id = task_id
        super().__init__(
            f"Druid has no task {task_id!r}: it was never submitted or its record was cleaned "
            "up. Resubmit the ingestion."
        )


class DruidClient:
    """Overlord + Coordinator HTTP APIs. Every method raises `DruidUnavailable` when Druid
    cannot be reached or answers that it cannot serve (retry later)."""

    def __init__(
        self,
        http: httpx.AsyncClient | None = None,
        *,
        overlord_url: str,
        coordinator_url: str,
        timeout_s: float = 10.0,
    ) -> None:
        self._owns_http = http is None
        self._http = http if http is not None else httpx.AsyncClient()
        self.overlord_url = overlord_url.rstrip("/")
        self.coordinator_url = coordinator_url.rstrip("/")
        self.timeout_s = timeout_s

    @classmethod
    def from_settings(cls, http: httpx.AsyncClient | None, settings: Settings) -> DruidClient:
        """A client for the Druid of `settings`; pass `http=None` to let it own a client."""
        return cls(
            http,
            overlord_url=settings.druid_overlord_url,
            coordinator_url=settings.druid_coordinator_url,
            timeout_s=settings.druid_request_timeout_s,
        )

    async def aclose(self) -> None:
        """Close the HTTP client if this object created it (a passed-in one stays open)."""
        if self._owns_http:
            await self._http.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.aclose()

    # --- tasks (Overlord) ---

    async def submit_task(self, spec: Mapping[str, Any]) -> str:
        """Submit a task; return its id. Idempotent: if a task with the spec's `id` already
        exists (an earlier try got through), that task is the submission."""
        response = await self._request(
            "POST", self.overlord_url, "/druid/indexer/v1/task", json=dict(spec)
        )
        task_id = spec.get("id")
        if response.status_code == 200:
            return str(response.json()["task"])
        message = _druid_message(response)
        if response.status_code == 400 and task_id and "already exists" in message:
            return str(task_id)
        raise TaskRejected(
            f"task {task_id or '(no id)'}", status=response.status_code, druid_message=message
        )

    async def task_status(self, task_id: str) -> DruidTaskStatus:
        """The task's state; raises `UnknownDruidTask` for an unknown id."""
        response = await self._task_get(task_id, "status")
        if response.status_code == 404:
            raise UnknownDruidTask(task_id)
        self._expect_ok(response, f"status of task {task_id}")
        status = response.json().get("status") or {}
        state: TaskState = status.get("statusCode", "RUNNING")
        if state == "RUNNING" and status.get("runnerStatusCode") in ("PENDING", "WAITING"):
            state = status["runnerStatusCode"]
        duration = status.get("duration")
        return DruidTaskStatus(
            task_id=task_id,
            state=state,
            error_message=status.get("errorMsg"),
            duration_ms=duration if isinstance(duration, int) and duration >= 0 else None,
            datasource=status.get("dataSource"),
            created_time=status.get("createdTime"),
        )

    async def task_report(self, task_id: str) -> DruidTaskReport | None:
        """The task's row counts and errors, or None while there is none yet: Druid answers
        404 before the task starts, 500 while the task process starts or exits, and (seen on
        Druid 25, as a task hands its report over) 200 with an empty body."""
        response = await self._task_get(task_id, "reports")
        if response.status_code == 404 or response.status_code >= 500:
            return None
        self._expect_ok(response, f"report of task {task_id}")
        if not response.content.strip():
            return None
        return parse_report(task_id, response.json())

    async def task_log(self, task_id: str, *, tail_bytes: int = 64 * 1024) -> str | None:
        """The last `tail_bytes` of the task log, or None when there is no log (yet)."""
        response = await self._task_get(task_id, "log", params={"offset": -tail_bytes})
        if response.status_code == 404 or response.status_code >= 500:
            return None  # no log (yet), or its MiddleManager is gone with it
        self._expect_ok(response, f"log of task {task_id}")
        return response.text or None

    async def shutdown_task(self, task_id: str) -> None:
        """Ask Druid to stop the task. Stopping a finished or unknown task is not an error."""
        path = f"/druid/indexer/v1/task/{_quote(task_id)}/shutdown"
        response = await self._request("POST", self.overlord_url, path)
        if response.status_code != 404:
            self._expect_ok(response, f"shutdown of task {task_id}")

    async def explain_task_failure(self, task_id: str) -> FailureExplanation:
        """Why a FAILED task failed, from its status, report and log tail."""
        status = await self.task_status(task_id)
        report = await self.task_report(task_id)
        log_tail = await self.task_log(task_id)
        return explain_failure(
            error_message=status.error_message,
            report_error=report.error_message if report else None,
            log_tail=log_tail,
        )

    async def free_slots(self) -> int | None:
        """Free task slots over all MiddleManagers, or None when none is registered."""
        response = await self._request("GET", self.overlord_url, "/druid/indexer/v1/workers")
        self._expect_ok(response, "the list of MiddleManagers")
        workers = response.json()
        if not workers:
            return None
        return sum(
            int(w["worker"]["capacity"]) - int(w.get("currCapacityUsed", 0)) for w in workers
        )

    async def tasks_ahead(self, task_id: str) -> list[str]:
        """The types of the pending tasks the Overlord queued before `task_id` (empty when it
        is not pending): what a task waiting for a slot is waiting behind, e.g. `kill` tasks
        the Coordinator queued after datasources were dropped."""
        pending = await self._pending_tasks()
        created = {t.get("id"): str(t.get("createdTime", "")) for t in pending}
        mine = created.get(task_id)
        if mine is None:
            return []
        return [
            str(t.get("type", "unknown"))
            for t in pending
            if t.get("id") != task_id and created[t.get("id")] < mine
        ]

    async def pending_task_types(self) -> list[str]:
        """The types of the tasks waiting for a slot, oldest first."""
        pending = sorted(await self._pending_tasks(), key=lambda t: str(t.get("createdTime")))
        return [str(t.get("type", "unknown")) for t in pending]

    async def _pending_tasks(self) -> list[dict[str, Any]]:
        response = await self._request("GET", self.overlord_url, "/druid/indexer/v1/pendingTasks")
        self._expect_ok(response, "the list of pending tasks")
        return list(response.json())

    async def running_task_types(self) -> list[str]:
        """The types of the tasks running now: what holds the task slots."""
        response = await self._request(
            "GET", self.overlord_url, "/druid/indexer/v1/tasks", params={"state": "running"}
        )
        self._expect_ok(response, "the list of running tasks")
        return [str(t.get("type", "unknown")) for t in response.json()]

    async def lock_holders(self, task_id: str, datasource: str) -> list[str]:
        """Ids of the other running tasks on `datasource`: what a WAITING task waits for
        (its time-chunk lock)."""
        response = await self._request(
            "GET",
            self.overlord_url,
            "/druid/indexer/v1/tasks",
            params={"state": "running", "datasource": datasource},
        )
        self._expect_ok(response, f"the running tasks of datasource {datasource}")
        return [str(t["id"]) for t in response.json() if t.get("id") != task_id]

    # --- segments and datasources (Coordinator) ---

    async def load_status(
        self, datasource: str, *, interval: str | None = None, refresh: bool = True
    ) -> float | None:
        """Percent of the datasource's used segments (in `interval`, default all time) that
        historicals have loaded, or None when there are no used segments at all.

        `refresh` makes the Coordinator re-read the metadata store first, so segments published
        a moment ago count (otherwise an append can look "loaded" before the Coordinator knows
        its new segments). That is a full metadata poll: on a big cluster poll with
        `refresh=False` once the task report says `segments_available`.
        """
        path = f"/druid/coordinator/v1/datasources/{_quote(datasource)}/loadstatus"
        params = {"forceMetadataRefresh": str(refresh).lower(), "interval": interval or ALL_TIME}
        response = await self._request("GET", self.coordinator_url, path, params=params)
        if response.status_code in (204, 404):
            return None
        self._expect_ok(response, f"load status of datasource {datasource}")
        try:
            return float(response.json()[datasource])
        except (ValueError, KeyError):  # Druid 25 sometimes answers 200 with a text message
            return None

    async def segments_loaded(
        self, datasource: str, *, interval: str | None = None, refresh: bool = True
    ) -> bool:
        """True when every used segment of the datasource (in `interval`) is loaded, i.e.
        queryable. A datasource without used segments has nothing left to load."""
        percent = await self.load_status(datasource, interval=interval, refresh=refresh)
        return percent is None or percent >= 100.0

    async def datasource_exists(self, datasource: str) -> bool:
        """True when the metadata store holds used segments of this datasource."""
        path = f"/druid/coordinator/v1/metadata/datasources/{_quote(datasource)}"
        response = await self._request("GET", self.coordinator_url, path)
        if response.status_code in (204, 404):
            return False
        self._expect_ok(response, f"datasource {datasource}")
        return True

    async def datasource_names(self, *, include_unused: bool = False) -> list[str]:
        """Datasources with used segments; with `include_unused` also those whose segments are
        all unused (dropped, not yet deleted from deep storage)."""
        params = {"includeUnused": ""} if include_unused else None
        path = "/druid/coordinator/v1/metadata/datasources"
        response = await self._request("GET", self.coordinator_url, path, params=params)
        self._expect_ok(response, "the list of datasources")
        return [str(name) for name in response.json()]

    async def drop_datasource(self, datasource: str, *, delete_data: bool = False) -> None:
        """Mark all segments of the datasource unused: it stops being queryable at once.

        Sluice's worker deletes unused segments from deep storage later, one kill task at a
        time while Druid is idle (workers/maintenance.py); `delete_data=True` submits that kill
        task now, which takes a task slot.
        """
        base = f"/druid/coordinator/v1/datasources/{_quote(datasource)}"
        response = await self._request("DELETE", self.coordinator_url, base)
        if response.status_code not in (200, 204, 404):
            self._expect_ok(response, f"dropping datasource {datasource}")
        if delete_data:
            kill = f"{base}/intervals/{ALL_TIME.replace('/', '_')}"
            response = await self._request("DELETE", self.coordinator_url, kill)
            if response.status_code not in (200, 204, 404):
                self._expect_ok(response, f"deleting datasource {datasource}")

    # --- plumbing ---

    async def _task_get(
        self, task_id: str, what: str, *, params: Mapping[str, Any] | None = None
    ) -> httpx.Response:
        path = f"/druid/indexer/v1/task/{_quote(task_id)}/{what}"
        return await self._request("GET", self.overlord_url, path, params=params)

    async def request(
        self, method: str, service: Literal["overlord", "coordinator"], path: str, **kw: Any
    ) -> httpx.Response:
        """A raw call to the Overlord or Coordinator API (for core.druid.segments)."""
        base = self.overlord_url if service == "overlord" else self.coordinator_url
        return await self._request(method, base, path, **kw)

    async def _request(
        self,
        method: str,
        base: str,
        path: str,
        *,
        json: Any = None,
        params: Mapping[str, Any] | None = None,
    ) -> httpx.Response:
        service = "Overlord" if base == self.overlord_url else "Coordinator"
        try:
            response = await self._http.request(
                method,
                base + path,
                json=json,
                params=params,
                timeout=self.timeout_s,
                follow_redirects=True,  # a non-leader Overlord/Coordinator redirects
            )
        except httpx.TransportError as exc:
            raise DruidUnavailable(
                f"{service} at {base}",
                detail=f"{_transport_reason(exc)} — is Druid running? `make run` starts it",
            ) from exc
        if response.status_code in (502, 503, 504):
            raise DruidUnavailable(
                f"{service} at {base}",
                detail=f"HTTP {response.status_code} {_druid_message(response)}".strip(),
            )
        return response

    @staticmethod
    def _expect_ok(response: httpx.Response, what: str) -> None:
        if response.status_code >= 300:
            raise TaskRejected(
                what, status=response.status_code, druid_message=_druid_message(response)
            )


def _quote(value: str) -> str:
    return quote(value, safe="")


def _druid_message(response: httpx.Response) -> str:
    """Druid's error text: the `error` field of a JSON body, or the body itself."""
    try:
        body = response.json()
    except ValueError:
        return response.text.strip()[:2000]
    if isinstance(body, dict):
        return str(body.get("error") or body.get("errorMessage") or body)[:2000]
    return str(body)[:2000]


def _transport_reason(exc: httpx.TransportError) -> str:
    if isinstance(exc, httpx.TimeoutException):
        return "no answer in time"
    cause: BaseException | None = exc
    while cause is not None:  # httpx hides the OS error ("All connection attempts failed")
        if isinstance(cause, ConnectionRefusedError) or "refused" in str(cause).lower():
            return "connection refused"
        cause = cause.__cause__ or cause.__context__
    return f"cannot connect ({exc})" if isinstance(exc, httpx.ConnectError) else str(exc)
