from __future__ import annotations

from typing import Any


async def test_health_and_readiness(client: Any) -> None:
    assert (await client.get("/healthz")).text == "ok"
    response = await client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {
        "ready": True,
        "checks": {"postgres": "ok", "redis": "ok", "s3": "ok"},
    }
