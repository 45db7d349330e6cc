"""Column-name rules shared by every format: named, unique, short enough, not too many."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from core.profiling.errors import InputRejected, RejectCode
from core.profiling.result import Limits


@dataclass(frozen=True)
class Header:
    """Checked column names; `unnamed` are the names given to blank header cells."""

    names: tuple[str, ...]
    unnamed: tuple[str, ...] = ()


def check_header(names: Sequence[str], *, limits: Limits) -> Header:
    """Return the column names with surrounding blanks removed, or reject the file.

    A blank name (a trailing delimiter, a pandas index column) becomes `column_7` after its
    1-based position, as a person counts columns in a spreadsheet (positions in messages too).
    """
    if len(names) > limits.max_columns:
        raise InputRejected(
            RejectCode.TOO_MANY_COLUMNS,
            f"The file has {len(names):,} columns; Sluice accepts at most "
            f"{limits.max_columns:,}. Remove columns or split the file, then upload again.",
        )
    stripped = [name.strip() for name in names]
    taken = set(stripped)
    unnamed = []
    for i, name in enumerate(stripped):
        if not name:
            stripped[i] = _free(f"column_{i + 1}", taken)
            unnamed.append(stripped[i])
    clean = tuple(stripped)
    for i, name in enumerate(clean, start=1):
        if len(name) > limits.max_column_name_length:
            raise InputRejected(
                RejectCode.COLUMN_NAME_TOO_LONG,
                f"The name of column {i} ('{name[:40]}…') is {len(name):,} characters long; "
                f"the limit is {limits.max_column_name_length}. Shorten it and upload again.",
            )
    seen: dict[str, int] = {}
    for i, name in enumerate(clean, start=1):
        if name in seen:
            raise InputRejected(
                RejectCode.DUPLICATE_COLUMN_NAME,
                f"Columns {seen[name]} and {i} are both called '{name}'. Rename one of them "
                "and upload again.",
            )
        seen[name] = i
    return Header(clean, tuple(unnamed))


def _free(name: str, taken: set[str]) -> str:
    while name in taken:
        name = f"_{name}"
    taken.add(name)
    return name
