"""GraphQL over HTTP: queries, streamed multipart uploads, and PUTs of file parts to S3."""

from __future__ import annotations

import json
import mimetypes
import uuid
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import httpx

from cli.config import ClientConfig

CHUNK_BYTES = 1024 * 1024
Progress = Callable[[int], None]  # called with the number of bytes just sent


class SluiceError(Exception):
    """Something went wrong that the person must hear about; the message says what to do."""


class SluiceClient:
    """One server: `execute` for GraphQL, `upload` for the multipart request, `put_part` for
    presigned S3 URLs (sent without the Sluice token: S3 must never see it)."""

    def __init__(
        self, config: ClientConfig, *, transport: httpx.AsyncBaseTransport | None = None
    ) -> None:
        self.config = config
        self.endpoint = f"{config.url}/graphql"
        timeout = httpx.Timeout(30.0, read=600.0)  # the answer to an upload comes at its end
        # x-sluice-csrf: the API refuses a multipart request without it (a browser cannot
        # send it cross-site without asking first); harmless on every other request.
        self.http = httpx.AsyncClient(
            headers={**self.auth_headers, "x-sluice-csrf": "1"},
            timeout=timeout,
            transport=transport,
        )
        self.s3 = httpx.AsyncClient(timeout=timeout, transport=transport)

    @property
    def auth_headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.config.token}"} if self.config.token else {}

    @property
    def websocket_url(self) -> str:
        scheme, rest = self.endpoint.split("://", 1)
        return f"{'wss' if scheme == 'https' else 'ws'}://{rest}"

    async def __aenter__(self) -> SluiceClient:
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.http.aclose()
        await self.s3.aclose()

    async def execute(self, query: str, **variables: Any) -> dict[str, Any]:
        """Run one operation; the `data` of the answer, or `SluiceError` with its errors."""
        response = await self._send(
            self.http.build_request(
                "POST", self.endpoint, json={"query": query, "variables": variables}
            )
        )
        return _data(response, self.config.url)

    async def upload(
        self, query: str, variables: dict[str, Any], path: Path, on_bytes: Progress
    ) -> dict[str, Any]:
        """Send `path` as the `file` variable of a GraphQL multipart request, streamed from
        disk (the server reads `operations` and `map` first, so they go first)."""
        boundary = uuid.uuid4().hex
        operations = json.dumps({"query": query, "variables": {**variables, "file": None}})
        fields = [("operations", operations), ("map", json.dumps({"0": ["variables.file"]}))]
        head = "".join(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
            for name, value in fields
        )
        content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        filename = path.name.replace('"', "%22").replace("\r", "").replace("\n", "")
        head += (
            f'--{boundary}\r\nContent-Disposition: form-data; name="0"; filename="{filename}"'
            f"\r\nContent-Type: {content_type}\r\n\r\n"
        )
        tail = f"\r\n--{boundary}--\r\n".encode()
        size = path.stat().st_size

        async def body() -> AsyncIterator[bytes]:
            yield head.encode()
            async for chunk in _read(path, 0, size, on_bytes):
                yield chunk
            yield tail

        request = self.http.build_request(
            "POST",
            self.endpoint,
            content=body(),
            headers={
                "Content-Type": f"multipart/form-data; boundary={boundary}",
                "Content-Length": str(len(head.encode()) + size + len(tail)),
            },
        )
        return _data(await self._send(request), self.config.url)

    async def put_part(
        self, url: str, path: Path, offset: int, size: int, on_bytes: Progress
    ) -> None:
        request = self.s3.build_request(
            "PUT",
            url,
            content=_read(path, offset, size, on_bytes),
            headers={"Content-Length": str(size)},
        )
        response = await self.s3.send(request)  # transport errors: the caller retries
        if response.status_code != 200:
            raise httpx.HTTPStatusError(
                f"S3 answered {response.status_code} to a part", request=request, response=response
            )

    async def _send(self, request: httpx.Request) -> httpx.Response:
        try:
            return await self.http.send(request)
        except httpx.ConnectError as exc:
            raise SluiceError(
                f"Could not reach Sluice at {self.config.url} ({exc}). Check the address "
                "(--url, SLUICE_URL or the config file) and that the server is running."
            ) from exc


async def _read(path: Path, offset: int, size: int, on_bytes: Progress) -> AsyncIterator[bytes]:
    """`size` bytes of `path` from `offset`, a chunk at a time (memory stays at one chunk)."""
    with path.open("rb") as file:
        file.seek(offset)
        left = size
        while left > 0:
            chunk = file.read(min(CHUNK_BYTES, left))
            if not chunk:
                raise SluiceError(f"{path} got shorter while it was being sent. Send it again.")
            left -= len(chunk)
            yield chunk
            on_bytes(len(chunk))


def _data(response: httpx.Response, url: str) -> dict[str, Any]:
    if response.status_code in (401, 403):
        raise SluiceError(
            f"Sluice at {url} refused the request (HTTP {response.status_code}): it needs a "
            'token. Set SLUICE_TOKEN, or `token = "…"` in ~/.config/sluice/config.toml.'
        )
    try:
        body = response.json()
    except ValueError:
        raise SluiceError(
            f"Sluice at {url} answered HTTP {response.status_code} with something that is not "
            f"GraphQL: {response.text[:200]!r}. Check the address."
        ) from None
    errors = body.get("errors") if isinstance(body, dict) else None
    if errors:
        raise SluiceError("; ".join(str(error.get("message", error)) for error in errors))
    if not isinstance(body, dict) or not isinstance(body.get("data"), dict):
        raise SluiceError(f"Sluice at {url} answered HTTP {response.status_code} without data.")
    return body["data"]  # type: ignore[no-any-return]
