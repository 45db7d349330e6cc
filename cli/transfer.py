"""Getting a file's bytes to Sluice: one streamed request for an ordinary file, or a resumable
session (parts PUT straight to S3) for a large one, which survives an interruption.

A session is remembered per server, file (path, size, modification time) and datasource in
`sessions.json` under the state directory; running the same upload again asks the server which
parts S3 already holds and sends only the others.
"""

from __future__ import annotations

import asyncio
import json
import mimetypes
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from cli import operations as ops
from cli.client import Progress, SluiceClient, SluiceError

RESUMABLE_ABOVE = 64 * 1024**2  # as the web app: from 64 MB a file goes as a session
PART_CONCURRENCY = 4
PART_TRIES = 3
URL_PAGE = 1000  # the server hands out at most this many part URLs per request


@dataclass(slots=True)
class Outcome:
    """What became of one file: a task (a dict as the API returns it) or a rejection."""

    path: Path
    task: dict[str, Any] | None = None
    rejected: dict[str, Any] | None = None
    parts_sent: list[int] = field(default_factory=list)  # resumable path only
    parts_kept: int = 0  # parts S3 already held from an earlier run


class SessionMemory:
    """Upload sessions started and not yet completed, by file and destination."""

    def __init__(self, state_dir: Path) -> None:
        self.path = state_dir / "sessions.json"

    def _load(self) -> dict[str, str]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (FileNotFoundError, ValueError):
            return {}
        return data if isinstance(data, dict) else {}

    def _save(self, data: dict[str, str]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        temporary = self.path.with_suffix(".tmp")
        temporary.write_text(json.dumps(data, indent=1), encoding="utf-8")
        os.replace(temporary, self.path)  # never a half-written file after a crash

    @staticmethod
    def key(url: str, path: Path, datasource: str) -> str:
        stat = path.stat()
        return f"{url}|{path.resolve()}|{stat.st_size}|{stat.st_mtime_ns}|{datasource}"

    def get(self, key: str) -> str | None:
        return self._load().get(key)

    def put(self, key: str, session_id: str) -> None:
        self._save({**self._load(), key: session_id})

    def forget(self, key: str) -> None:
        data = self._load()
        if data.pop(key, None) is not None:
            self._save(data)


async def send_file(
    client: SluiceClient,
    path: Path,
    *,
    datasource: str,
    options: dict[str, Any] | None,
    on_bytes: Progress,
    resumable_above: int = RESUMABLE_ABOVE,
) -> Outcome:
    if path.stat().st_size < resumable_above:
        data = await client.upload(
            ops.UPLOAD_FILE, {"datasource": datasource, "options": options}, path, on_bytes
        )
        return _outcome(path, data["uploadFile"])
    return await _send_resumable(
        client, path, datasource=datasource, options=options, on_bytes=on_bytes
    )


def _outcome(path: Path, result: dict[str, Any]) -> Outcome:
    if result["__typename"] == "IngestionTask":
        return Outcome(path, task=result)
    return Outcome(path, rejected=result)


async def _send_resumable(
    client: SluiceClient,
    path: Path,
    *,
    datasource: str,
    options: dict[str, Any] | None,
    on_bytes: Progress,
) -> Outcome:
    memory = SessionMemory(client.config.state_dir)
    key = SessionMemory.key(client.config.url, path, datasource)
    session = await _remembered_session(client, memory, key)
    if session is None:
        session = await _start_session(client, path, datasource=datasource, options=options)
        if session["__typename"] == "UploadRejected":
            return Outcome(path, rejected=session)
        memory.put(key, session["id"])
    kept: list[int] = session["uploadedParts"]
    sent: list[int] = []
    if session["taskId"] is None:  # (set: completed by a run that died before hearing so)
        size, total = session["partSizeBytes"], path.stat().st_size
        for number in kept:
            on_bytes(min(size, total - (number - 1) * size))
        missing = sorted(set(range(1, session["partCount"] + 1)) - set(kept))
        await _send_parts(client, path, session, missing, on_bytes, sent.append)
    done = await client.execute(ops.COMPLETE_UPLOAD, id=session["id"])
    result = _outcome(path, done["completeUpload"])
    result.parts_sent, result.parts_kept = sent, len(kept)
    if result.rejected is None or result.rejected["code"] != "INCOMPLETE_UPLOAD":
        memory.forget(key)
    return result


async def _start_session(
    client: SluiceClient, path: Path, *, datasource: str, options: dict[str, Any] | None
) -> dict[str, Any]:
    started = await client.execute(
        ops.START_UPLOAD,
        filename=path.name,
        sizeBytes=path.stat().st_size,
        datasource=datasource,
        options=options,
        contentType=mimetypes.guess_type(path.name)[0],
    )
    session: dict[str, Any] = started["startUpload"]
    return {"uploadedParts": [], "taskId": None, **session}


async def _remembered_session(
    client: SluiceClient, memory: SessionMemory, key: str
) -> dict[str, Any] | None:
    """The session an earlier run started for this file, if it can still be continued."""
    session_id = memory.get(key)
    if session_id is None:
        return None
    session: dict[str, Any] | None = (await client.execute(ops.UPLOAD_SESSION, id=session_id))[
        "uploadSession"
    ]
    if session is None or session["cancelled"]:
        memory.forget(key)
        return None
    return session  # (completed already: completeUpload answers with its task)


async def _send_parts(
    client: SluiceClient,
    path: Path,
    session: dict[str, Any],
    numbers: list[int],
    on_bytes: Progress,
    on_sent: Callable[[int], None],
) -> None:
    size, total = session["partSizeBytes"], path.stat().st_size
    urls: dict[int, str] = {}
    for first in range(1, session["partCount"] + 1, URL_PAGE):
        if any(first <= n < first + URL_PAGE for n in numbers):
            page = await client.execute(
                ops.PART_URLS, id=session["id"], first=first, count=URL_PAGE
            )
            urls.update((p["number"], p["url"]) for p in page["uploadSession"]["parts"])
    slots = asyncio.Semaphore(PART_CONCURRENCY)

    async def send(number: int) -> None:
        offset = (number - 1) * size
        length = min(size, total - offset)
        async with slots:
            await _put_with_retries(client, urls[number], path, offset, length, on_bytes)
        on_sent(number)

    try:
        async with asyncio.TaskGroup() as group:
            for number in numbers:
                group.create_task(send(number))
    except ExceptionGroup as failed:  # the first part that failed for good says why
        reason = failed.exceptions[0]
        raise (reason if isinstance(reason, SluiceError) else failed) from None


async def _put_with_retries(
    client: SluiceClient, url: str, path: Path, offset: int, length: int, on_bytes: Progress
) -> None:
    for attempt in range(1, PART_TRIES + 1):
        sent = 0

        def count(n: int) -> None:
            nonlocal sent
            sent += n
            on_bytes(n)

        try:
            await client.put_part(url, path, offset, length, count)
            return
        except (httpx.TransportError, httpx.HTTPStatusError) as exc:
            on_bytes(-sent)  # the progress bar goes back: this part starts over
            if attempt == PART_TRIES:
                raise SluiceError(
                    f"Sending {path.name} was interrupted ({exc}). Nothing is lost: run the "
                    "same command again and only the missing parts are sent."
                ) from exc
            await asyncio.sleep(0.5 * attempt)  # back off before trying the same part again
