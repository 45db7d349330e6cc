"""Dashboard queries: typed model, Druid SQL compiler, execution and column-oriented results.

Entry points: `run_timeseries`, `run_topn`, `run_groupby` (service.py); the compiler
(`compile_*`) is pure and unit-tested without Druid.
"""

from __future__ import annotations

from core.queries.errors import (
    InvalidQuery,
    QueryProblem,
    QueryTimeout,
    QueryUnavailable,
    ResultTooLarge,
    UnknownColumn,
    UnknownDatasource,
)
from core.queries.service import (
    DatasetLookup,
    QueryLimits,
    QueryRuntime,
    run_groupby,
    run_timeseries,
    run_topn,
)

__all__ = [
    "DatasetLookup",
    "InvalidQuery",
    "QueryLimits",
    "QueryProblem",
    "QueryRuntime",
    "QueryTimeout",
    "QueryUnavailable",
    "ResultTooLarge",
    "UnknownColumn",
    "UnknownDatasource",
    "run_groupby",
    "run_timeseries",
    "run_topn",
]
