"""Build a dataclass from a source with the same field names: a database row or a core object.

Rows of `uploads`, `upload_sessions` and `datasets` become core dataclasses, and core
dataclasses become Strawberry output types, mostly name for name with a few fields computed;
spelling out every `name=row["name"]` hid those few among dozens of copies (and a field added
on both sides could be forgotten in the copy).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import fields
from typing import Any, TypeVar

import asyncpg

T = TypeVar("T")


def mirror(cls: type[T], source: object, **computed: object) -> T:
    """An instance of the dataclass `cls` (Strawberry types are dataclasses): each field given
    in `computed`, every other one read from `source` under the same name (an item of a row or
    mapping, else an attribute)."""
    read: Callable[[str], Any]
    if isinstance(source, Mapping | asyncpg.Record):
        read = source.__getitem__
    else:
        read = lambda name: getattr(source, name)  # noqa: E731
    copied = {
        field.name: read(field.name)
        for field in fields(cls)  # type: ignore[arg-type]
        if field.init and field.name not in computed
    }
    return cls(**copied, **computed)
