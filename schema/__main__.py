"""`python -m schema` writes schema.graphql at the repository root."""

from __future__ import annotations

from pathlib import Path

from schema import export_sdl

target = Path(__file__).resolve().parent.parent / "schema.graphql"
target.write_text(export_sdl())
print(f"wrote {target.name}")
