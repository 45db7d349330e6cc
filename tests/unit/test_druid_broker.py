"""The Druid SQL client: request body, result parsing and error mapping (no Druid needed).

Responses are shaped like Druid 25's; the real-Druid behaviour (timeouts included) is covered
in tests/druid/.
"""

from __future__ import annotations

import json
from collections.abc import Callable

import httpx
import pytest

from core.druid.broker import DruidBroker, SqlParam
from core.druid.errors import DruidUnavailable, QueryFailed, QueryTimedOut

HEADER = [["t", "m0"], ["LONG", "LONG"], ["TIMESTAMP", "BIGINT"]]


def broker(handler: Callable[[httpx.Request], httpx.Response]) -> DruidBroker:
    http = httpx.AsyncClient(transport=httpx.MockTransport(handler))
    return DruidBroker(http, url="http://broker:8082/", default_timeout_ms=5_000)


async def test_request_carries_parameters_and_context() -> None:
    seen: list[dict[str, object]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        assert request.url == "http://broker:8082/druid/v2/sql"
        seen.append(json.loads(request.content))
        return httpx.Response(200, json=[*HEADER, ["2024-01-01T00:00:00.000Z", 3]])

    result = await broker(handler).sql(
        "SELECT ? FROM x",
        [SqlParam("VARCHAR", "a'b")],
        max_rows=10,
        query_id="q1",
        context={"useApproximateTopN": False},
    )
    assert seen == [
        {
            "query": "SELECT ? FROM x",
            "parameters": [{"type": "VARCHAR", "value": "a'b"}],
            "resultFormat": "array",
            "header": True,
            "typesHeader": True,
            "sqlTypesHeader": True,
            "context": {
                "sqlQueryId": "q1",
                "timeout": 5_000,
                "sqlOuterLimit": 11,
                "useApproximateTopN": False,
            },
        }
    ]
    assert result.columns == ["t", "m0"] and result.sql_types == ["TIMESTAMP", "BIGINT"]
    assert result.rows == [["2024-01-01T00:00:00.000Z", 3]] and not result.truncated


async def test_more_rows_than_the_cap_are_cut_and_flagged() -> None:
    rows = [[str(i), i] for i in range(4)]
    client = broker(lambda _: httpx.Response(200, json=[*HEADER, *rows]))
    result = await client.sql("SELECT 1", max_rows=3)
    assert result.truncated and result.rows == rows[:3]


async def test_planning_errors_carry_druids_message() -> None:
    body = {
        "error": "Plan validation failed",
        "errorMessage": "Column 'nope' not found in any table",
        "errorClass": "org.apache.calcite.tools.ValidationException",
    }
    client = broker(lambda _: httpx.Response(400, json=body))
    with pytest.raises(QueryFailed) as caught:
        await client.sql("SELECT nope", query_id="q2")
    assert caught.value.message == "Column 'nope' not found in any table"
    assert caught.value.status == 400 and caught.value.query_id == "q2"


async def test_druid_timeout_maps_to_query_timed_out() -> None:
    body = {"error": "Query timeout", "errorClass": "java.util.concurrent.TimeoutException"}
    client = broker(lambda _: httpx.Response(504, json=body))
    with pytest.raises(QueryTimedOut) as caught:
        await client.sql("SELECT 1", timeout_ms=10, query_id="q3")
    assert caught.value.timeout_ms == 10


async def test_client_side_timeout_cancels_the_query() -> None:
    calls: list[tuple[str, str]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append((request.method, request.url.path))
        if request.method == "POST":
            raise httpx.ReadTimeout("slow", request=request)
        return httpx.Response(202)

    with pytest.raises(QueryTimedOut):
        await broker(handler).sql("SELECT 1", query_id="q4")
    assert calls == [("POST", "/druid/v2/sql"), ("DELETE", "/druid/v2/sql/q4")]


@pytest.mark.parametrize("status", [502, 503])
async def test_unavailable_broker(status: int) -> None:
    client = broker(lambda _: httpx.Response(status, text="no servers"))
    with pytest.raises(DruidUnavailable, match=f"HTTP {status}"):
        await client.sql("SELECT 1")


async def test_unreachable_broker() -> None:
    async with httpx.AsyncClient() as http:
        client = DruidBroker(http, url="http://127.0.0.1:9")  # the discard port: refused
        with pytest.raises(DruidUnavailable, match="ConnectError"):
            await client.sql("SELECT 1")


async def test_results_cut_mid_stream_are_a_failure() -> None:
    partial = json.dumps([*HEADER, [1, 2]])[:-3]
    client = broker(lambda _: httpx.Response(200, text=partial))
    with pytest.raises(QueryFailed, match="part-way"):
        await client.sql("SELECT 1")
