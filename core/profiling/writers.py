"""Append DataFrames to CSV files as a pass produces them, one chunk at a time."""

from __future__ import annotations

from pathlib import Path
from typing import IO

import polars as pl


class CsvWriter:
    """UTF-8, comma-separated, RFC-4180 quoted CSV with a header in every file.

    With `part_bytes`, a new numbered part (part-00000.csv, ...) starts once the current one
    has reached that size; otherwise everything goes to `directory/name`. Nothing is created
    until the first non-empty chunk arrives.
    """

    def __init__(self, directory: Path, *, name: str = "", part_bytes: int | None = None) -> None:
        self._directory, self._name, self._part_bytes = directory, name, part_bytes
        self._file: IO[bytes] | None = None
        self.paths: list[Path] = []

    def write(self, frame: pl.DataFrame) -> None:
        if frame.is_empty():
            return
        if self._file is None or (self._part_bytes and self._file.tell() >= self._part_bytes):
            self._open_next()
        assert self._file is not None
        frame.write_csv(self._file, include_header=self._file.tell() == 0)

    def _open_next(self) -> None:
        self.close()
        name = f"part-{len(self.paths):05d}.csv" if self._part_bytes else self._name
        path = self._directory / name
        self._directory.mkdir(parents=True, exist_ok=True)
        self._file = path.open("wb")
        self.paths.append(path)

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None
