"""The one error vocabulary: every code a person or client can see, the one exception whose
text may reach a client, and the sanitizer for text that comes from other programs.

Codes are stable (clients branch on them, the web app picks its wording by them); messages
are for people. Every layer passes its codes as `ErrorCode` members or their string values,
so a code stored in PostgreSQL reads back as a member.
"""

from __future__ import annotations

import enum
import logging
import re

log = logging.getLogger(__name__)


class ErrorCode(enum.StrEnum):
    """Every code Sluice reports, grouped by where it arises."""

    # The request itself.
    INTERNAL_ERROR = "INTERNAL_ERROR"  # a bug or an infrastructure fault (carries an incident id)
    INVALID_REQUEST = "INVALID_REQUEST"  # a multipart body that breaks the spec
    NOT_MULTIPART = "NOT_MULTIPART"
    INVALID_CURSOR = "INVALID_CURSOR"
    NOT_FOUND = "NOT_FOUND"  # no task with this id
    UNAUTHENTICATED = "UNAUTHENTICATED"
    FORBIDDEN = "FORBIDDEN"
    RATE_LIMITED = "RATE_LIMITED"
    COST_LIMIT = "COST_LIMIT"  # a GraphQL request that asks for too much (schema/cost.py)
    TOO_MANY_SUBSCRIPTIONS = "TOO_MANY_SUBSCRIPTIONS"  # a subscription cap (core/broadcast.py)
    QUARANTINE_MISSING = "QUARANTINE_MISSING"  # the quarantine file is gone from S3

    # An upload refused before any work is queued (streamed or resumable).
    INVALID_DATASOURCE = "INVALID_DATASOURCE"
    INVALID_OPTIONS = "INVALID_OPTIONS"
    FILE_TOO_LARGE = "FILE_TOO_LARGE"
    DUPLICATE_FILE = "DUPLICATE_FILE"
    DATASET_BEING_DELETED = "DATASET_BEING_DELETED"  # also refuses a second deleteDataset
    UPLOAD_NOT_FOUND = "UPLOAD_NOT_FOUND"
    UPLOAD_ABORTED = "UPLOAD_ABORTED"
    UPLOAD_COMPLETED = "UPLOAD_COMPLETED"
    INCOMPLETE_UPLOAD = "INCOMPLETE_UPLOAD"

    # The file's content, found by validation (core.profiling.RejectCode).
    EMPTY_FILE = "EMPTY_FILE"
    HEADER_ONLY = "HEADER_ONLY"
    UNSUPPORTED_FORMAT = "UNSUPPORTED_FORMAT"
    UNDECODABLE_TEXT = "UNDECODABLE_TEXT"
    BLANK_COLUMN_NAME = "BLANK_COLUMN_NAME"
    DUPLICATE_COLUMN_NAME = "DUPLICATE_COLUMN_NAME"
    COLUMN_NAME_TOO_LONG = "COLUMN_NAME_TOO_LONG"
    UNSUPPORTED_COLUMN_NAME = "UNSUPPORTED_COLUMN_NAME"
    TOO_MANY_COLUMNS = "TOO_MANY_COLUMNS"
    XLSX_INVALID = "XLSX_INVALID"
    XLSX_TOO_LARGE = "XLSX_TOO_LARGE"
    SHEET_NOT_FOUND = "SHEET_NOT_FOUND"
    TIMESTAMP_COLUMN_NOT_FOUND = "TIMESTAMP_COLUMN_NOT_FOUND"
    COLUMN_NOT_FOUND = "COLUMN_NOT_FOUND"  # a column named in the columnTypes option
    COLUMN_TYPE_IMPOSSIBLE = "COLUMN_TYPE_IMPOSSIBLE"  # values the requested type cannot hold
    TIMESTAMP_COLUMN_UNPARSEABLE = "TIMESTAMP_COLUMN_UNPARSEABLE"
    NO_VALID_ROWS = "NO_VALID_ROWS"
    DECOMPRESSION_LIMIT = "DECOMPRESSION_LIMIT"
    ARCHIVE_HAS_SEVERAL_TABLES = "ARCHIVE_HAS_SEVERAL_TABLES"
    INVALID_JSON = "INVALID_JSON"
    SCHEMA_CONFLICT = "SCHEMA_CONFLICT"  # a column's type change would lose values in Druid

    # A task that failed after it was queued (workers, core.druid.failures).
    DRUID_UNAVAILABLE = "DRUID_UNAVAILABLE"
    DRUID_REJECTED = "DRUID_REJECTED"
    DRUID_TASK_FAILED = "DRUID_TASK_FAILED"
    DRUID_NO_CAPACITY = "DRUID_NO_CAPACITY"
    DRUID_TASK_CANCELLED = "DRUID_TASK_CANCELLED"
    DRUID_TASK_DIED = "DRUID_TASK_DIED"
    DRUID_LOCK_CONFLICT = "DRUID_LOCK_CONFLICT"
    DRUID_TIMEOUT = "DRUID_TIMEOUT"
    DRUID_WORKER_LOST = "DRUID_WORKER_LOST"
    OUT_OF_MEMORY = "OUT_OF_MEMORY"
    TOO_MANY_PARSE_ERRORS = "TOO_MANY_PARSE_ERRORS"
    S3_UNAVAILABLE = "S3_UNAVAILABLE"
    S3_ERROR = "S3_ERROR"
    S3_OBJECT_MISSING = "S3_OBJECT_MISSING"
    S3_BUCKET_MISSING = "S3_BUCKET_MISSING"
    S3_CREDENTIALS_INVALID = "S3_CREDENTIALS_INVALID"
    S3_ACCESS_DENIED = "S3_ACCESS_DENIED"
    S3_ENDPOINT_NOT_S3 = "S3_ENDPOINT_NOT_S3"
    S3_ENDPOINT_UNKNOWN_HOST = "S3_ENDPOINT_UNKNOWN_HOST"
    S3_ENDPOINT_UNREACHABLE = "S3_ENDPOINT_UNREACHABLE"
    ACCOUNTING_MISMATCH = "ACCOUNTING_MISMATCH"
    RECONCILIATION_MISMATCH = "RECONCILIATION_MISMATCH"
    HANDOFF_TIMEOUT = "HANDOFF_TIMEOUT"
    STALLED = "STALLED"

    # A task action (retry, cancel, rollback, delete) refused.
    NOT_RETRYABLE = "NOT_RETRYABLE"
    ALREADY_FINISHED = "ALREADY_FINISHED"
    NOT_CANCELLABLE = "NOT_CANCELLABLE"  # a DELETE task that has started
    NOT_ROLLBACKABLE = "NOT_ROLLBACKABLE"
    ALREADY_ROLLED_BACK = "ALREADY_ROLLED_BACK"
    FILE_REMOVED = "FILE_REMOVED"  # retry: the raw upload is past retention (core/retention.py)
    DATASET_BUSY = "DATASET_BUSY"  # deleteDataset while an upload into it is running

    # Signing in and API tokens.
    WRONG_PASSWORD = "WRONG_PASSWORD"
    NO_SUCH_USER = "NO_SUCH_USER"
    NOT_A_MEMBER = "NOT_A_MEMBER"
    INVALID_TOKEN_REQUEST = "INVALID_TOKEN_REQUEST"
    LAST_ADMIN = "LAST_ADMIN"  # a change that would leave a workspace without an admin

    # A dashboard query not answered (core.queries.errors).
    UNKNOWN_DATASOURCE = "UNKNOWN_DATASOURCE"
    UNKNOWN_COLUMN = "UNKNOWN_COLUMN"
    INVALID_QUERY = "INVALID_QUERY"
    QUERY_TIMEOUT = "QUERY_TIMEOUT"
    RESULT_TOO_LARGE = "RESULT_TOO_LARGE"
    QUERY_UNAVAILABLE = "QUERY_UNAVAILABLE"

    @classmethod
    def parse(cls, value: str) -> ErrorCode:
        """The member for a code given as text. A code this build does not know (written by a
        newer worker, or a new code not added here) reads as INTERNAL_ERROR, with a warning,
        rather than turning a clear refusal or a stored failure into an unexpected error."""
        try:
            return cls(value)
        except ValueError:
            log.warning("unknown error code %r: add it to core.errors.ErrorCode", value)
            return cls.INTERNAL_ERROR


class VisibleError(Exception):
    """An error whose message is written for the person using the API.

    The GraphQL layer shows the text of this class (and of GraphQL's own errors) and masks
    every other exception behind an incident id. Raise it only for a problem the caller can
    fix and only with a message that holds no internals; expected problems of an operation
    are better returned as a typed result.
    """

    def __init__(self, message: str, *, code: ErrorCode) -> None:
        self.message, self.code = message, code
        super().__init__(message)


# --- text from other programs ---------------------------------------------------------------

# A Java stack frame ("\tat org.apache.druid.Foo.bar(Foo.java:12)") or its "... 12 more" tail.
_STACK_LINE = re.compile(r"^\s*(?:at\s+[\w$.<>/]+\(.*\)|\.\.\.\s*\d+\s+more|Caused by:.*)\s*$")
# A Python traceback's frame lines.
_PY_TRACE_LINE = re.compile(r'^\s*(?:Traceback \(most recent call last\):|File ".*", line \d+.*)$')
# "java.lang.IllegalArgumentException: " or "org.apache.druid.java.util.common.ISE: ": a
# qualified class name (at least one dot, a capitalised last part) used as a prefix.
_CLASS_PREFIX = re.compile(
    r"\b(?:[a-z_][\w$]*\.)+[A-Z][\w$]*(?:Exception|Error|Throwable|ISE|IAE|Fault)?:\s*"
)
# A remaining qualified Java/Scala class name (org.apache.druid..., java.io.File...).
_CLASS_NAME = re.compile(r"\b(?:java|javax|org|com|io|software|sun|jdk|scala)\.(?:[\w$]+\.)*[\w$]+")
# An absolute file system path (POSIX or Windows), not part of a URL ("s3://b/k" is kept).
_PATH = re.compile(r"(?<![\w:/.])(?:/[\w.@%+~-]+){2,}/?|\b[A-Za-z]:\\(?:[^\s\\:*?\"<>|]+\\?)+")


def clean_foreign_text(text: str, *, limit: int = 300) -> str:
    """Text from Druid, Polars, S3 or a library, made fit for a message a person reads.

    Keeps the first meaningful line; drops stack-trace lines, Java exception class names and
    absolute file system paths (they say nothing to the reader and reveal the machine's
    layout); shortens to `limit` characters.
    """
    kept = [
        line
        for line in text.splitlines()
        if line.strip() and not _STACK_LINE.match(line) and not _PY_TRACE_LINE.match(line)
    ]
    line = kept[0].strip() if kept else ""
    line = _CLASS_PREFIX.sub("", line)
    line = _CLASS_NAME.sub("a server component", line)
    line = _PATH.sub("a local file", line)
    line = re.sub(r"\s{2,}", " ", line).strip(" :;,")
    if len(line) > limit:
        line = line[: limit - 1].rstrip() + "…"
    return line
