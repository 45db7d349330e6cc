"""Turn a failed Druid task (its error message and log tail) into a plain-language reason.

Druid reports failures as Java exception text. People need to know what went wrong, why,
and what to do; the worker also needs to know whether trying again can help (`retryable`).
The rules below were written against real Druid 25 task logs (see
tests/unit/fixtures/druid_failures/).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from core.errors import clean_foreign_text


@dataclass(frozen=True, slots=True)
class FailureExplanation:
    """Why a Druid task failed.

    `code` is stable (clients may branch on it); `message` is for people; `retryable` says
    whether running the same task again may succeed without changing the file or Druid's
    configuration (a transient fault); `detail` is the Druid line the explanation rests on.
    """

    code: str
    message: str
    retryable: bool
    detail: str | None = None


@dataclass(frozen=True, slots=True)
class _Context:
    """What the Druid text says about where the failure happened."""

    text: str
    input_uri: str | None  # the staged file Druid was reading, if it failed while reading
    deep_storage: bool  # failed while writing segments to deep storage
    endpoint: str | None  # druid.s3.endpoint.url from the peon's start-up log, if present

    @property
    def action(self) -> str:
        if self.input_uri:
            return f"Druid could not read the staged file {self.input_uri}"
        if self.deep_storage:
            return "Druid could not write the new segments to its deep storage"
        return "Druid could not access S3"

    @property
    def where(self) -> str:
        return f"the S3 server at {self.endpoint}" if self.endpoint else "its S3 server"


_S3_SETTINGS_HINT = (
    "Druid's S3 settings are druid.s3.endpoint.url, druid.s3.accessKey and druid.s3.secretKey "
    "(locally druid/run.sh sets them from SLUICE_S3_ENDPOINT_URL, SLUICE_S3_ACCESS_KEY and "
    "SLUICE_S3_SECRET_KEY); fix them and restart Druid, then retry."
)


def explain_failure(
    *, error_message: str | None, log_tail: str | None = None, report_error: str | None = None
) -> FailureExplanation:
    """Explain a FAILED task from the Overlord's `errorMsg`, the task report's `errorMsg`
    (a full stack trace, when there is a report) and the tail of the task log."""
    text = "\n".join(part for part in (report_error, error_message, log_tail) if part)
    context = _Context(
        text=text,
        input_uri=_search(r"Error occurred while trying to read uri: (s3://\S+)", text),
        deep_storage=bool(re.search(r"S3DataSegmentPusher|Failed to push|pushing segment", text)),
        endpoint=_search(r"druid\.s3\.endpoint\.url: (\S+)", text),
    )
    for rule in _RULES:
        explanation = rule(context)
        if explanation is not None:
            return explanation
    first_line = (error_message or "").strip().splitlines()[0] if error_message else None
    reason = clean_foreign_text(error_message or "") or "Druid gave no reason"
    return FailureExplanation(
        code="DRUID_TASK_FAILED",
        message=(
            f"Druid's ingestion task failed: {reason}. "
            "Sluice does not recognise this error; the task log in Druid "
            "(GET /druid/indexer/v1/task/{id}/log) has the details."
        ),
        retryable=False,
        detail=first_line,
    )


# Task types Druid runs for itself (deleting dropped data, compacting segments), not uploads.
MAINTENANCE_TASK_TYPES = frozenset({"kill", "compact", "archive", "move", "restore"})


def describe_pending(
    *,
    free_slots: int | None,
    ahead: Sequence[str] = (),
    running: Sequence[str] = (),
    waiting_for_lock: bool = False,
    lock_holders: Sequence[str] = (),
) -> str:
    """Why Druid has not started a task yet, in one clause. `ahead`: the types of the tasks
    queued before it; `running`: the types of the tasks holding the slots."""
    if waiting_for_lock:
        holders = f" (Druid task {', '.join(lock_holders)})" if lock_holders else ""
        return (
            "it is waiting for a lock on the datasource's time range, held by another "
            f"ingestion into the same datasource{holders}"
        )
    if free_slots is None:
        return "no MiddleManager is registered to run it"
    if not ahead and free_slots:
        return f"it is being assigned to a worker ({free_slots} task slot(s) free)"
    clauses = []
    if ahead:
        clauses.append(f"{len(ahead)} task(s) are ahead of it{_maintenance(ahead)}")
    if free_slots == 0:
        clauses.append(f"every task slot is busy{_tally(running)}")
    else:
        clauses.append(f"{free_slots} task slot(s) free")
    return "it is waiting for a Druid task slot: " + "; ".join(clauses)


def _maintenance(types: Sequence[str]) -> str:
    own = [t for t in types if t in MAINTENANCE_TASK_TYPES]
    if not own:
        return ""
    return f", {len(own)} of them Druid's own maintenance{_tally(own)}"


def _tally(types: Sequence[str]) -> str:
    """` (2 × kill, 1 × index_parallel)`, most frequent first; empty for no types."""
    if not types:
        return ""
    counts = Counter(types).most_common()
    return " (" + ", ".join(f"{n} × {kind}" for kind, n in counts) + ")"


def explain_pending(
    *,
    waited_s: float,
    free_slots: int | None,
    ahead: Sequence[str] = (),
    running: Sequence[str] = (),
    waiting_for_lock: bool = False,
    lock_holders: Sequence[str] = (),
) -> FailureExplanation:
    """A task that never started within `waited_s` seconds, and why."""
    why = describe_pending(
        free_slots=free_slots,
        ahead=ahead,
        running=running,
        waiting_for_lock=waiting_for_lock,
        lock_holders=lock_holders,
    )
    return FailureExplanation(
        code="DRUID_NO_CAPACITY",
        message=(
            f"Druid did not start the ingestion task within {waited_s:.0f} s: {why}. Other "
            "tasks may be holding every slot, or the MiddleManager is down. Retry when "
            "they finish, or raise druid.worker.capacity."
        ),
        retryable=True,
    )


def _search(pattern: str, text: str) -> str | None:
    match = re.search(pattern, text)
    return match.group(1) if match else None


_S3_ERROR = re.compile(
    r"AmazonS3Exception: (?P<text>[^\n]*?) \(Service: Amazon S3; Status Code: (?P<status>\d+); "
    r"Error Code: (?P<code>[^;]+);"
)


def _s3_error(ctx: _Context) -> FailureExplanation | None:
    match = _S3_ERROR.search(ctx.text)
    if match is None:
        return None
    s3_code, status = match.group("code"), int(match.group("status"))
    detail = f"{s3_code} (HTTP {status}): {match.group('text')}"
    if s3_code in _S3_CODES:
        code, why, retryable = _S3_CODES[s3_code]
    elif status >= 500:
        code, retryable = "S3_UNAVAILABLE", True
        why = (
            f"{{where}} answered with a server error ({s3_code}). It may be overloaded or "
            "restarting; retry in a moment"
        )
    else:
        code, why, retryable = "S3_ERROR", f"{{where}} refused the request ({s3_code})", False
    bucket = _search(r"s3://([^/\s]+)/", ctx.input_uri or "") or "named in the request"
    why = why.format(where=ctx.where, bucket=bucket)
    return FailureExplanation(
        code=code, message=f"{ctx.action}: {why.rstrip('.')}.", retryable=retryable, detail=detail
    )


# S3 error code -> (our code, why and what to do, retryable). "{where}" names the S3 server,
# "{bucket}" the bucket of the staged file.
_S3_CODES: dict[str, tuple[str, str, bool]] = {
    "NoSuchKey": (
        "S3_OBJECT_MISSING",
        "the file does not exist in S3 (it was deleted, or staging did not finish). "
        "Upload the file again so Sluice stages it anew",
        False,
    ),
    "NoSuchBucket": (
        "S3_BUCKET_MISSING",
        "the bucket {bucket} does not exist on {where}. Check that druid.s3.endpoint.url points "
        "at the right S3 server and that the bucket exists",
        False,
    ),
    "InvalidAccessKeyId": (
        "S3_CREDENTIALS_INVALID",
        "{where} does not know the access key in Druid's configuration. " + _S3_SETTINGS_HINT,
        False,
    ),
    "SignatureDoesNotMatch": (
        "S3_CREDENTIALS_INVALID",
        "{where} rejected the secret key in Druid's configuration (signature mismatch). "
        + _S3_SETTINGS_HINT,
        False,
    ),
    "AccessDenied": (
        "S3_ACCESS_DENIED",
        "Druid's S3 identity is not allowed to do this on {where} (access denied). Grant it "
        "read access to the staged files and read/write access to the deep-storage bucket",
        False,
    ),
    "404 Not Found": (
        "S3_ENDPOINT_NOT_S3",
        "{where} answered 404 Not Found without an S3 error code, so it is probably not an S3 "
        "server (wrong port or URL in druid.s3.endpoint.url). " + _S3_SETTINGS_HINT,
        False,
    ),
}


def _s3_unreachable(ctx: _Context) -> FailureExplanation | None:
    host = _search(r"UnknownHostException: ([^\s:]+)", ctx.text)
    if host is not None and "amazonaws" in ctx.text:
        return FailureExplanation(
            code="S3_ENDPOINT_UNKNOWN_HOST",
            message=(
                f"{ctx.action}: the S3 endpoint host '{host}' in Druid's configuration does not "
                f"resolve. {_S3_SETTINGS_HINT}"
            ),
            retryable=False,
            detail=f"UnknownHostException: {host}",
        )
    match = re.search(
        r"Unable to execute HTTP request: (?:Connect to (?P<target>\S+) \S* ?failed: )?"
        r"(?P<why>[^\n]*)",
        ctx.text,
    )
    if match is None or "amazonaws" not in ctx.text:
        return None
    target = match.group("target") or ctx.endpoint or "its S3 endpoint"
    why = clean_foreign_text(match.group("why")) or "no answer"
    return FailureExplanation(
        code="S3_ENDPOINT_UNREACHABLE",
        message=(
            f"{ctx.action}: it cannot connect to its S3 endpoint {target} ({why}). Either the "
            "S3 server is down, or the endpoint in Druid's configuration is wrong. Start the S3 "
            f"server and retry. {_S3_SETTINGS_HINT}"
        ),
        retryable=True,
        detail=match.group(0).strip(),
    )


def _cancelled(ctx: _Context) -> FailureExplanation | None:
    if "Shutdown request from user" not in ctx.text:
        return None
    return FailureExplanation(
        code="DRUID_TASK_CANCELLED",
        message="The Druid task was stopped on request (cancelled) before it finished.",
        retryable=True,
        detail="Shutdown request from user",
    )


def _process_died(ctx: _Context) -> FailureExplanation | None:
    exit_code = _search(r"exited unsuccessfully with code\[(-?\d+)\]", ctx.text)
    if exit_code is None:
        return None
    killed = exit_code in ("137", "143")
    return FailureExplanation(
        code="DRUID_TASK_DIED",
        message=(
            f"Druid's ingestion process stopped unexpectedly (exit code {exit_code}"
            + (", killed by the system, possibly for lack of memory" if killed else "")
            + "). The MiddleManager log has details; retry the upload."
        ),
        retryable=True,
        detail=f"exit code {exit_code}",
    )


@dataclass(frozen=True, slots=True)
class _Found:
    """A rule that fires on one pattern: what its first group matched can go into the message
    (`{found}`, cleaned for people) and the detail (`{found}`, as Druid wrote it)."""

    pattern: str
    code: str
    message: str
    retryable: bool
    detail: str = "{found}"
    detail_limit: int | None = None

    def __call__(self, ctx: _Context) -> FailureExplanation | None:
        found = _search(self.pattern, ctx.text)
        if found is None:
            return None
        return FailureExplanation(
            code=self.code,
            message=self.message.format(found=clean_foreign_text(found)),
            retryable=self.retryable,
            detail=self.detail.format(found=found.strip())[: self.detail_limit],
        )


_out_of_memory = _Found(
    r"(java\.lang\.OutOfMemoryError[^\n]*)",
    "OUT_OF_MEMORY",
    "Druid's ingestion task ran out of memory ({found}). The file is too large for one task "
    "with the memory Druid gives it: split the file, or give tasks more heap (-Xmx in "
    "druid.indexer.runner.javaOptsArray) and retry.",
    retryable=False,
)
_parse_errors = _Found(
    r"Max parse exceptions\[(\d+)\] exceeded",
    "TOO_MANY_PARSE_ERRORS",
    "Druid stopped because more than {found} rows could not be parsed. The staged file does "
    "not match the columns and types Sluice detected; check the validation report and the "
    "file, then upload it again.",
    retryable=False,
    detail="Max parse exceptions[{found}] exceeded",
)
# The MiddleManager or the peon went away under the task: infrastructure, not the file.
_worker_lost = _Found(
    r"([^\n]*(?:worker that this task was assigned disappeared|"
    # (Druid's HTTP task runner, once a killed MiddleManager is back without the task)
    r"task disappeared on the worker|"
    r"Canceled as unknown task|Canceled for worker cleanup|Task assignment timed out)[^\n]*)",
    "DRUID_WORKER_LOST",
    "Druid lost the process running the ingestion (its MiddleManager or task process stopped "
    "or went away). The file is fine: retry the upload once Druid's MiddleManager is running "
    "again.",
    retryable=True,
    detail_limit=500,
)
_lock_conflict = _Found(
    r"([^\n]*(?:Failed to acquire (?:a )?lock|lock[^\n]*revoked)[^\n]*)",
    "DRUID_LOCK_CONFLICT",
    "Another Druid task was writing the same time range of this datasource, so this one could "
    "not lock it. Retry when the other ingestion has finished.",
    retryable=True,
)


# Most specific first: an OutOfMemoryError can also end in "exited unsuccessfully".
_RULES: tuple[Callable[[_Context], FailureExplanation | None], ...] = (
    _out_of_memory,
    _parse_errors,
    _s3_error,
    _s3_unreachable,
    _cancelled,
    _lock_conflict,
    _process_died,
    _worker_lost,
)
