"""Stream a text file in another encoding into a UTF-8 copy that Polars can scan."""

from __future__ import annotations

import codecs
from pathlib import Path

from core.profiling.errors import InputRejected, RejectCode

_CHUNK = 4 << 20
TRANSCODED = "source.utf8.csv"
# cp1252 leaves five bytes undefined; Latin-1 defines every byte, so it is the last resort.
_FALLBACKS = {"cp1252": "latin-1"}
_CODECS = {"utf-16-le": "utf-16", "utf-16-be": "utf-16", "utf-8": "utf-8-sig"}


def to_utf8(src: Path, *, encoding: str, out_dir: Path, cr_lines: bool = False) -> tuple[Path, str]:
    """Write `src` decoded from `encoding` as UTF-8 into `out_dir`; return (path, encoding used).

    Memory stays at one chunk. A NUL character in the decoded text means the file is binary.
    With `cr_lines`, lone CR line ends become LF (only used when the file has no LF at all).
    """
    dest = out_dir / TRANSCODED
    codec = _CODECS.get(encoding, encoding)
    try:
        _copy(src, dest, codec=codec, cr_lines=cr_lines)
    except _DecodeFailed as exc:
        fallback = _FALLBACKS.get(encoding)
        if fallback is None:
            name = encoding.upper().removesuffix("-SIG")
            raise InputRejected(
                RejectCode.UNDECODABLE_TEXT,
                f"The file is marked as {name} text, but the bytes near offset {exc.offset:,} "
                f"are not valid {name}. Save it again as UTF-8 and upload it.",
            ) from exc
        _copy(src, dest, codec=fallback, cr_lines=cr_lines)
        encoding = fallback
    return dest, encoding


class _DecodeFailed(Exception):
    def __init__(self, offset: int) -> None:
        self.offset = offset


def _copy(src: Path, dest: Path, *, codec: str, cr_lines: bool) -> None:
    decoder = codecs.getincrementaldecoder(codec)(errors="strict")
    offset = 0
    with src.open("rb") as fin, dest.open("w", encoding="utf-8", newline="") as fout:
        while True:
            chunk = fin.read(_CHUNK)
            try:
                text = decoder.decode(chunk, final=not chunk)
            except UnicodeDecodeError as exc:
                raise _DecodeFailed(offset + exc.start) from exc
            _refuse_nul(text, offset)
            fout.write(text.replace("\r", "\n") if cr_lines else text)
            if not chunk:
                return
            offset += len(chunk)


def _refuse_nul(text: str, offset: int) -> None:
    if "\x00" in text:
        raise InputRejected(
            RejectCode.UNDECODABLE_TEXT,
            f"The file contains binary data (a NUL character) after byte {offset:,}, so it "
            "cannot be read as text. Export the table again as CSV and upload it.",
        )
