"""Rows from all over a large CSV file, read without scanning it: the fast pass's histograms.

Counting histogram buckets over every row costs a group-by per value (about a quarter of the
fast pass on a 200 MB file). Bars of at most 20 bins do not need every row: `spread_sample`
reads `BLOCKS` blocks of whole lines at evenly spaced byte offsets (about 8 MB in all, so a
sorted file's time histogram covers its whole range), and the counts are scaled up to the
row count. A block that starts inside a quoted field spanning lines may not parse; it is
left out, and a line that parses into nonsense fails the value checks and is not counted.
"""

from __future__ import annotations

import polars as pl

from core.profiling.readers import Source

BLOCKS = 32
BLOCK_BYTES = 256 * 1024


def spread_sample(source: Source) -> pl.DataFrame | None:
    """Whole rows from `BLOCKS` places in a CSV file; None for a file smaller than that (its
    every row is cheap to count) and for other formats."""
    if source.format != "csv":
        return None
    size = source.path.stat().st_size
    if size <= BLOCKS * BLOCK_BYTES:
        return None
    blocks = []
    with source.path.open("rb") as f:
        for index in range(BLOCKS):
            f.seek(size * index // BLOCKS)
            block = f.read(BLOCK_BYTES)
            if index:  # drop the line the block starts in the middle of
                block = block[block.find(b"\n") + 1 :]
            blocks.append(block[: block.rfind(b"\n") + 1])  # and the one it ends in
    try:  # whole lines, so the blocks parse as one text; one parse costs less than 32
        return source.read_csv(b"".join(blocks)).collect()
    except pl.exceptions.PolarsError:  # a block began inside a quoted value: skip those
        parts = []
        for index, block in enumerate(blocks):
            try:
                parts.append(source.read_csv(block, skip_lines=0 if index else None).collect())
            except pl.exceptions.PolarsError:
                continue
        return pl.concat(parts) if parts else None
