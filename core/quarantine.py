"""The quarantine file: its layout, and showing people the rows Sluice could not ingest.

The quarantine object (`quarantine/{task_id}/rows.csv`, written by the validator) is a file
a person can fix and upload again into the same dataset: the upload's columns first, in the
upload's order, each row's values exactly as read, then Sluice's bookkeeping columns
`_sluice_row` (1-based data row in the upload), `_sluice_reason` and, only when some row had
more fields than the header, `_sluice_extra_1`... (the surplus fields). Validation leaves
every `_sluice_*` column out of an upload (with a warning), so a fixed file loads with the
dataset's columns only. Files written before this layout (`source_row`, `reason` first) are
still previewed.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from core.storage import ObjectStore

PREVIEW_BYTES = 256 * 1024

BOOKKEEPING_PREFIX = "_sluice_"
ROW_COLUMN = f"{BOOKKEEPING_PREFIX}row"
REASON_COLUMN = f"{BOOKKEEPING_PREFIX}reason"
EXTRA_COLUMN_PREFIX = f"{BOOKKEEPING_PREFIX}extra_"
_LEGACY = ("source_row", "reason")  # the layout before the round trip: these two first


def is_bookkeeping(column: str) -> bool:
    """Whether a column is Sluice's own (quarantine bookkeeping), never a dataset column."""
    return column.startswith(BOOKKEEPING_PREFIX)


@dataclass(frozen=True, slots=True)
class QuarantinedRow:
    source_row: int  # 1-based data row number in the uploaded file
    reason: str
    values: tuple[tuple[str, str], ...]  # (column, raw value) pairs, empty extras left out


async def preview(store: ObjectStore, key: str, *, limit: int) -> list[QuarantinedRow]:
    """The first `limit` quarantined rows, read from the first 256 KB of the object only."""
    head = await store.read_head(key, PREVIEW_BYTES)
    text = head.decode("utf-8", errors="replace")
    if len(head) == PREVIEW_BYTES:
        text = text[: text.rfind("\n") + 1]  # drop a row cut in half by the byte range
    reader = csv.reader(io.StringIO(text))
    header = next(reader, None)
    if not header:
        return []
    if tuple(header[:2]) == _LEGACY:
        row_at, reason_at = 0, 1
    elif ROW_COLUMN in header and REASON_COLUMN in header:
        row_at, reason_at = header.index(ROW_COLUMN), header.index(REASON_COLUMN)
    else:
        return []
    rows: list[QuarantinedRow] = []
    for record in reader:
        if len(rows) >= limit:
            break
        if len(record) <= max(row_at, reason_at):
            continue
        pairs = tuple(
            (name, value)
            for i, (name, value) in enumerate(zip(header, record, strict=False))
            if i not in (row_at, reason_at)
            and (value or not name.startswith(("extra_field_", EXTRA_COLUMN_PREFIX)))
        )
        rows.append(
            QuarantinedRow(source_row=int(record[row_at]), reason=record[reason_at], values=pairs)
        )
    return rows
