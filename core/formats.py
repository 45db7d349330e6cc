"""What a file is, from its first bytes, for formats people upload by mistake: the one table
of known non-table formats (binary magic numbers, and text formats that are not tables:
HTML and XML pages, often an error page saved under a .csv name), and whether text is JSON
(which profiling/jsonl.py reads when it is a table: JSON Lines or an array of objects).
Compressed files (gzip, bzip2, xz, zstd, zip) are unpacked first (profiling/archives.py).

Kept free of Polars so the API can refuse such an upload without loading the profiler.
"""

from __future__ import annotations

import re

# Magic numbers of formats people upload by mistake, and what to tell them.
_KNOWN_BINARY: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG", "a PNG image"),
    (b"%PDF", "a PDF document"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"),
    (b"Rar!", "a RAR archive"),
    (b"\x7fELF", "a program (ELF binary)"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "a legacy Office file (.xls or .doc)"),
)


def known_binary(head: bytes) -> str | None:
    """What a file is when its first bytes are a known non-table format ("a PNG image"), else
    None. The API uses it to refuse such uploads before any work is queued."""
    return next((what for magic, what in _KNOWN_BINARY if head.startswith(magic)), None)


# Text that is not a table, told by how it starts (after a byte-order mark and blank space).
# A CSV header does not start like any of these.
_KNOWN_TEXT: tuple[tuple[re.Pattern[bytes], str], ...] = (
    (re.compile(rb"<!doctype\s+html|<html[\s>]|<head[\s>]|<body[\s>]", re.I), "an HTML page"),
    # A declaration, or an element holding elements or text (`<a>,b` is a CSV header).
    (
        re.compile(
            rb"<\?xml[\s?]|<!doctype\s|<!--|<([a-z_][\w.:-]*)(\s[^>]*)?>\s*(<|[^<\n]*</\1>)", re.I
        ),
        "an XML document",
    ),
)
# JSON: an object or an array, as its first characters show (`[id],name` is a CSV header).
_JSON = re.compile(rb'\{\s*("|\}|$)|\[\s*(\{|\[|"|\]|-?[0-9]|true|false|null|$)')
_BOMS = (b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")


def known_format(head: bytes) -> str | None:
    """What a file is when its first bytes are a known non-table format, binary or text
    ("a PNG image", "an HTML page"), else None."""
    what = known_binary(head)
    if what is not None:
        return what
    text = _as_utf8(head).lstrip()
    return next((what for pattern, what in _KNOWN_TEXT if pattern.match(text)), None)


def looks_like_json(head: bytes) -> bool:
    """Whether the text starts like a JSON object or array (after a byte-order mark)."""
    return _JSON.match(_as_utf8(head).lstrip()) is not None


def _as_utf8(head: bytes) -> bytes:
    """The head without its byte-order mark, UTF-16 decoded (the first kilobytes suffice)."""
    for bom, codec in zip(_BOMS, ("utf-8", "utf-16-le", "utf-16-be"), strict=True):
        if head.startswith(bom):
            return head[len(bom) : 4096].decode(codec, errors="ignore").encode()
    return head[:4096]
