"""Showing people the rows Sluice could not ingest: a preview and a download link.

The quarantine object (`quarantine/{task_id}/rows.csv`, written by the validator) is a CSV
with `source_row`, `reason`, then the row's raw values under the file's column names.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from core.storage import ObjectStore

PREVIEW_BYTES = 256 * 1024


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
    if not header or header[:2] != ["source_row", "reason"]:
        return []
    rows: list[QuarantinedRow] = []
    for record in reader:
        if len(rows) >= limit:
            break
        if len(record) < 2:
            continue
        pairs = tuple(
            (name, value)
            for name, value in zip(header[2:], record[2:], strict=False)
            if value or not name.startswith("extra_field_")
        )
        rows.append(QuarantinedRow(source_row=int(record[0]), reason=record[1], values=pairs))
    return rows
