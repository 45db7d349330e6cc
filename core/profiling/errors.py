"""The one exception the profiling engine raises for unusable input."""

from __future__ import annotations

import enum


class RejectCode(enum.StrEnum):
    """Why a whole file was rejected. Values are the codes clients see."""

    EMPTY_FILE = "EMPTY_FILE"
    HEADER_ONLY = "HEADER_ONLY"
    UNSUPPORTED_FORMAT = "UNSUPPORTED_FORMAT"
    UNDECODABLE_TEXT = "UNDECODABLE_TEXT"
    BLANK_COLUMN_NAME = "BLANK_COLUMN_NAME"
    DUPLICATE_COLUMN_NAME = "DUPLICATE_COLUMN_NAME"
    COLUMN_NAME_TOO_LONG = "COLUMN_NAME_TOO_LONG"
    TOO_MANY_COLUMNS = "TOO_MANY_COLUMNS"
    XLSX_INVALID = "XLSX_INVALID"
    XLSX_TOO_LARGE = "XLSX_TOO_LARGE"
    SHEET_NOT_FOUND = "SHEET_NOT_FOUND"
    TIMESTAMP_COLUMN_NOT_FOUND = "TIMESTAMP_COLUMN_NOT_FOUND"
    TIMESTAMP_COLUMN_UNPARSEABLE = "TIMESTAMP_COLUMN_UNPARSEABLE"
    NO_VALID_ROWS = "NO_VALID_ROWS"
    DECOMPRESSION_LIMIT = "DECOMPRESSION_LIMIT"
    ARCHIVE_HAS_SEVERAL_TABLES = "ARCHIVE_HAS_SEVERAL_TABLES"
    INVALID_JSON = "INVALID_JSON"


class InputRejected(Exception):
    """The whole file is unusable.

    `code` is one of `RejectCode` (a `str`); `message` says what happened, why, and what
    the person can do about it, in plain words.
    """

    def __init__(self, code: RejectCode, message: str) -> None:
        self.code = code
        self.message = message
        super().__init__(f"{code}: {message}")
