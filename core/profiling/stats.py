"""Typed statistics of a pass over the data: row counts and per-column statistics.

Inside a pass the statistics are named Polars aggregates (one query needs one name per
result: `rows`, `c3:min`, `c3:misfit_long`, ...). `RowCounts.of` and `Stats.of` are the only
readers of those names: everything after a pass (settling types, the profile, the warnings,
the decision to let Druid read the upload) works on these dataclasses.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields
from typing import Any


@dataclass(frozen=True)
class RowCounts:
    """Rows of the whole file, and why the bad ones are bad (quarantine.py)."""

    rows: int = 0
    bad: int = 0
    empty: int = 0
    too_many: int = 0
    too_few: int = 0
    line_breaks: int = 0
    short_suspects: int = 0  # rows ending in an empty field: maybe short (quarantine.py)
    dropped_values: int = 0  # values in the columns the plan left out
    time_missing: int = 0
    time_unreadable: int = 0
    # Rows each other candidate time format could not read (the plan's formats[1:]).
    time_misfits: tuple[int, ...] = ()
    extra: Mapping[str, int] = field(default_factory=dict)  # aggregates a caller took along

    @property
    def time_unread(self) -> int:
        """Rows without a readable time in the chosen format."""
        return self.time_missing + self.time_unreadable

    @classmethod
    def of(cls, totals: Mapping[str, Any], *, extra: Iterable[str] = ()) -> RowCounts:
        """The counts named `rows`, `bad`, ..., `time_misfit1`, ... in `totals`."""
        named = {f.name for f in fields(cls)} - {"time_misfits", "extra"}
        misfits = sorted(
            (int(name.removeprefix("time_misfit")), int(value or 0))
            for name, value in totals.items()
            if name.startswith("time_misfit")
        )
        return cls(
            **{name: int(totals.get(name) or 0) for name in named},
            time_misfits=tuple(value for _, value in misfits),
            extra={name: int(totals.get(name) or 0) for name in extra},
        )


@dataclass(frozen=True)
class ColumnStats:
    """One column's statistics over the valid rows."""

    nulls: int = 0  # empty values
    tokens: int = 0  # null tokens (values.py), nulls too
    null_tokens: frozenset[str] = frozenset()
    distinct: int = 0
    min: Any = None  # in the column's type (epoch milliseconds for times)
    max: Any = None
    true: int = 0  # BOOLEAN
    sum: int | float | None = None  # LONG (exact) and DOUBLE
    non_empty: int = 0  # STRING
    length: int = 0  # STRING: characters
    # Values that did not read as the planned type, by check: "long", "double", "inexact",
    # "boolean", "time0", "time1", ... (types.check_exprs)
    misfits: Mapping[str, int] = field(default_factory=dict)

    @classmethod
    def of(cls, named: Mapping[str, Any]) -> ColumnStats:
        """From one column's aggregates, named without their column key (`min`, ...)."""
        count = {
            name: int(named.get(source) or 0)
            for name, source in (
                ("nulls", "nulls"),
                ("tokens", "tokens"),
                ("distinct", "distinct"),
                ("true", "true"),
                ("non_empty", "non_empty"),
                ("length", "length"),
            )
        }
        return cls(
            **count,
            null_tokens=frozenset(named.get("null_tokens") or ()),
            min=named.get("min"),
            max=named.get("max"),
            sum=named.get("sum"),
            misfits={
                name.removeprefix("misfit_"): int(value or 0)
                for name, value in named.items()
                if name.startswith("misfit_")
            },
        )


@dataclass(frozen=True)
class Stats:
    """Statistics of the valid rows: their count and each column's, by column key."""

    rows_valid: int = 0
    columns: Mapping[str, ColumnStats] = field(default_factory=dict)

    def column(self, key: str) -> ColumnStats:
        return self.columns.get(key, ColumnStats())

    def updated(self, other: Stats) -> Stats:
        """These statistics with `other`'s columns instead of the same ones here."""
        return Stats(self.rows_valid, {**self.columns, **other.columns})

    @classmethod
    def of(cls, aggregates: Mapping[str, Any]) -> Stats:
        """From aggregates named `rows_valid` and `{column key}:{statistic}`."""
        by_key: dict[str, dict[str, Any]] = {}
        for name, value in aggregates.items():
            key, sep, statistic = name.partition(":")
            if sep:
                by_key.setdefault(key, {})[statistic] = value
        return cls(
            int(aggregates.get("rows_valid") or 0),
            {key: ColumnStats.of(named) for key, named in by_key.items()},
        )
