"""Compressed and archived uploads: unpack to a local file, bounded, before anything else.

gzip, bzip2, xz and zstd around any supported file, and a `.zip` holding one table file, are
told by their magic bytes (never the name) and decompressed chunk by chunk into the work
directory while the bytes are counted: memory stays at one chunk, and a bomb is stopped at
the first chunk past the bound, never unpacked whole. The bound is an absolute size
(`Limits.max_decompressed_bytes`) and a ratio to the compressed size
(`Limits.max_decompression_ratio`, applied past `RATIO_FLOOR`: a small file of repeated rows
may well shrink 1,000 times, a bomb is only a threat when it is big).

The unpacked file is then validated like any upload. Druid reads .gz/.bz2/.xz/.zst itself,
but it would read the raw object without the checks, so Sluice stages what it validated.
An XLSX is a zip too: a zip with workbook parts (or an Excel name) is left to xlsx.py.
"""

from __future__ import annotations

import bz2
import gzip
import lzma
import zipfile
import zlib
from dataclasses import dataclass, replace
from pathlib import Path, PurePosixPath
from typing import IO, BinaryIO, cast

import zstandard

from core.errors import clean_foreign_text
from core.profiling.errors import InputRejected, RejectCode
from core.profiling.result import Limits, ValidationResult

UNPACKED = "unpacked-"  # the unpacked file's name starts so (validated, then staged)
RATIO_FLOOR = 64 << 20  # below this many unpacked bytes the ratio is not checked
_CHUNK = 1 << 20
_EXCEL_SUFFIXES = (".xlsx", ".xlsm")
# Members that are not data: folders, macOS resource forks, hidden files.
_TABLE_SUFFIXES = {
    ".csv", ".tsv", ".tab", ".txt", ".psv", ".dat",
    ".json", ".jsonl", ".ndjson", ".parquet", ".xlsx", ".xlsm",
}  # fmt: skip

_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"\x1f\x8b", "gzip"),
    (b"BZh", "bzip2"),
    (b"\xfd7zXZ\x00", "xz"),
    (b"\x28\xb5\x2f\xfd", "zstd"),
)
_DAMAGED = (OSError, EOFError, zlib.error, lzma.LZMAError, zstandard.ZstdError, zipfile.BadZipFile)


@dataclass(frozen=True)
class Unpacked:
    """The file to validate: the upload itself, or what its compression or zip held."""

    path: Path
    compression: str | None = None  # "gzip", "bzip2", "xz", "zstd", "zip"
    member: str | None = None  # zip: the member taken
    packed_bytes: int = 0
    unpacked_bytes: int = 0

    def __enter__(self) -> Unpacked:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.compression is not None:
            self.path.unlink(missing_ok=True)

    def noted(self, result: ValidationResult) -> ValidationResult:
        """`result` with a note in its profile on what was unpacked (none for a plain file)."""
        if self.compression is None:
            return result
        inside = f"'{self.member}' from the zip archive" if self.member else "the file inside"
        note = (
            f"The upload is {self.compression}-compressed: Sluice unpacked it "
            f"({_mb(self.packed_bytes)} to {_mb(self.unpacked_bytes)}) and read {inside}."
        )
        profile = replace(result.profile, warnings=(*result.profile.warnings, note))
        return replace(result, profile=profile)


def compression_of(head: bytes) -> str | None:
    """The compression a file's first bytes show ("gzip", "zip", ...), else None."""
    for magic, name in _MAGIC:
        if head.startswith(magic):
            return name
    return "zip" if head.startswith((b"PK\x03\x04", b"PK\x05\x06")) else None


def unpack(path: Path, *, limits: Limits, out_dir: Path) -> Unpacked:
    """`path` itself when it is not compressed (or is an XLSX); otherwise the unpacked file in
    `out_dir`, named after the upload without its compression suffix (or the zip member)."""
    with path.open("rb") as f:
        head = f.read(8)
    compression = compression_of(head)
    if compression is None:
        return Unpacked(path)
    packed = path.stat().st_size
    if compression == "zip":
        return _unzip(path, limits=limits, out_dir=out_dir, packed=packed)
    target = out_dir / _inner_name(path.name)
    with path.open("rb") as raw:
        try:
            with _decompressing(compression, raw) as stream:
                size = _copy(stream, target, limits=limits, packed=packed, what=compression)
        except _DAMAGED as exc:
            raise _damaged(compression, exc) from exc
    _refuse_nested(target, compression)
    return Unpacked(target, compression, None, packed, size)


def _decompressing(compression: str, raw: BinaryIO) -> IO[bytes]:
    """A reader of the decompressed bytes (every stream of a multi-stream file)."""
    if compression == "gzip":
        stream: object = gzip.GzipFile(fileobj=raw)
    elif compression == "bzip2":
        stream = bz2.BZ2File(raw)
    elif compression == "xz":
        stream = lzma.LZMAFile(raw)  # noqa: SIM115 (the caller closes it)
    else:
        stream = _Zstd(raw)
    return cast(IO[bytes], stream)


class _Zstd:
    """zstd frames one after another, bounded reads like the other readers. zstandard's
    readers end quietly where a stream is cut short, so `_zstd_complete` walks the frames'
    block headers first (no decompression: a seek per block) and a cut is EOFError."""

    def __init__(self, raw: BinaryIO) -> None:
        _zstd_complete(raw)
        raw.seek(0)
        self._reader = zstandard.ZstdDecompressor().stream_reader(raw, read_across_frames=True)

    def __enter__(self) -> _Zstd:
        return self

    def __exit__(self, *exc: object) -> None:
        self._reader.close()  # type: ignore[no-untyped-call]

    def read(self, size: int) -> bytes:
        return self._reader.read(size)


_ZSTD_FRAME = 0xFD2FB528


def _zstd_complete(raw: BinaryIO) -> None:
    """Raise EOFError unless every zstd frame in `raw` ends with its last block (RFC 8878)."""
    while magic := raw.read(4):
        number = int.from_bytes(_exactly(raw, 4, magic), "little")
        if number & 0xFFFFFFF0 == 0x184D2A50:  # a skippable frame
            _skip(raw, int.from_bytes(_exactly(raw, 4), "little"))
            continue
        if number != _ZSTD_FRAME:
            raise zstandard.ZstdError("data after the last zstd frame is not a zstd frame")
        descriptor = _exactly(raw, 1)[0]
        single = descriptor >> 5 & 1
        size_bytes = (single, 2, 4, 8)[descriptor >> 6]
        _skip(raw, (1 - single) + (0, 1, 2, 4)[descriptor & 3] + size_bytes)
        last = False
        while not last:
            header = int.from_bytes(_exactly(raw, 3), "little")
            last, kind, size = bool(header & 1), header >> 1 & 3, header >> 3
            _skip(raw, 1 if kind == 1 else size)  # an RLE block holds one byte
        _skip(raw, 4 if descriptor >> 2 & 1 else 0)  # the content checksum


def _exactly(raw: BinaryIO, count: int, have: bytes = b"") -> bytes:
    data = have + raw.read(count - len(have)) if len(have) < count else have
    if len(data) < count:
        raise EOFError("the zstd stream ends in the middle of a frame")
    return data


def _skip(raw: BinaryIO, count: int) -> None:
    if count:
        end = raw.seek(count, 1)
        if end > raw.seek(0, 2):
            raise EOFError("the zstd stream ends in the middle of a frame")
        raw.seek(end)


def _inner_name(name: str) -> str:
    stem, dot, suffix = name.rpartition(".")
    inner = stem if dot and suffix.lower() in ("gz", "gzip", "bz2", "xz", "zst", "zstd") else name
    return f"{UNPACKED}{inner}"


def _copy(stream: IO[bytes], target: Path, *, limits: Limits, packed: int, what: str) -> int:
    """Copy the decompressed stream to `target` chunk by chunk; stop past the bound."""
    size = 0
    try:
        with target.open("wb") as out:
            while chunk := stream.read(_CHUNK):
                size += len(chunk)
                _check_bound(size, packed=packed, limits=limits, what=what)
                out.write(chunk)
    except BaseException:
        target.unlink(missing_ok=True)  # nothing of a bomb or a damaged file stays behind
        raise
    return size


def _check_bound(size: int, *, packed: int, limits: Limits, what: str) -> None:
    most = limits.max_decompressed_bytes
    ratio = limits.max_decompression_ratio
    if size > most:
        why = f"more than {_mb(most)}, the most Sluice unpacks from one upload"
    elif size > RATIO_FLOOR and size > packed * ratio:
        why = (
            f"more than {ratio:,.0f} times its compressed size of {_mb(packed)}, which real "
            "data does not do (a decompression bomb does)"
        )
    else:
        return
    raise InputRejected(
        RejectCode.DECOMPRESSION_LIMIT,
        f"The {what}-compressed upload unpacks to {why}; Sluice stopped unpacking it. If the "
        "data is real, split it into smaller files (or ask an administrator to raise "
        "SLUICE_MAX_DECOMPRESSED_BYTES / SLUICE_MAX_DECOMPRESSION_RATIO) and upload again.",
    )


def _unzip(path: Path, *, limits: Limits, out_dir: Path, packed: int) -> Unpacked:
    try:
        archive = zipfile.ZipFile(path)
    except _DAMAGED as exc:
        if path.name.lower().endswith(_EXCEL_SUFFIXES):
            return Unpacked(path)  # xlsx.py says what is wrong with the workbook
        raise _damaged("zip", exc) from exc
    with archive:
        entries = archive.infolist()
        names = [e.filename for e in entries]
        if path.name.lower().endswith(_EXCEL_SUFFIXES) or _is_office(names):
            return Unpacked(path)
        entry = _the_table(entries)
        if entry.flag_bits & 0x1:
            raise InputRejected(
                RejectCode.UNSUPPORTED_FORMAT,
                f"'{entry.filename}' in the zip archive is encrypted (password-protected). "
                "Zip it again without a password, or upload the file itself.",
            )
        target = out_dir / f"{UNPACKED}{PurePosixPath(entry.filename).name}"
        try:
            with archive.open(entry) as stream:
                size = _copy(stream, target, limits=limits, packed=packed, what="zip")
        except (*_DAMAGED, NotImplementedError) as exc:
            raise _damaged("zip", exc) from exc
    _refuse_nested(target, "zip")
    return Unpacked(target, "zip", entry.filename, packed, size)


def _is_office(names: list[str]) -> bool:
    return "[Content_Types].xml" in names or any(n.startswith("xl/") for n in names)


def _the_table(entries: list[zipfile.ZipInfo]) -> zipfile.ZipInfo:
    """The one data file in the archive: the only file, or the only one named like a table."""
    files = [e for e in entries if not e.is_dir() and not _metadata(e.filename)]
    tables = [e for e in files if PurePosixPath(e.filename).suffix.lower() in _TABLE_SUFFIXES]
    if len(files) == 1:
        return files[0]
    if len(tables) == 1:
        return tables[0]
    if not tables:
        listed = _listed(files) or "nothing but folders and hidden files"
        raise InputRejected(
            RejectCode.UNSUPPORTED_FORMAT,
            f"The zip archive holds no table file ({listed}). Put one CSV, TSV, JSON, XLSX or "
            "Parquet file in it, or upload that file itself.",
        )
    raise InputRejected(
        RejectCode.ARCHIVE_HAS_SEVERAL_TABLES,
        f"The zip archive holds {len(tables)} table files: {_listed(tables)}. Sluice ingests "
        "one table per upload: upload them one by one (several at once is fine), or zip each "
        "on its own.",
    )


def _metadata(name: str) -> bool:
    parts = PurePosixPath(name).parts
    return not parts or parts[0] == "__MACOSX" or any(p.startswith(".") for p in parts)


def _listed(entries: list[zipfile.ZipInfo]) -> str:
    shown = ", ".join(f"'{e.filename}'" for e in entries[:20])
    return shown + (f" and {len(entries) - 20} more" if len(entries) > 20 else "")


def _refuse_nested(target: Path, outer: str) -> None:
    with target.open("rb") as f:
        inner = compression_of(f.read(8))
    if inner is not None and not (inner == "zip" and _is_workbook(target)):
        raise InputRejected(
            RejectCode.UNSUPPORTED_FORMAT,
            f"The {outer}-compressed upload holds another {inner}-compressed file. Sluice "
            "unpacks one layer: unpack the inner file and upload it (compressed once).",
        )


def _is_workbook(path: Path) -> bool:
    try:
        with zipfile.ZipFile(path) as archive:
            return path.name.lower().endswith(_EXCEL_SUFFIXES) or _is_office(archive.namelist())
    except _DAMAGED:
        return path.name.lower().endswith(_EXCEL_SUFFIXES)


def _damaged(what: str, exc: BaseException) -> InputRejected:
    detail = clean_foreign_text(str(exc), limit=200) or type(exc).__name__
    return InputRejected(
        RejectCode.UNSUPPORTED_FORMAT,
        f"The upload is {what}-compressed, but it is damaged or cut short ({detail}), so it "
        "cannot be unpacked. Compress the file again (or upload it uncompressed).",
    )


def _mb(size: float) -> str:
    """A size as a person reads it: 740 bytes, 12.5 KB, 3.2 MB, 50.0 GB."""
    if size < 1024:
        return f"{size:,.0f} bytes"
    for unit in ("KB", "MB", "GB"):
        size /= 1024
        if size < 1024 or unit == "GB":
            break
    return f"{size:,.1f} {unit}"
