"""The GraphQL enums mirror the core enums without registering anything on them."""

from __future__ import annotations

import subprocess
import sys

from core.errors import ErrorCode
from schema import export_sdl

CHECK = """
import schema
from core import errors, model
from core.queries import model as queries
schema.build_schema()
touched = [c.__name__ for c in (model.TaskStatus, model.WriteMode, model.ColumnType,
           errors.ErrorCode, queries.Aggregate, queries.Granularity, queries.SortDirection)
           if hasattr(c, "__strawberry_definition__")]
print(",".join(touched))
"""


def test_building_the_schema_leaves_the_core_enums_alone() -> None:
    done = subprocess.run(
        [sys.executable, "-c", CHECK], capture_output=True, text=True, check=True, timeout=60
    )
    assert done.stdout.strip() == ""


def test_every_error_code_is_in_the_graphql_enum() -> None:
    sdl = export_sdl()
    block = sdl[sdl.index("enum ErrorCode {") : sdl.index("}", sdl.index("enum ErrorCode {"))]
    assert {line.strip() for line in block.splitlines()[1:]} == {c.name for c in ErrorCode}
