"""S3 object store (aioboto3): streaming multipart uploads with hashing, downloads, cleanup.

Key layout in the bucket:
    uploads/{upload_id}/{filename}        raw files as received
    staged/{datasource}/{task_id}/...     validated files Druid reads
    quarantine/{task_id}/rows.csv         rows we could not ingest, with the reason per row
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol, Self

import aioboto3
from aiobotocore.config import AioConfig
from botocore.exceptions import ClientError

from core.names import safe_filename
from core.settings import Settings


def staged_prefix(datasource: str, task_id: str, attempt: int | None = None) -> str:
    """Where a task's staged parts go: of one attempt, or (`attempt` None) of all of them.
    The datasource is made key-safe: Druid parses the s3:// URIs, and a space or '%' (both
    allowed in a datasource name) would break them."""
    prefix = f"staged/{safe_filename(datasource)}/{task_id}/"
    return prefix if attempt is None else f"{prefix}attempt-{attempt}/"


class StorageError(Exception):
    """The object store failed or refused a request."""


class ObjectTooLarge(StorageError):
    def __init__(self, limit: int) -> None:
        self.limit = limit
        super().__init__(f"object exceeds the limit of {limit} bytes")


class ObjectMissing(StorageError):
    """The object is not in the bucket (removed, or the store lost it)."""

    def __init__(self, key: str) -> None:
        self.key = key
        super().__init__(f"no object {key}")


_MISSING = ("404", "NoSuchKey", "NotFound")


@dataclass(frozen=True, slots=True)
class StoredObject:
    key: str
    size: int
    sha256: str
    head: bytes  # the first bytes, for a quick content sniff without another read


@dataclass(frozen=True, slots=True)
class UnfinishedMultipart:
    key: str
    upload_id: str
    initiated: datetime


class ObjectStore(Protocol):
    bucket: str

    def uri(self, key: str) -> str: ...
    async def put_stream(
        self, key: str, chunks: AsyncIterator[bytes], *, max_bytes: int, content_type: str | None
    ) -> StoredObject: ...
    async def put_file(self, key: str, path: Path, *, content_type: str | None = None) -> None: ...
    async def download(self, key: str, path: Path) -> int: ...
    async def delete(self, key: str) -> None: ...
    async def delete_prefix(self, prefix: str) -> int: ...
    async def exists(self, key: str) -> bool: ...
    async def read_head(self, key: str, size: int) -> bytes: ...
    async def start_multipart(self, key: str, *, content_type: str | None = None) -> str: ...
    async def presigned_part(
        self, key: str, upload_id: str, number: int, *, expires_s: int
    ) -> str: ...
    async def uploaded_parts(self, key: str, upload_id: str) -> list[tuple[int, str, int]]: ...
    async def complete_multipart(
        self, key: str, upload_id: str, parts: list[tuple[int, str, int]]
    ) -> None: ...
    async def abort_multipart(self, key: str, upload_id: str) -> None: ...
    async def unfinished_multiparts(self, prefix: str) -> list[UnfinishedMultipart]: ...
    async def presigned_get(
        self, key: str, *, expires_s: int = 3600, filename: str | None = None
    ) -> str: ...


HEAD_BYTES = 64 * 1024
PARTS_IN_FLIGHT = 3


class S3ObjectStore:
    """`ObjectStore` on any S3-compatible server. Use as an async context manager."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.bucket = settings.s3_bucket
        self._stack = AsyncExitStack()
        self._client: Any = None

    async def __aenter__(self) -> Self:
        session = aioboto3.Session(
            aws_access_key_id=self.settings.s3_access_key or None,
            aws_secret_access_key=self.settings.s3_secret_key or None,
            region_name=self.settings.s3_region,
        )
        config = AioConfig(
            signature_version="s3v4",
            s3={"addressing_style": "path"},
            retries={"max_attempts": 3, "mode": "standard"},
            max_pool_connections=32,
            # Plain checksums: S3 clones do not all understand the newer trailer checksums.
            request_checksum_calculation="when_required",
            response_checksum_validation="when_required",
        )
        self._client = await self._stack.enter_async_context(
            session.client("s3", endpoint_url=self.settings.s3_endpoint_url, config=config)
        )
        return self

    async def __aexit__(self, *_: object) -> None:
        await self._stack.aclose()

    def uri(self, key: str) -> str:
        return f"s3://{self.bucket}/{key}"

    async def ensure_bucket(self, name: str | None = None) -> None:
        bucket = name or self.bucket
        try:
            await self._client.head_bucket(Bucket=bucket)
        except ClientError:
            try:
                await self._client.create_bucket(Bucket=bucket)
            except ClientError as exc:
                code = exc.response.get("Error", {}).get("Code")
                if code not in ("BucketAlreadyOwnedByYou", "BucketAlreadyExists"):
                    raise StorageError(f"cannot create bucket {bucket!r}: {exc}") from exc

    async def put_stream(
        self,
        key: str,
        chunks: AsyncIterator[bytes],
        *,
        max_bytes: int,
        content_type: str | None = None,
    ) -> StoredObject:
        """Stream `chunks` into a multipart upload while hashing them.

        Up to `PARTS_IN_FLIGHT` parts upload while the next one is read, so the client is not
        held up by S3 round trips; memory stays at about that many parts (8 MiB each) whatever
        the file size. On any error, including `ObjectTooLarge`, the multipart upload is
        aborted: nothing is left behind.
        """
        extra = {"ContentType": content_type} if content_type else {}
        created = await self._client.create_multipart_upload(Bucket=self.bucket, Key=key, **extra)
        upload_id = created["UploadId"]
        digest, size, head = hashlib.sha256(), 0, bytearray()
        uploads: list[asyncio.Task[dict[str, Any]]] = []
        slots = asyncio.Semaphore(PARTS_IN_FLIGHT)
        buffer = bytearray()
        part_size = self.settings.s3_part_size

        async def send(number: int, data: bytearray) -> dict[str, Any]:
            try:
                return await self._upload_part(key, upload_id, number, data)
            finally:
                slots.release()

        async def flush(data: bytearray) -> None:
            await slots.acquire()  # back-pressure: wait while PARTS_IN_FLIGHT are uploading
            uploads.append(asyncio.create_task(send(len(uploads) + 1, data)))

        try:
            async for chunk in chunks:
                size += len(chunk)
                if size > max_bytes:
                    raise ObjectTooLarge(max_bytes)
                digest.update(chunk)
                if len(head) < HEAD_BYTES:
                    head += chunk[: HEAD_BYTES - len(head)]
                buffer += chunk
                if len(buffer) >= part_size:
                    await flush(buffer)
                    buffer = bytearray()
            if buffer or not uploads:
                await flush(buffer)
            parts = await asyncio.gather(*uploads)
            await self._client.complete_multipart_upload(
                Bucket=self.bucket, Key=key, UploadId=upload_id, MultipartUpload={"Parts": parts}
            )
        except BaseException:
            for upload in uploads:
                upload.cancel()
            await asyncio.gather(*uploads, return_exceptions=True)
            await self._client.abort_multipart_upload(
                Bucket=self.bucket, Key=key, UploadId=upload_id
            )
            raise
        return StoredObject(key=key, size=size, sha256=digest.hexdigest(), head=bytes(head))

    async def _upload_part(
        self, key: str, upload_id: str, number: int, data: bytearray
    ) -> dict[str, Any]:
        response = await self._client.upload_part(
            Bucket=self.bucket, Key=key, UploadId=upload_id, PartNumber=number, Body=bytes(data)
        )
        return {"ETag": response["ETag"], "PartNumber": number}

    async def put_file(self, key: str, path: Path, *, content_type: str | None = None) -> None:
        extra = {"ContentType": content_type} if content_type else {}
        await self._client.upload_file(str(path), self.bucket, key, ExtraArgs=extra)

    async def download(self, key: str, path: Path) -> int:
        """Stream an object to a local file; returns its size. `ObjectMissing` if there is none."""
        try:
            response = await self._client.get_object(Bucket=self.bucket, Key=key)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in _MISSING:
                raise ObjectMissing(key) from exc
            raise
        size = 0
        with path.open("wb") as out:
            async for chunk in response["Body"].iter_chunks(1024 * 1024):
                out.write(chunk)
                size += len(chunk)
        return size

    async def delete(self, key: str) -> None:
        await self._client.delete_object(Bucket=self.bucket, Key=key)

    async def delete_prefix(self, prefix: str) -> int:
        deleted = 0
        paginator = self._client.get_paginator("list_objects_v2")
        async for page in paginator.paginate(Bucket=self.bucket, Prefix=prefix):
            keys = [{"Key": item["Key"]} for item in page.get("Contents", [])]
            if keys:
                await self._client.delete_objects(Bucket=self.bucket, Delete={"Objects": keys})
                deleted += len(keys)
        return deleted

    async def exists(self, key: str) -> bool:
        try:
            await self._client.head_object(Bucket=self.bucket, Key=key)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in _MISSING:
                return False
            raise
        return True

    async def list_keys(self, prefix: str) -> list[str]:
        keys: list[str] = []
        paginator = self._client.get_paginator("list_objects_v2")
        async for page in paginator.paginate(Bucket=self.bucket, Prefix=prefix):
            keys.extend(item["Key"] for item in page.get("Contents", []))
        return keys

    async def read_bytes(self, key: str) -> bytes:
        response = await self._client.get_object(Bucket=self.bucket, Key=key)
        async with response["Body"] as body:
            data: bytes = await body.read()
        return data

    async def read_head(self, key: str, size: int) -> bytes:
        """The first `size` bytes of an object (one ranged GET)."""
        response = await self._client.get_object(
            Bucket=self.bucket, Key=key, Range=f"bytes=0-{size - 1}"
        )
        async with response["Body"] as body:
            data: bytes = await body.read()
        return data

    # Multipart uploads whose parts the client sends itself (core/resumable.py).

    async def start_multipart(self, key: str, *, content_type: str | None = None) -> str:
        extra = {"ContentType": content_type} if content_type else {}
        created = await self._client.create_multipart_upload(Bucket=self.bucket, Key=key, **extra)
        upload_id: str = created["UploadId"]
        return upload_id

    async def presigned_part(self, key: str, upload_id: str, number: int, *, expires_s: int) -> str:
        """A time-limited URL to PUT part `number` (1-based) of a multipart upload to."""
        params = {"Bucket": self.bucket, "Key": key, "UploadId": upload_id, "PartNumber": number}
        url: str = await self._client.generate_presigned_url(
            "upload_part", Params=params, ExpiresIn=expires_s
        )
        return url

    async def uploaded_parts(self, key: str, upload_id: str) -> list[tuple[int, str, int]]:
        """(number, ETag, size) of the parts S3 holds so far, in order."""
        parts: list[tuple[int, str, int]] = []
        paginator = self._client.get_paginator("list_parts")
        async for page in paginator.paginate(Bucket=self.bucket, Key=key, UploadId=upload_id):
            parts += [(p["PartNumber"], p["ETag"], p["Size"]) for p in page.get("Parts", [])]
        return sorted(parts)

    async def complete_multipart(
        self, key: str, upload_id: str, parts: list[tuple[int, str, int]]
    ) -> None:
        await self._client.complete_multipart_upload(
            Bucket=self.bucket,
            Key=key,
            UploadId=upload_id,
            MultipartUpload={"Parts": [{"PartNumber": n, "ETag": etag} for n, etag, _ in parts]},
        )

    async def abort_multipart(self, key: str, upload_id: str) -> None:
        await self._client.abort_multipart_upload(Bucket=self.bucket, Key=key, UploadId=upload_id)

    async def unfinished_multiparts(self, prefix: str) -> list[UnfinishedMultipart]:
        """Multipart uploads under `prefix` that were neither completed nor aborted."""
        found: list[UnfinishedMultipart] = []
        paginator = self._client.get_paginator("list_multipart_uploads")
        async for page in paginator.paginate(Bucket=self.bucket, Prefix=prefix):
            found += [
                UnfinishedMultipart(u["Key"], u["UploadId"], u["Initiated"])
                for u in page.get("Uploads", [])
            ]
        return found

    async def presigned_get(
        self, key: str, *, expires_s: int = 3600, filename: str | None = None
    ) -> str:
        """A time-limited URL a browser can download the object from."""
        params = {"Bucket": self.bucket, "Key": key}
        if filename:
            params["ResponseContentDisposition"] = f'attachment; filename="{filename}"'
        url: str = await self._client.generate_presigned_url(
            "get_object", Params=params, ExpiresIn=expires_s
        )
        return url
