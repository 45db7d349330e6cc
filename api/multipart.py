"""GraphQL multipart requests (the spec apollo-upload-client speaks), streamed.

Strawberry's own multipart support lets Starlette spool each file to disk first. Here each file
part goes straight from the socket into an S3 multipart upload while it is hashed, so memory
stays at about one S3 part and there is no local copy. The `operations` and `map` parts come
first (the spec requires it), then the files; the operation runs once the body is complete,
with every `Upload` variable replaced by a `ReceivedFile` that already lives in S3.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError
from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response

from core.errors import ErrorCode
from core.settings import Settings
from core.storage import ObjectStore, ObjectTooLarge
from core.uploads import ReceivedFile, new_id, raw_key

log = logging.getLogger(__name__)

MAX_FIELD_BYTES = 1024 * 1024  # operations / map JSON
_END = object()


class MultipartError(Exception):
    """The request body does not follow the GraphQL multipart request spec."""


class _Part:
    def __init__(self) -> None:
        self.headers: dict[bytes, bytes] = {}
        self.name = ""
        self.filename: str | None = None
        self.content_type: str | None = None
        self.data = bytearray()
        self.queue: asyncio.Queue[object] | None = None
        self.writer: asyncio.Task[Any] | None = None
        self.received: ReceivedFile | None = None


class _StreamingForm:
    """Feeds body chunks to python-multipart and streams file parts to the object store."""

    def __init__(self, store: ObjectStore, *, settings: Settings) -> None:
        self.store = store
        self.max_file_bytes = settings.max_upload_bytes
        self.max_files = settings.max_multipart_files
        self.max_fields = settings.max_multipart_fields
        self.fields: dict[str, bytes] = {}
        self.parts = 0
        # Parsed and checked before the first file byte goes to S3.
        self.operations: dict[str, Any] | None = None
        self.mapping: dict[str, list[str]] = {}
        self.files: dict[str, ReceivedFile] = {}
        self._events: list[tuple[str, Any]] = []
        self._part: _Part | None = None
        self._field, self._value = b"", b""
        self.writers: list[asyncio.Task[Any]] = []

    def callbacks(self) -> dict[str, Callable[..., None]]:
        events = self._events
        return {
            "on_part_begin": lambda: events.append(("begin", None)),
            "on_header_field": lambda d, s, e: events.append(("hfield", d[s:e])),
            "on_header_value": lambda d, s, e: events.append(("hvalue", d[s:e])),
            "on_header_end": lambda: events.append(("hend", None)),
            "on_headers_finished": lambda: events.append(("headers", None)),
            "on_part_data": lambda d, s, e: events.append(("data", bytes(d[s:e]))),
            "on_part_end": lambda: events.append(("end", None)),
        }

    async def process(self) -> None:
        events, self._events[:] = list(self._events), []
        for kind, value in events:
            await self._handle(kind, value)

    async def _handle(self, kind: str, value: Any) -> None:
        if kind == "begin":
            self._part = _Part()
            return
        part = self._part
        assert part is not None
        if kind == "hfield":
            self._field += value
        elif kind == "hvalue":
            self._value += value
        elif kind == "hend":
            part.headers[self._field.lower()] = self._value
            self._field, self._value = b"", b""
        elif kind == "headers":
            self._start_part(part)
        elif kind == "data":
            await self._part_data(part, value)
        elif kind == "end":
            await self._end_part(part)

    def _start_part(self, part: _Part) -> None:
        _, params = parse_options_header(part.headers.get(b"content-disposition", b""))
        part.name = params.get(b"name", b"").decode("utf-8", "replace")
        self.parts += 1
        if b"filename" not in params:
            if self.parts - len(self.files) > self.max_fields:
                raise MultipartError(f"more than {self.max_fields} non-file fields")
            return
        if self.operations is None:  # the spec sends operations and map before any file
            self.operations, self.mapping = _validated(self.fields)
        if part.name not in self.mapping:
            raise MultipartError(f"the file part '{part.name}' is not named in the map")
        if part.name in self.files:
            raise MultipartError(f"the file part '{part.name}' is sent twice")
        if len(self.files) >= self.max_files:
            raise MultipartError(f"more than {self.max_files} files in one request")
        part.filename = params[b"filename"].decode("utf-8", "replace") or "upload"
        ctype = part.headers.get(b"content-type")
        part.content_type = ctype.decode("latin-1") if ctype else None
        upload_id = new_id()
        part.received = ReceivedFile(
            upload_id=upload_id, filename=part.filename, content_type=part.content_type
        )
        part.queue = asyncio.Queue(maxsize=8)  # backpressure: the socket waits for S3
        part.writer = asyncio.create_task(self._write(part, raw_key(upload_id, part.filename)))
        self.writers.append(part.writer)
        self.files[part.name] = part.received

    async def _write(self, part: _Part, key: str) -> None:
        assert part.queue is not None and part.received is not None
        queue = part.queue

        async def chunks() -> AsyncIterator[bytes]:
            while (item := await queue.get()) is not _END:
                assert isinstance(item, bytes)
                yield item

        try:
            part.received.stored = await self.store.put_stream(
                key, chunks(), max_bytes=self.max_file_bytes, content_type=part.content_type
            )
        except ObjectTooLarge:
            part.received.too_large = True

    async def _part_data(self, part: _Part, data: bytes) -> None:
        if part.queue is None:
            part.data += data
            if len(part.data) > MAX_FIELD_BYTES:
                raise MultipartError(f"the '{part.name}' field is larger than 1 MB")
            return
        assert part.writer is not None
        if not part.writer.done():  # after ObjectTooLarge the rest of the part is discarded
            await part.queue.put(data)

    async def _end_part(self, part: _Part) -> None:
        if part.queue is None:
            self.fields[part.name] = bytes(part.data)
            return
        assert part.writer is not None
        if not part.writer.done():
            await part.queue.put(_END)
        await part.writer


async def _parse(request: Request, form: _StreamingForm) -> None:
    content_type, params = parse_options_header(request.headers.get("content-type", ""))
    boundary = params.get(b"boundary")
    if content_type != b"multipart/form-data" or not boundary:
        raise MultipartError("expected multipart/form-data with a boundary")
    parser = MultipartParser(boundary, form.callbacks())  # type: ignore[arg-type]
    async for chunk in request.stream():
        parser.write(chunk)
        await form.process()
    parser.finalize()
    await form.process()


def _set_path(target: Any, path: str, value: Any) -> None:
    keys = path.split(".")
    for key in keys[:-1]:
        target = target[int(key)] if isinstance(target, list) else target[key]
    last = keys[-1]
    if isinstance(target, list):
        target[int(last)] = value
    else:
        target[last] = value


def _json_field(fields: dict[str, bytes], name: str) -> Any:
    raw = fields.get(name)
    if raw is None:
        raise MultipartError(f"the '{name}' field is missing; it must come before the files")
    try:
        return json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise MultipartError(f"the '{name}' field is not UTF-8 text") from exc
    except json.JSONDecodeError as exc:
        raise MultipartError(
            f"the '{name}' field is not valid JSON (line {exc.lineno}, column {exc.colno})"
        ) from exc


def _validated(fields: dict[str, bytes]) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """`operations` and `map`, checked for shape (files are attached later)."""
    operations = _json_field(fields, "operations")
    mapping = _json_field(fields, "map")
    if not isinstance(operations, dict):
        raise MultipartError("'operations' must be one JSON object (batches are not supported)")
    if not isinstance(operations.get("query"), str):
        raise MultipartError("'operations' must have the GraphQL document as a string 'query'")
    if not isinstance(operations.get("variables") or {}, dict):
        raise MultipartError("'variables' in 'operations' must be a JSON object")
    if not isinstance(mapping, dict):
        raise MultipartError("'map' must be a JSON object of file part names to variable paths")
    for name, paths in mapping.items():
        if not isinstance(paths, list) or not all(isinstance(p, str) for p in paths):
            raise MultipartError(f"the map entry for '{name}' must be a list of variable paths")
        for path in paths:
            if not path.startswith("variables."):
                raise MultipartError(f"the map path '{path}' does not point into variables")
            try:
                _set_path(operations, path, None)  # where the file goes: null until then
            except (KeyError, IndexError, ValueError, TypeError) as exc:
                raise MultipartError(f"the map path '{path}' does not exist in operations") from exc
    return operations, mapping


def _operations(form: _StreamingForm) -> dict[str, Any]:
    operations, mapping = (
        (form.operations, form.mapping) if form.operations else _validated(form.fields)
    )
    for name, paths in mapping.items():
        if name not in form.files:
            raise MultipartError(f"the map names file part '{name}', which was not sent")
        for path in paths:
            try:
                _set_path(operations, path, form.files[name])
            except (KeyError, IndexError, ValueError, TypeError) as exc:
                raise MultipartError(f"the map path '{path}' does not exist in operations") from exc
    return operations


Execute = Callable[[Request, dict[str, Any]], Awaitable[Response]]


async def handle_multipart(
    request: Request, *, store: ObjectStore, settings: Settings, execute: Execute
) -> Response:
    """Parse and stream the body, run the operation, then delete every unclaimed raw object."""
    form = _StreamingForm(store, settings=settings)
    try:
        await _parse(request, form)
        return await execute(request, _operations(form))
    except MultipartError as exc:
        return bad_request(str(exc))
    except ClientDisconnect:
        return Response(status_code=499)
    except (BotoCoreError, ClientError) as exc:
        return storage_unavailable(exc)
    finally:
        await _cleanup(form, store)


def bad_request(problem: str) -> JSONResponse:
    """HTTP 400 with a GraphQL-shaped body, so a GraphQL client shows the reason."""
    message = (
        f"Bad multipart request: {problem}. Send the GraphQL multipart request spec's parts "
        "('operations', then 'map', then the files), as apollo-upload-client or `curl -F` do."
    )
    error = {"message": message, "extensions": {"code": ErrorCode.INVALID_REQUEST.value}}
    return JSONResponse({"data": None, "errors": [error]}, 400)


def storage_unavailable(exc: Exception) -> JSONResponse:
    """HTTP 503 when the object store fails while a file streams in: nothing was kept (the S3
    multipart upload is aborted, no task exists), so sending the file again is safe."""
    incident = uuid.uuid4().hex[:12]
    log.warning("incident %s: the object store failed during an upload: %r", incident, exc)
    message = (
        "The file could not be stored: Sluice's object store (S3) did not accept it. Nothing "
        "was kept and no task was created; send the file again in a minute. If it keeps "
        f"happening, tell your Sluice operator (incident {incident})."
    )
    code = ErrorCode.S3_UNAVAILABLE.value
    error = {"message": message, "extensions": {"code": code, "incident": incident}}
    return JSONResponse({"data": None, "errors": [error]}, 503, headers={"Retry-After": "60"})


async def _cleanup(form: _StreamingForm, store: ObjectStore) -> None:
    for writer in form.writers:
        if not writer.done():
            writer.cancel()  # aborts the S3 multipart upload
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await writer
    for received in form.files.values():
        if received.stored is not None and not received.claimed:
            await store.delete(received.stored.key)
