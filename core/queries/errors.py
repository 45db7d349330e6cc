"""Expected failures of a dashboard query. The schema turns each into a typed GraphQL error.

Each carries the data a client needs to fix its request, and a message a person can act on.
"""

from __future__ import annotations


class QueryProblem(Exception):
    """Base: a query Sluice will not or could not run, for a reason the caller can fix."""

    def __init__(self, message: str) -> None:
        self.message = message
        super().__init__(message)


class UnknownDatasource(QueryProblem):
    """The datasource is neither in the metadata store nor in Druid."""

    def __init__(self, datasource: str, *, available: list[str]) -> None:
        self.datasource, self.available = datasource, available
        hint = (
            f" Known datasources: {', '.join(available[:20])}."
            if available
            else " No datasource has been ingested yet: upload a file first."
        )
        super().__init__(f"There is no datasource named {datasource!r}.{hint}")


class UnknownColumn(QueryProblem):
    """A column named in the query does not exist in the datasource."""

    def __init__(self, column: str, *, datasource: str, available: list[str], role: str) -> None:
        self.column, self.datasource, self.available = column, datasource, available
        super().__init__(
            f"The {role} column {column!r} does not exist in datasource {datasource!r}. "
            f"Its columns are: {', '.join(available[:50])}."
        )


class InvalidQuery(QueryProblem):
    """The query is well-formed GraphQL but asks for something that cannot be computed."""

    def __init__(self, message: str, *, argument: str | None = None) -> None:
        self.argument = argument
        super().__init__(message)


class QueryTimeout(QueryProblem):
    """Druid did not answer within the configured timeout; the query was cancelled."""

    def __init__(self, *, timeout_ms: int) -> None:
        self.timeout_ms = timeout_ms
        super().__init__(
            f"The query took longer than {timeout_ms / 1000:g} s and was cancelled. "
            "Narrow the interval, add filters or choose a coarser granularity."
        )


class ResultTooLarge(QueryProblem):
    """The result has more rows than Sluice returns in one response."""

    def __init__(self, *, max_rows: int, hint: str) -> None:
        self.max_rows = max_rows
        super().__init__(f"The result has more than {max_rows} rows. {hint}")


class QueryUnavailable(QueryProblem):
    """Druid could not run the query right now (down, overloaded, or failed internally)."""
