"""What a file is, from its first bytes, for formats people upload by mistake.

Kept free of Polars so the API can refuse such an upload without loading the profiler.
"""

from __future__ import annotations

# Magic numbers of formats people upload by mistake, and what to tell them.
_KNOWN_BINARY: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG", "a PNG image"),
    (b"%PDF", "a PDF document"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"\x1f\x8b", "a gzip-compressed file"),
    (b"BZh", "a bzip2-compressed file"),
    (b"\xfd7zXZ", "an xz-compressed file"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"),
    (b"Rar!", "a RAR archive"),
    (b"\x7fELF", "a program (ELF binary)"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "a legacy Office file (.xls or .doc)"),
)


def known_binary(head: bytes) -> str | None:
    """What a file is when its first bytes are a known non-table format ("a PNG image"), else
    None. The API uses it to refuse such uploads before any work is queued."""
    return next((what for magic, what in _KNOWN_BINARY if head.startswith(magic)), None)
