"""Recognise what an upload is from its bytes (never its name) and how its text is laid out."""

from __future__ import annotations

import codecs
import csv
import io
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from core.formats import known_format, looks_like_json
from core.profiling.errors import InputRejected, RejectCode

HEAD_BYTES = 1 << 20  # enough for a header of 2,000 columns x 255 characters
DELIMITERS = (",", ";", "\t", "|")
_SNIFF_RECORDS = 50

_BOMS: tuple[tuple[bytes, str], ...] = (
    (b"\xef\xbb\xbf", "utf-8-sig"),
    (b"\xff\xfe", "utf-16-le"),
    (b"\xfe\xff", "utf-16-be"),
)
_WHAT_TO_DO = "Upload a CSV, TSV, JSON, XLSX or Parquet file (compressed or not)."


@dataclass(frozen=True)
class Detected:
    """The container format and, for text, the encoding found in the first bytes."""

    format: Literal["csv", "json", "xlsx", "parquet"]
    encoding: str | None = None  # "utf-8", "utf-8-sig", "utf-16-le", "utf-16-be", "cp1252"
    cr_lines: bool = False  # lines end in a lone CR (classic Mac): Polars needs LF
    unpacked: bool = False  # the file was unpacked from a compressed upload (archives.py)


@dataclass(frozen=True)
class CsvLayout:
    """Delimiter and raw header names of a UTF-8 CSV file."""

    delimiter: str
    header: tuple[str, ...]
    header_lines: int  # physical lines the header spans (a quoted name may hold a newline)


def detect(path: Path) -> Detected:
    """Tell CSV (with its encoding), JSON, XLSX and Parquet apart by content; reject anything
    else. A compressed upload is unpacked before (archives.py)."""
    with path.open("rb") as f:
        head = f.read(HEAD_BYTES)
    if _blank(head):
        raise InputRejected(
            RejectCode.EMPTY_FILE,
            "The file is empty (it has no bytes, or only blank space or a byte-order mark). "
            "Check that you picked the right file and upload it again.",
        )
    if head.startswith(b"PAR1"):
        return Detected("parquet")
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return Detected("xlsx")  # a zip: xlsx.py decides whether it is really a workbook
    what = known_format(head)
    if what is not None:
        raise InputRejected(
            RejectCode.UNSUPPORTED_FORMAT,
            f"The file's content is {what}, not a table, whatever its name says. {_WHAT_TO_DO}",
        )
    cr_lines = b"\r" in head and b"\n" not in head
    kind: Literal["csv", "json"] = "json" if looks_like_json(head) else "csv"
    for bom, encoding in _BOMS:
        if head.startswith(bom):
            return Detected(kind, encoding, cr_lines)
    if kind == "json":
        return Detected("json", "utf-8")  # JSON is UTF-8 (RFC 8259): a bad line is quarantined
    _reject_binary(head)
    return Detected("csv", "utf-8" if _is_utf8(head) else "cp1252", cr_lines)


def _blank(head: bytes) -> bool:
    """No bytes, or only blank space, after a byte-order mark (UTF-16 text decoded)."""
    for bom, encoding in _BOMS:
        if head.startswith(bom):
            text = head[len(bom) :].decode(encoding.removesuffix("-sig"), errors="replace")
            return not text.strip()
    return not head.strip()


_CONTROL_BYTES = bytes([*range(0, 9), *range(14, 27), *range(28, 32)])


def _reject_binary(head: bytes) -> None:
    """Refuse content that is not text: NUL bytes or more than 1% control characters."""
    if 0 in head:
        half = len(head) // 2 or 1
        even, odd = head[0::2].count(0) / half, head[1::2].count(0) / half
        if max(even, odd) > 0.3 and min(even, odd) < 0.05:
            raise InputRejected(
                RejectCode.UNDECODABLE_TEXT,
                "The file looks like UTF-16 text without a byte-order mark, so its encoding "
                "cannot be told for sure. Save it as UTF-8 (or UTF-16 with a byte-order mark) "
                "and upload it again.",
            )
    controls = len(head) - len(head.translate(None, _CONTROL_BYTES))
    if 0 in head or controls > len(head) // 100:
        raise InputRejected(
            RejectCode.UNSUPPORTED_FORMAT,
            "The file contains binary data, so it is not a CSV text file, whatever its name "
            f"says. {_WHAT_TO_DO}",
        )


def _is_utf8(head: bytes) -> bool:
    # Incremental decoding tolerates a multi-byte character cut at the end of the head.
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
    except UnicodeDecodeError:
        return False
    return True


def read_layout(path: Path, *, delimiter: str | None) -> CsvLayout:
    """Find the delimiter (unless given) and the header of a UTF-8 CSV file."""
    with path.open("rb") as f:
        head = f.read(HEAD_BYTES)
        at_eof = not f.read(1)
    text = codecs.getincrementaldecoder("utf-8-sig")(errors="replace").decode(head, final=at_eof)
    if delimiter is None:
        delimiter = sniff_delimiter(text, complete=at_eof)
    records = _records(text, delimiter, complete=at_eof, limit=2)
    if not records:
        raise InputRejected(
            RejectCode.COLUMN_NAME_TOO_LONG,
            f"The header row is longer than {HEAD_BYTES // 1024} KB. Shorten the column names "
            "or split the file and upload again.",
        )
    header = records[0]
    return CsvLayout(delimiter, tuple(header), 1 + sum(name.count("\n") for name in header))


def sniff_delimiter(text: str, *, complete: bool) -> str:
    """Pick the delimiter that splits the first records into the same, largest number of fields."""
    best, best_score = DELIMITERS[0], (0.0, 0)
    for candidate in DELIMITERS:
        records = _records(text, candidate, complete=complete, limit=_SNIFF_RECORDS)
        if not records or len(records[0]) < 2:
            continue
        width = len(records[0])
        rows = [r for r in records[1:] if r]
        consistent = sum(len(r) == width for r in rows) / len(rows) if rows else 1.0
        score = (consistent, width)
        if score > best_score:
            best, best_score = candidate, score
    return best


def _records(text: str, delimiter: str, *, complete: bool, limit: int) -> list[list[str]]:
    """Parse up to `limit` records; drop the last one if the text may have cut it short."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=False)
    records: list[list[str]] = []
    try:
        for record in reader:
            records.append(record)
            if len(records) > limit:
                break
    except csv.Error:
        pass  # a quote left open inside the head: keep what parsed
    if len(records) > limit:
        return records[:limit]
    if not complete and records:
        records.pop()
    return records
