"""Column-name rules shared by every format: present, unique, short enough, not too many."""

from __future__ import annotations

from collections.abc import Sequence

from core.profiling.errors import InputRejected, RejectCode
from core.profiling.result import Limits


def check_header(names: Sequence[str], *, limits: Limits) -> tuple[str, ...]:
    """Return the column names with surrounding blanks removed, or reject the file.

    Positions in messages are 1-based, as a person counts columns in a spreadsheet.
    """
    if len(names) > limits.max_columns:
        raise InputRejected(
            RejectCode.TOO_MANY_COLUMNS,
            f"The file has {len(names):,} columns; Sluice accepts at most "
            f"{limits.max_columns:,}. Remove columns or split the file, then upload again.",
        )
    clean = tuple(name.strip() for name in names)
    blank = [i for i, name in enumerate(clean, start=1) if not name]
    if blank:
        raise InputRejected(
            RejectCode.BLANK_COLUMN_NAME,
            f"{_positions('Column', blank)} {'has' if len(blank) == 1 else 'have'} no name in "
            "the header row. Give every column a name in the first row and upload again.",
        )
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
    return clean


def _positions(noun: str, positions: list[int]) -> str:
    if len(positions) == 1:
        return f"{noun} {positions[0]}"
    if len(positions) > 10:
        shown = ", ".join(str(p) for p in positions[:10])
        return f"{noun}s {shown} and {len(positions) - 10} more"
    return f"{noun}s {', '.join(str(p) for p in positions[:-1])} and {positions[-1]}"
