"""Exceptions for talking to Druid. Few types, each carrying the data a caller needs."""

from __future__ import annotations


class DruidError(Exception):
    """Base for every failure talking to Druid (broker, overlord or coordinator)."""


class DruidUnavailable(DruidError):
    """Druid could not be reached or answered that it cannot serve right now (retryable)."""

    def __init__(self, service: str, *, detail: str) -> None:
        self.service, self.detail = service, detail
        super().__init__(
            f"Druid {service} is not available: {detail}. "
            "Check that the Druid services are running, then try again."
        )


class QueryTimedOut(DruidError):
    """A SQL query ran longer than its timeout and was cancelled."""

    def __init__(self, query_id: str, *, timeout_ms: int) -> None:
        self.query_id, self.timeout_ms = query_id, timeout_ms
        super().__init__(f"Druid query {query_id} did not finish within {timeout_ms} ms")


class QueryFailed(DruidError):
    """Druid rejected or failed a SQL query; `message` is Druid's own explanation."""

    def __init__(
        self, message: str, *, query_id: str, error_class: str | None = None, status: int = 0
    ) -> None:
        self.message, self.query_id = message, query_id
        self.error_class, self.status = error_class, status
        super().__init__(f"Druid query {query_id} failed ({status}): {message}")
