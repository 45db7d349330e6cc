"""The one exception the profiling engine raises for unusable input."""

from __future__ import annotations

from core.errors import ErrorCode

# Why a whole file was rejected: the codes clients see are the one vocabulary of
# core/errors.py (its "file's content" members), not a second list kept in step by hand.
RejectCode = ErrorCode


class InputRejected(Exception):
    """The whole file is unusable.

    `code` is one of `RejectCode` (a `str`); `message` says what happened, why, and what
    the person can do about it, in plain words.
    """

    def __init__(self, code: RejectCode, message: str) -> None:
        self.code = code
        self.message = message
        super().__init__(f"{code}: {message}")
