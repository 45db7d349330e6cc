"""JSON uploads: JSON Lines (NDJSON) and a top-level array of objects, read as a text table.

`json_to_csv` streams the records into a CSV copy in the work directory, which is then
validated exactly like an uploaded CSV: the same type rules (values.py), quarantine,
profile and staged CSV. Every value keeps its JSON text: numbers as written (`1.0`, `1e3`,
`12345678901234567890` reach values.py unchanged, so a number a double would round stays
text), `true`/`false`, strings as they are, null (and a missing key) as an empty field.
Nested objects are flattened to dotted names (`{"user": {"id": 7}}` is column `user.id`);
arrays, and empty objects, are kept as compact JSON text (`[1,2]`).

Rows are numbered as a person finds them: in JSON Lines the line number (a blank line is an
empty row, quarantined like a blank CSV line), in an array the element's position. A line
that is not valid JSON, or not an object, is set aside as a quarantined row with its
number, the reason and its text (repair.with_malformed counts it in). A broken array
cannot be read past the break, so it refuses the file.

Memory holds one record (`Limits.max_json_record_bytes`) and the column names. The columns
are those of every record, in order of first appearance; rows written before a column
appeared are padded by one Polars pass over the copy (only when that happened).
"""

from __future__ import annotations

import codecs
import csv
import json
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, BinaryIO

import polars as pl

from core.profiling.errors import InputRejected, RejectCode
from core.profiling.readers import Source, open_csv
from core.profiling.repair import Repaired, with_malformed
from core.profiling.result import Limits, ValidationResult
from core.profiling.transcode import to_utf8

CONVERTED = "source.json.csv"
_BODY = "source.json.body.csv"
_MAX_TEXT = 300
_CHUNK = 1 << 20
_WHAT_TO_DO = (
    "Sluice reads JSON Lines (one object per line) and a JSON array of objects (`[{...}, {...}]`)."
)


class _Number(str):
    """A JSON number, kept as written."""


_DECODER = json.JSONDecoder(parse_int=_Number, parse_float=_Number, parse_constant=_Number)


@dataclass
class Converted:
    """The CSV copy (its rows numbered as the upload's) and the records set aside."""

    repaired: Repaired
    rows: int  # rows in the copy
    records: int  # lines or elements that are not blank
    shape: str  # "JSON Lines" or "JSON array"


def json_to_csv(path: Path, *, limits: Limits, out_dir: Path) -> Converted:
    """Write the JSON at `path` (UTF-8) as a CSV table into `out_dir` (module docstring)."""
    with path.open("rb") as f:
        head = f.read(_CHUNK).removeprefix(b"\xef\xbb\xbf").lstrip()
        f.seek(0)
        if head.startswith(b"["):
            records, shape = _array_records(f, limits=limits), "JSON array"
        else:
            _check_lines(head)
            records, shape = _line_records(f, limits=limits), "JSON Lines"
        converted = _write(records, out_dir=out_dir, limits=limits, shape=shape)
    if shape == "JSON Lines" and converted.records == 1:
        raise _single_object()
    return converted


def _check_lines(head: bytes) -> None:
    """Refuse JSON that is not one object per line: one document spread over lines."""
    first = head.split(b"\n", 1)[0].decode("utf-8", errors="replace")
    try:
        value = _DECODER.decode(first)
    except json.JSONDecodeError:
        value = None
    if not isinstance(value, dict):
        raise InputRejected(
            RejectCode.UNSUPPORTED_FORMAT,
            "The file's content is a JSON document spread over several lines, not a table "
            f"of rows. {_WHAT_TO_DO} Write one object per line (for example with "
            "`jq -c '.[]'`, or `jq -c .` for a series of objects) and upload again.",
        )


def _single_object() -> InputRejected:
    return InputRejected(
        RejectCode.UNSUPPORTED_FORMAT,
        "The file's content is a single JSON object, not a table of rows (often an error "
        f"message saved under another name). {_WHAT_TO_DO} If it really is one row, put it in "
        "brackets (`[{...}]`) and upload again.",
    )


_BLANK = "blank line"
# A record: (row number, the object or None when set aside, why, its text).
_Record = tuple[int, dict[str, Any] | None, str, str]


def _line_records(f: BinaryIO, *, limits: Limits) -> Iterator[_Record]:
    most = limits.max_json_record_bytes
    for number, line in enumerate(iter(lambda: f.readline(most + 1), b""), start=1):
        if len(line) > most and not line.endswith(b"\n"):
            _skip_rest_of_line(f)
            yield number, None, f"line {number} is longer than {most / 1024**2:,.0f} MB", ""
            continue
        try:
            text = line.decode("utf-8-sig" if number == 1 else "utf-8")
        except UnicodeDecodeError as exc:
            yield number, None, f"line {number} is not UTF-8 text ({exc.reason})", ""
            continue
        if not text.strip():
            yield number, {}, _BLANK, ""  # an empty row, quarantined as in a CSV
            continue
        try:
            value = _DECODER.decode(text)
        except json.JSONDecodeError as exc:
            yield number, None, f"line {number} is not valid JSON ({exc.msg})", text.rstrip()
            continue
        yield _record(value, number, f"line {number}", text.rstrip())


def _skip_rest_of_line(f: BinaryIO) -> None:
    while (part := f.readline(_CHUNK)) and not part.endswith(b"\n"):
        pass


def _record(value: Any, number: int, where: str, text: str) -> _Record:
    if isinstance(value, dict):
        return number, value, "", ""
    return number, None, f"{where} is {_kind(value)}, not an object", text


def _kind(value: Any) -> str:
    if isinstance(value, list):
        return "an array"
    if isinstance(value, _Number):
        return "a number"
    if isinstance(value, str):
        return "a string"
    return "null" if value is None else "true or false"


def _array_records(f: BinaryIO, *, limits: Limits) -> Iterator[_Record]:
    """The elements of a top-level array, parsed one at a time from a sliding buffer."""
    read = _utf8_reader(f)
    buffer, at, eof, want = "", 0, False, _CHUNK
    number, started, need_comma = 0, False, False
    while True:
        if len(buffer) - at < want and not eof:
            chunk = read(want)
            eof = not chunk
            buffer, at = buffer[at:] + chunk, 0
        at = _skip_blank(buffer, at)
        if at >= len(buffer):
            if eof:
                raise _broken_array(number, "it ends before its closing ']'")
            continue
        char = buffer[at]
        if not started:  # the opening bracket (the caller saw it)
            at, started = at + 1, True
        elif char == "]" and (need_comma or not number):
            _check_end(buffer[at + 1 :], read, eof=eof, number=number)
            return
        elif need_comma:
            if char != ",":
                raise _broken_array(number, f"expected ',' or ']' but found {char!r}")
            at, need_comma = at + 1, False
        else:
            try:
                value, end = _DECODER.raw_decode(buffer, at)
            except json.JSONDecodeError as exc:
                if eof:
                    raise _broken_array(number, exc.msg) from exc
                end = -1
            if end < 0 or (end == len(buffer) and not eof):  # maybe cut short: read more
                if len(buffer) - at > limits.max_json_record_bytes:
                    most = limits.max_json_record_bytes / 1024**2
                    raise _broken_array(
                        number, f"element {number + 1} is larger than {most:,.0f} MB"
                    )
                want *= 2  # a long element: read twice as much before parsing it again
                continue
            number, want, need_comma = number + 1, _CHUNK, True
            yield _record(value, number, f"element {number}", buffer[at:end])
            at = end


def _utf8_reader(f: BinaryIO) -> Callable[[int], str]:
    decoder = codecs.getincrementaldecoder("utf-8-sig")(errors="strict")

    def read(size: int) -> str:
        data = f.read(size)
        try:
            return decoder.decode(data, final=not data)
        except UnicodeDecodeError as exc:
            raise InputRejected(
                RejectCode.UNDECODABLE_TEXT,
                f"The JSON file is not UTF-8 text (near byte {f.tell():,}: {exc.reason}). "
                "Save it as UTF-8 and upload again.",
            ) from exc

    return read


def _skip_blank(buffer: str, at: int) -> int:
    while at < len(buffer) and buffer[at] in " \t\r\n":
        at += 1
    return at


def _check_end(rest: str, read: Callable[[int], str], *, eof: bool, number: int) -> None:
    """Only blank space may follow the closing bracket."""
    while not rest.strip() and not eof:
        rest = read(_CHUNK)
        eof = not rest
    if rest.strip():
        raise _broken_array(number, "there is more after its closing ']'")


def _broken_array(number: int, why: str) -> InputRejected:
    return InputRejected(
        RejectCode.INVALID_JSON,
        f"The JSON array cannot be read past element {number:,}: {why}. Nothing was ingested. "
        "Fix the file (or write it as JSON Lines, one object per line, where one broken "
        "line is only quarantined) and upload again.",
    )


def _write(records: Iterator[_Record], *, out_dir: Path, limits: Limits, shape: str) -> Converted:
    """The records as CSV rows under the columns of all of them (see module docstring)."""
    columns: dict[str, int] = {}
    repaired = Repaired(out_dir / CONVERTED)
    rows = short = filled = 0
    body = out_dir / _BODY
    with body.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out, lineterminator="\n")
        for number, value, why, text in records:
            flat = _flat(value) if value is not None else None
            if isinstance(flat, str):
                why, flat, text = flat, None, _dump(value)
            if flat is None:
                repaired.malformed.append((number, why, text[:_MAX_TEXT]))
                continue
            for name in flat:
                if name not in columns:
                    columns[name] = len(columns)
                    short = rows
                    if len(columns) > limits.max_columns:
                        raise _too_many_columns(limits)
            row: list[str | None] = [None] * len(columns)
            for name, cell in flat.items():
                row[columns[name]] = cell
            writer.writerow(row)
            rows += 1
            filled += why != _BLANK
    if not columns:
        raise _no_objects(shape, repaired)
    _with_header(body, repaired.path, list(columns), padded=short > 0)
    return Converted(repaired, rows, filled + len(repaired.malformed), shape)


def _with_header(body: Path, target: Path, names: list[str], *, padded: bool) -> None:
    """Write `target`: the header, then the body; rows short of later columns padded."""
    if padded:
        schema = dict.fromkeys(names, pl.String())
        scan = pl.scan_csv(body, has_header=False, schema=schema, missing_columns="insert")
        scan.sink_csv(target)
    else:
        with target.open("w", encoding="utf-8", newline="") as out:
            csv.writer(out, lineterminator="\n").writerow(names)
            with body.open(encoding="utf-8", newline="") as rest:
                shutil.copyfileobj(rest, out, _CHUNK)
    body.unlink()


def _flat(value: dict[str, Any]) -> dict[str, str | None] | str:
    """The object's values by dotted column name, as text; a string says why it cannot be."""
    out: dict[str, str | None] = {}
    stack: list[tuple[str, dict[str, Any]]] = [("", value)]
    while stack:
        prefix, obj = stack.pop()
        for key, item in obj.items():
            name = prefix + key
            if isinstance(item, dict) and item:
                stack.append((name + ".", item))
                continue
            if name in out:
                return f"two keys both make the column '{name}' (a dotted key beside a nested one)"
            out[name] = _text(item)
    return out


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):  # a _Number too: its text as written
        return str(value)
    return _dump(value)


def _dump(value: Any) -> str:
    """Compact JSON text of an array or object, numbers as written."""
    if isinstance(value, _Number):
        return str(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list):
        return "[" + ",".join(_dump(v) for v in value) + "]"
    if isinstance(value, dict):
        items = (json.dumps(k, ensure_ascii=False) + ":" + _dump(v) for k, v in value.items())
        return "{" + ",".join(items) + "}"
    return json.dumps(value)


def _too_many_columns(limits: Limits) -> InputRejected:
    return InputRejected(
        RejectCode.TOO_MANY_COLUMNS,
        f"The JSON records have more than {limits.max_columns:,} different keys (nested keys "
        "count as columns of their own); Sluice accepts at most that many columns. Remove "
        "keys or split the records, then upload again.",
    )


def _no_objects(shape: str, repaired: Repaired) -> InputRejected:
    first = repaired.malformed[0][1] if repaired.malformed else "it holds no records"
    return InputRejected(
        RejectCode.NO_VALID_ROWS,
        f"The {shape} file holds not a single object to read as a row ({first}). "
        f"{_WHAT_TO_DO} Fix the file and upload again.",
    )


def validate_json(
    path: Path,
    *,
    encoding: str | None,
    limits: Limits,
    out_dir: Path,
    check: Callable[[Source], ValidationResult],
) -> ValidationResult:
    """Validate a JSON upload: its CSV copy through `check` (the pipeline's, as for any CSV),
    then the set-aside records counted in and the profile saying JSON."""
    if encoding not in (None, "utf-8", "utf-8-sig"):  # UTF-16 with a byte-order mark
        path, _ = to_utf8(path, encoding=encoding, out_dir=out_dir)
    converted = json_to_csv(path, limits=limits, out_dir=out_dir)
    copy = converted.repaired.path
    try:
        source = open_csv(copy, encoding="utf-8", delimiter=",", limits=limits, rewritten=True)
        result = check(source)
    finally:
        copy.unlink(missing_ok=True)
    count = len(converted.repaired.malformed)
    warning = (
        f"{count:,} record(s) of the {converted.shape} file are not JSON objects (not valid "
        "JSON, another kind of value, or keys that clash once flattened) and were quarantined "
        "with their text; the other records were read as usual."
    )
    result = with_malformed(result, converted.repaired, out_dir=out_dir, warning=warning)
    profile = replace(result.profile, format="json", delimiter=None)
    return replace(result, profile=profile)
