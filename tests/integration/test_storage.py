"""The streaming multipart writer against real S3 (SeaweedFS)."""

from __future__ import annotations

import hashlib
import os
from collections.abc import AsyncIterator

import pytest

from core.storage import ObjectTooLarge, S3ObjectStore


async def _chunks(data: bytes, size: int = 1024 * 1024) -> AsyncIterator[bytes]:
    for start in range(0, len(data), size):
        yield data[start : start + size]


async def test_many_parts_arrive_whole_and_in_order(store: S3ObjectStore, clean: None) -> None:
    data = os.urandom(5 * store.settings.s3_part_size + 12345)  # six parts, the last one short

    stored = await store.put_stream("t/big.bin", _chunks(data), max_bytes=len(data))

    assert stored.size == len(data)
    assert stored.sha256 == hashlib.sha256(data).hexdigest()
    assert stored.head == data[: len(stored.head)] and len(stored.head) == 64 * 1024
    assert await store.read_bytes("t/big.bin") == data


async def test_too_large_aborts_and_leaves_nothing(store: S3ObjectStore, clean: None) -> None:
    data = os.urandom(3 * store.settings.s3_part_size)

    with pytest.raises(ObjectTooLarge):
        await store.put_stream("t/too-big.bin", _chunks(data), max_bytes=len(data) - 1)

    assert await store.list_keys("t/") == []


async def test_empty_stream_stores_an_empty_object(store: S3ObjectStore, clean: None) -> None:
    stored = await store.put_stream("t/empty.bin", _chunks(b""), max_bytes=10)
    assert stored.size == 0
    assert await store.read_bytes("t/empty.bin") == b""
