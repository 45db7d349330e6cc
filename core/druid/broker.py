"""Async client for the Druid SQL API on the broker (`POST /druid/v2/sql`).

Every value travels as a dynamic parameter (`?` + `parameters`); the caller passes SQL text
that contains only quoted, validated identifiers and constants of its own.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import uuid
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import httpx

from core.druid.errors import DruidUnavailable, QueryFailed, QueryTimedOut

if TYPE_CHECKING:
    from core.settings import Settings

# Extra time the HTTP client waits beyond Druid's own timeout, so Druid's (more precise)
# timeout error usually arrives before we give up on the connection ourselves.
_CLIENT_SLACK_S = 2.0
_CANCEL_TIMEOUT_S = 2.0


@dataclass(frozen=True, slots=True)
class SqlParam:
    """One dynamic parameter: a Druid SQL type name (VARCHAR, BIGINT, DOUBLE...) and a value."""

    type: str
    value: str | int | float | bool | None

    def to_json(self) -> dict[str, Any]:
        return {"type": self.type, "value": self.value}


@dataclass(frozen=True, slots=True)
class SqlResult:
    """Rows of a SQL query in array form, plus the header Druid sent.

    `truncated` is True when Druid had more than `max_rows` rows; `rows` then holds the first
    `max_rows` only.
    """

    query_id: str
    columns: list[str]
    druid_types: list[str]
    sql_types: list[str]
    rows: list[list[Any]]
    truncated: bool = False
    context: dict[str, Any] = field(default_factory=dict)


class DruidBroker:
    """Druid SQL over a shared `httpx.AsyncClient` (created and closed by the app lifespan)."""

    def __init__(
        self,
        http: httpx.AsyncClient,
        *,
        url: str,
        default_timeout_ms: int = 15_000,
        default_max_rows: int = 10_000,
    ) -> None:
        self._http = http
        self._url = url.rstrip("/")
        self.default_timeout_ms = default_timeout_ms
        self.default_max_rows = default_max_rows

    @classmethod
    def from_settings(cls, http: httpx.AsyncClient, settings: Settings) -> DruidBroker:
        """A broker client using the URL, timeout and row cap from `settings` (cheap)."""
        return cls(
            http,
            url=settings.druid_broker_url,
            default_timeout_ms=settings.query_timeout_ms,
            default_max_rows=settings.query_max_rows,
        )

    async def sql(
        self,
        query: str,
        parameters: list[SqlParam] | tuple[SqlParam, ...] = (),
        *,
        timeout_ms: int | None = None,
        max_rows: int | None = None,
        query_id: str | None = None,
        context: dict[str, Any] | None = None,
    ) -> SqlResult:
        """Run `query` with `parameters` bound to its `?` placeholders, in order.

        Raises `QueryTimedOut` (after cancelling the query), `QueryFailed` (Druid's message)
        or `DruidUnavailable`.
        """
        timeout_ms = timeout_ms or self.default_timeout_ms
        max_rows = max_rows or self.default_max_rows
        query_id = query_id or f"sluice-{uuid.uuid4().hex}"
        # sqlOuterLimit caps what Druid sends even if the SQL itself has no LIMIT; one extra
        # row tells us that the result was cut.
        ctx = {"sqlQueryId": query_id, "timeout": timeout_ms, "sqlOuterLimit": max_rows + 1}
        ctx.update(context or {})
        body = {
            "query": query,
            "parameters": [p.to_json() for p in parameters],
            "resultFormat": "array",
            "header": True,
            "typesHeader": True,
            "sqlTypesHeader": True,
            "context": ctx,
        }
        response = await self._post(body, query_id=query_id, timeout_ms=timeout_ms)
        return _parse_result(response, query_id=query_id, max_rows=max_rows, context=ctx)

    async def native(self, query: dict[str, Any]) -> Any:
        """Run a native (JSON) query; for what SQL cannot say, e.g. which segments hold rows
        (`bySegment`). Raises `QueryFailed` or `DruidUnavailable`."""
        try:
            response = await self._http.post(
                f"{self._url}/druid/v2", json=query, timeout=self.default_timeout_ms / 1000
            )
        except httpx.TransportError as exc:
            raise DruidUnavailable("broker", detail=f"{type(exc).__name__}: {exc}") from exc
        if response.status_code != 200:
            _raise_for_error(response, query_id="native", timeout_ms=self.default_timeout_ms)
        return response.json()

    async def cancel(self, query_id: str) -> None:
        """Ask the broker to cancel a running query; best effort, never raises."""
        with contextlib.suppress(httpx.HTTPError):
            await self._http.delete(
                f"{self._url}/druid/v2/sql/{query_id}", timeout=_CANCEL_TIMEOUT_S
            )

    async def _post(
        self, body: dict[str, Any], *, query_id: str, timeout_ms: int
    ) -> httpx.Response:
        try:
            response = await self._http.post(
                f"{self._url}/druid/v2/sql",
                json=body,
                timeout=timeout_ms / 1000 + _CLIENT_SLACK_S,
            )
        except httpx.TimeoutException as exc:
            await self.cancel(query_id)
            raise QueryTimedOut(query_id, timeout_ms=timeout_ms) from exc
        except httpx.TransportError as exc:
            raise DruidUnavailable("broker", detail=f"{type(exc).__name__}: {exc}") from exc
        except asyncio.CancelledError:
            # The caller went away (client disconnected): do not leave the query running.
            await asyncio.shield(self.cancel(query_id))
            raise
        if response.status_code != 200:
            _raise_for_error(response, query_id=query_id, timeout_ms=timeout_ms)
        return response


def _raise_for_error(response: httpx.Response, *, query_id: str, timeout_ms: int) -> None:
    try:
        payload = response.json()
    except ValueError:
        payload = {}
    if not isinstance(payload, dict):
        payload = {}
    error = str(payload.get("error") or "")
    message = str(payload.get("errorMessage") or error or response.text[:500] or "no details")
    error_class = payload.get("errorClass")
    status = response.status_code
    if status == 504 or error == "Query timeout" or str(error_class).endswith("TimeoutException"):
        raise QueryTimedOut(query_id, timeout_ms=timeout_ms)
    if status in (502, 503) or (status == 429 and "capacity" in message.lower()):
        raise DruidUnavailable("broker", detail=f"HTTP {status}: {message}")
    raise QueryFailed(message, query_id=query_id, error_class=error_class, status=status)


def _parse_result(
    response: httpx.Response, *, query_id: str, max_rows: int, context: dict[str, Any]
) -> SqlResult:
    try:
        payload = json.loads(response.content)
    except ValueError as exc:
        # Druid streams results; an error after the first byte leaves the JSON unterminated.
        raise QueryFailed(
            "Druid stopped sending results part-way through (the query failed while running)",
            query_id=query_id,
            status=response.status_code,
        ) from exc
    if not isinstance(payload, list) or len(payload) < 3:
        raise QueryFailed(
            f"unexpected response shape from Druid: {str(payload)[:200]}",
            query_id=query_id,
            status=response.status_code,
        )
    columns, druid_types, sql_types, *rows = payload
    truncated = len(rows) > max_rows
    return SqlResult(
        query_id=query_id,
        columns=columns,
        druid_types=druid_types,
        sql_types=sql_types,
        rows=rows[:max_rows] if truncated else rows,
        truncated=truncated,
        context=context,
    )
