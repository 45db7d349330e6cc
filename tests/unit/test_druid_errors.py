"""The failure explainer against real Druid 25 failures.

Each fixture in fixtures/druid_failures/ was captured from a real task on the local cluster:
the Overlord's `errorMsg`, the task report's `errorMsg` and the tail of the task log (start-up
chatter removed, local paths replaced). How each was provoked is in the table below.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import httpx
import pytest

from core.druid.client import DruidClient, TaskRejected, UnknownDruidTask
from core.druid.errors import DruidUnavailable
from core.druid.failures import describe_pending, explain_failure, explain_pending
from core.druid.rejections import explain_rejection
from core.druid.tasks import parse_report

FIXTURES = Path(__file__).parent / "fixtures" / "druid_failures"


def _fixture(name: str) -> dict[str, Any]:
    return dict(json.loads((FIXTURES / f"{name}.json").read_text()))


# fixture -> (code, retryable, words the message must contain). How the failure was provoked:
CASES = {
    # staged URI pointing at a key that does not exist
    "s3_object_missing": ("S3_OBJECT_MISSING", False, ["s3://sluice/staged/nope/missing.csv",
                                                       "does not exist"]),
    # task context druid.indexer.fork.property.druid.s3.secretKey=wrong-secret
    "s3_wrong_secret": ("S3_CREDENTIALS_INVALID", False, ["secret key", "druid.s3.secretKey"]),
    # ... druid.s3.accessKey=nobody
    "s3_unknown_access_key": ("S3_CREDENTIALS_INVALID", False, ["access key",
                                                                "druid.s3.accessKey"]),
    # staged URI in a bucket that does not exist
    "s3_bucket_missing": ("S3_BUCKET_MISSING", False, ["no-such-bucket", "does not exist"]),
    # ... druid.s3.endpoint.url=http://127.0.0.1:1
    "s3_endpoint_refused": ("S3_ENDPOINT_UNREACHABLE", True, ["127.0.0.1:1",
                                                              "Connection refused"]),
    # ... druid.s3.endpoint.url=http://s3.invalid:8333
    "s3_endpoint_unknown_host": ("S3_ENDPOINT_UNKNOWN_HOST", False, ["s3.invalid"]),
    # ... druid.s3.endpoint.url=http://127.0.0.1:8082 (the Druid broker, not an S3 server)
    "s3_endpoint_not_s3": ("S3_ENDPOINT_NOT_S3", False, ["not an S3 server",
                                                         "druid.s3.endpoint.url"]),
    # task context druid.indexer.runner.javaOptsArray=["-Xmx24m"]
    "out_of_memory": ("OUT_OF_MEMORY", False, ["ran out of memory", "Java heap space"]),
    # tuningConfig maxParseExceptions=0 and a row with a bad timestamp
    "too_many_parse_errors": ("TOO_MANY_PARSE_ERRORS", False, ["could not be parsed"]),
    # POST /druid/indexer/v1/task/{id}/shutdown while it ran
    "shutdown_by_user": ("DRUID_TASK_CANCELLED", True, ["stopped"]),
}  # fmt: skip


@pytest.mark.parametrize("name", sorted(CASES))
def test_real_failures_are_explained(name: str) -> None:
    code, retryable, words = CASES[name]
    captured = _fixture(name)
    explained = explain_failure(
        error_message=captured["status_error"],
        report_error=captured["report_error"],
        log_tail=captured["log_tail"],
    )
    assert (explained.code, explained.retryable) == (code, retryable)
    for word in words:
        assert word in explained.message
    assert explained.detail
    assert "\tat " not in explained.message  # no stack traces for people
    assert not re.search(r"\b(?:java|javax|org\.apache|com\.amazonaws)\.", explained.message)


def test_an_unknown_failure_shows_druid_words_without_java_names_or_paths() -> None:
    explained = explain_failure(
        error_message="java.lang.IllegalStateException: Unable to grant lock to inactive "
        "Task [/opt/druid/var/tmp/persistent/task/abc]\n\tat org.apache.druid.X.y(X.java:1)"
    )
    assert explained.code == "DRUID_TASK_FAILED"
    assert "Unable to grant lock to inactive Task" in explained.message
    assert "java.lang" not in explained.message
    assert "/opt/druid" not in explained.message


@pytest.mark.parametrize("name", sorted(CASES))
def test_the_overlord_message_and_log_tail_are_enough(name: str) -> None:
    """The worker may not have the report: status errorMsg + log tail must give the same code."""
    captured = _fixture(name)
    explained = explain_failure(
        error_message=captured["status_error"], log_tail=captured["log_tail"]
    )
    assert explained.code == CASES[name][0]


def test_an_s3_failure_names_the_endpoint_when_the_log_shows_it() -> None:
    captured = _fixture("s3_object_missing")
    log = "INFO [main] org.apache.druid.cli.CliPeon - * druid.s3.endpoint.url: http://s3.example:9000\n"
    explained = explain_failure(
        error_message=captured["status_error"], log_tail=log + captured["log_tail"]
    )
    assert explained.code == "S3_OBJECT_MISSING"
    missing_bucket = explain_failure(
        error_message=None, log_tail=log + _fixture("s3_bucket_missing")["log_tail"]
    )
    assert "http://s3.example:9000" in missing_bucket.message


def test_deep_storage_failures_say_so() -> None:
    trace = (
        "java.io.IOException: com.amazonaws.services.s3.model.AmazonS3Exception: Access Denied "
        "(Service: Amazon S3; Status Code: 403; Error Code: AccessDenied; Request ID: 1)\n"
        "\tat org.apache.druid.storage.s3.S3DataSegmentPusher.push(S3DataSegmentPusher.java:99)"
    )
    explained = explain_failure(error_message=None, log_tail=trace)
    assert explained.code == "S3_ACCESS_DENIED"
    assert "deep storage" in explained.message


def test_s3_server_errors_are_retryable() -> None:
    trace = (
        "com.amazonaws.services.s3.model.AmazonS3Exception: We encountered an internal error "
        "(Service: Amazon S3; Status Code: 500; Error Code: InternalError; Request ID: 1)"
    )
    explained = explain_failure(error_message=trace)
    assert (explained.code, explained.retryable) == ("S3_UNAVAILABLE", True)


def test_a_killed_process_is_retryable() -> None:
    explained = explain_failure(
        error_message="Task execution process exited unsuccessfully with code[137]. "
        "See middleManager logs for more details."
    )
    assert (explained.code, explained.retryable) == ("DRUID_TASK_DIED", True)
    assert "137" in explained.message


def test_unknown_failures_keep_druids_words() -> None:
    explained = explain_failure(error_message="java.lang.IllegalStateException: something odd")
    assert explained.code == "DRUID_TASK_FAILED"
    assert "something odd" in explained.message
    assert explain_failure(error_message=None).code == "DRUID_TASK_FAILED"


def test_pending_too_long_points_at_capacity() -> None:
    explained = explain_pending(waited_s=300, free_slots=0)
    assert (explained.code, explained.retryable) == ("DRUID_NO_CAPACITY", True)
    assert "300 s" in explained.message and "every task slot is busy" in explained.message
    assert "no MiddleManager" in explain_pending(waited_s=5, free_slots=None).message


# --- reading Druid's answers (no Druid needed: a fake transport serves captured bodies) ---

FINAL_REPORT = {
    "ingestionStatsAndErrors": {
        "type": "ingestionStatsAndErrors",
        "taskId": "t1",
        "payload": {
            "ingestionState": "COMPLETED",
            "unparseableEvents": {
                "determinePartitions": [],
                "buildSegments": [
                    {"input": "{ts=2024-01-02, qty=xyz}", "errorType": "processedWithError",
                     "details": ["could not convert value [xyz] to long"]},
                    {"input": "{ts=not-a-time}", "errorType": "unparseable",
                     "details": ["Timestamp[not-a-time] is unparseable! Event: {ts=not-a-time}"]},
                ],
            },
            "rowStats": {
                "determinePartitions": {"processed": 0, "processedWithError": 0,
                                        "thrownAway": 0, "unparseable": 0},
                "buildSegments": {"processed": 2, "processedWithError": 1, "thrownAway": 3,
                                  "unparseable": 1},
            },
            "errorMsg": None,
            "segmentAvailabilityConfirmed": True,
            "segmentAvailabilityWaitTimeMs": 2005,
        },
    }
}  # fmt: skip
LIVE_REPORT = {
    "ingestionStatsAndErrors": {
        "payload": {
            "unparseableEvents": {"buildSegments": None},
            "rowStats": {
                "movingAverages": {},
                "totals": {"buildSegments": {"processed": 22228, "processedWithError": 0,
                                             "thrownAway": 0, "unparseable": 0}},
            },
            "ingestionState": "BUILD_SEGMENTS",
        },
        "type": "ingestionStatsAndErrors",
        "taskId": "t1",
    }
}  # fmt: skip


def test_final_report_counts_and_reasons() -> None:
    report = parse_report("t1", FINAL_REPORT)
    assert (report.processed, report.processed_with_error) == (2, 1)
    assert (report.unparseable, report.thrown_away) == (1, 3)
    assert report.rows_ingested == 3 and report.rows_seen == 7
    assert report.segments_available is True
    assert [e.kind for e in report.parse_errors] == ["processedWithError", "unparseable"]
    summary = report.reason_summary()
    assert "1 unparseable" in summary and "Timestamp[not-a-time]" in summary
    assert "3 outside" in summary


def test_live_report_totals() -> None:
    report = parse_report("t1", LIVE_REPORT)
    assert report.ingestion_state == "BUILD_SEGMENTS"
    assert report.rows_seen == 22228 and report.parse_errors == ()
    assert report.segments_available is None


def _client(handler: Any) -> DruidClient:
    http = httpx.AsyncClient(transport=httpx.MockTransport(handler))
    return DruidClient(http, overlord_url="http://druid:8081", coordinator_url="http://druid:8081")


async def test_resubmitting_an_existing_task_is_not_an_error() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(400, json={"error": "Task[sluice_t1] already exists!"})

    assert await _client(handler).submit_task({"id": "sluice_t1", "type": "noop"}) == "sluice_t1"


async def test_an_invalid_spec_is_rejected_with_druids_reason() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(400, json={"error": "Cannot construct instance of spec"})

    with pytest.raises(TaskRejected, match="Cannot construct instance"):
        await _client(handler).submit_task({"id": "sluice_t1", "type": "index_parallel"})


async def test_pending_and_waiting_tasks_are_reported_as_such() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if "missing" in request.url.path:
            return httpx.Response(404, text="Cannot find any task with id: [missing]")
        status = {"statusCode": "RUNNING", "runnerStatusCode": "PENDING", "duration": -1}
        return httpx.Response(200, json={"task": "t1", "status": status})

    client = _client(handler)
    status = await client.task_status("t1")
    assert (status.state, status.duration_ms, status.is_finished) == ("PENDING", None, False)
    with pytest.raises(UnknownDruidTask):
        await client.task_status("missing")


async def test_reports_are_none_while_the_task_starts() -> None:
    answers = iter(
        [(404, "No task reports were found"), (500, "No task reports were found"), (200, "")]
    )  # Druid 25 once answered 200 with no body mid-hand-over

    def handler(request: httpx.Request) -> httpx.Response:
        code, text = next(answers)
        return httpx.Response(code, text=text)

    client = _client(handler)
    assert await client.task_report("t1") is None
    assert await client.task_report("t1") is None
    assert await client.task_report("t1") is None


async def test_load_status_covers_all_time_and_refreshes_metadata() -> None:
    seen: list[httpx.URL] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.url)
        if "empty" in request.url.path:
            return httpx.Response(204)
        return httpx.Response(200, json={"sales": 50.0})

    client = _client(handler)
    assert await client.load_status("sales") == 50.0
    assert await client.segments_loaded("sales") is False
    assert await client.segments_loaded("empty") is True  # nothing left to load
    assert seen[0].params["interval"] == "1000-01-01/3000-01-01"
    assert seen[0].params["forceMetadataRefresh"] == "true"


async def test_unreachable_druid_says_where_and_what_to_do() -> None:
    client = DruidClient(overlord_url="http://127.0.0.1:9", coordinator_url="http://127.0.0.1:9")
    async with client:
        with pytest.raises(DruidUnavailable) as info:
            await client.task_status("t1")
    message = str(info.value)
    assert "http://127.0.0.1:9" in message and "connection refused" in message
    assert "make run" in message


# --- Druid refusing a spec at submission (HTTP 400), texts as Druid 25 answers them ---

_JACKSON = "Cannot construct instance of `org.apache.druid.segment.indexing.DataSchema`, problem: "
_SOURCE = "\n at [Source: (org.eclipse.jetty.server.HttpInputOverHTTP); line: 1, column: 415]"


@pytest.mark.parametrize(
    "problem,words",
    [
        (
            "Cannot specify a column more than once: [__time] seen in dimensions list, primary "
            "timestamp (__time cannot appear as a dimension or metric)",
            "column named '__time'",
        ),
        ('Column[a","type":"local] cannot have the delimiter[,] in its name', "contains ','"),
        ("dataSource cannot contain character #55357 (at position 5).", "emoji"),
        ("Cannot specify a column more than once: [city]", "'city' appears more than once"),
    ],
)
def test_druid_refusals_are_translated_into_plain_words(problem: str, words: str) -> None:
    explained = explain_rejection(_JACKSON + problem + _SOURCE)
    assert (explained.code, explained.retryable) == ("DRUID_REJECTED", False)
    assert words in explained.message
    assert "org.apache" not in explained.message and "Source:" not in explained.message


def test_an_unknown_refusal_keeps_druids_words_without_java_names() -> None:
    explained = explain_rejection(
        _JACKSON + "java.lang.IllegalArgumentException: segmentGranularity is odd" + _SOURCE
    )
    assert explained.message == "Druid refused the ingestion: segmentGranularity is odd."


@pytest.mark.parametrize(
    "error",
    [
        "The worker that this task was assigned disappeared and did not report cleanup within "
        "timeout[PT15M]. See overlord and middleManager/indexer logs for more details.",
        "Canceled as unknown task. See middleManager or indexer logs for more details.",
        "This task disappeared on the worker where it was assigned. See overlord logs for more "
        "details.",
    ],
)
def test_a_lost_middlemanager_is_retryable(error: str) -> None:
    explained = explain_failure(error_message=error)
    assert (explained.code, explained.retryable) == ("DRUID_WORKER_LOST", True)


async def test_what_a_pending_or_waiting_task_waits_for() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/pendingTasks"):
            return httpx.Response(
                200,
                json=[
                    {"id": "mine", "type": "index_parallel", "createdTime": "2026-01-01T00:00:03Z"},
                    {"id": "first", "type": "kill", "createdTime": "2026-01-01T00:00:01Z"},
                    {"id": "later", "type": "kill", "createdTime": "2026-01-01T00:00:09Z"},
                ],
            )
        if "datasource" not in request.url.params:
            running = [{"id": "k1", "type": "kill"}, {"id": "k2", "type": "kill"}]
            return httpx.Response(200, json=running)
        assert request.url.params["datasource"] == "sales"
        return httpx.Response(200, json=[{"id": "mine"}, {"id": "other_ingest"}])

    client = _client(handler)
    assert await client.tasks_ahead("mine") == ["kill"]
    assert await client.tasks_ahead("not-pending") == []
    assert await client.running_task_types() == ["kill", "kill"]
    holders = await client.lock_holders("mine", "sales")
    assert holders == ["other_ingest"]
    waiting = describe_pending(free_slots=None, waiting_for_lock=True, lock_holders=holders)
    assert "lock" in waiting and "other_ingest" in waiting


def test_a_task_behind_druid_maintenance_says_so() -> None:
    why = describe_pending(
        free_slots=0, ahead=["kill"] * 25 + ["index_parallel"] * 2, running=["kill", "kill"]
    )
    assert why == (
        "it is waiting for a Druid task slot: 27 task(s) are ahead of it, 25 of them Druid's "
        "own maintenance (25 × kill); every task slot is busy (2 × kill)"
    )
    assert describe_pending(free_slots=1, ahead=["index_parallel"]) == (
        "it is waiting for a Druid task slot: 1 task(s) are ahead of it; 1 task slot(s) free"
    )
    assert "being assigned" in describe_pending(free_slots=2)
