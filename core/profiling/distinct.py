"""Approximate distinct counts that can be merged across chunks: HyperLogLog.

Polars' `approx_n_unique` is HyperLogLog too, but its registers are not exposed, so counts of
two chunks cannot be combined. Here the registers are ordinary Polars data (`Sketch`), raised
chunk by chunk. With 2^12 registers the standard error is about 1.6%.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import polars as pl

PRECISION = 12
REGISTERS = 1 << PRECISION
_UPPER = (1 << 64) - REGISTERS  # the hash bits above the register's
_SEED = 0x5EED


class Sketch:
    """HyperLogLog registers of several expressions, updated one chunk at a time.

    The registers are one dense Int8 series (slot = index * REGISTERS + register -> highest
    rank, 0 while empty). The register is the hash's low bits, the rank one more than the
    trailing zeros of the rest: the textbook leading-zero distribution, with cheap bit
    operations. Each chunk only group-bys the values that raise their register: once the
    registers have filled, that is almost none, so the group-by (the costly part) shrinks to
    nothing. Nulls are hashed too (all alike, so they count as one value; the caller subtracts
    it): filtering them out per column costs more than the whole sketch. An expression flagged
    as having few values is de-duplicated first: far fewer rows to rank.
    """

    def __init__(self, columns: Sequence[tuple[pl.Expr, bool]]) -> None:
        self._columns = list(columns)
        self._ranks = pl.Series("rank", [0] * (len(self._columns) * REGISTERS), dtype=pl.Int8)

    def add(self, frame: pl.DataFrame) -> None:
        if not self._columns:
            return
        lazy = frame.lazy()
        hashed = pl.col("h")
        # Trailing zeros of the bits above the register's: the register bits are masked off,
        # so a hash whose upper bits are all zero gets 64 - PRECISION, the cap.
        rank = (hashed & pl.lit(_UPPER, pl.UInt64)).bitwise_trailing_zeros() - (PRECISION - 1)
        parts = []
        for index, (expr, few) in enumerate(self._columns):
            hashes = lazy.select(h=expr.hash(seed=_SEED))
            parts.append(
                (hashes.unique() if few else hashes).select(
                    slot=(hashed & (REGISTERS - 1)).cast(pl.Int32) + index * REGISTERS,
                    rank=rank.cast(pl.Int8),
                )
            )
        current = pl.lit(self._ranks).gather(pl.col("slot"))
        raised = (
            pl.concat(parts)
            .filter(pl.col("rank") > current)
            .group_by("slot")
            .agg(pl.col("rank").max())
            .collect()
        )
        if raised.height:
            self._ranks = self._ranks.scatter(raised.get_column("slot"), raised.get_column("rank"))

    def registers(self) -> pl.DataFrame:
        """(slot, rank) of the filled registers, for `estimates`."""
        slots = pl.int_range(0, self._ranks.len(), dtype=pl.Int32, eager=True).alias("slot")
        return pl.DataFrame([slots, self._ranks]).filter(pl.col("rank") > 0)


def estimates(merged: pl.DataFrame, count: int) -> list[int]:
    """Distinct count of each of the `count` expressions, from merged registers."""
    alpha = 0.7213 / (1 + 1.079 / REGISTERS)
    ranks: list[list[int]] = [[] for _ in range(count)]
    for slot, rank in merged.iter_rows():
        ranks[slot // REGISTERS].append(rank)
    result = []
    for filled in ranks:
        total = sum(2.0**-r for r in filled) + (REGISTERS - len(filled))  # empty: 2^0
        estimate = alpha * REGISTERS * REGISTERS / total
        if estimate <= 2.5 * REGISTERS and len(filled) < REGISTERS:
            estimate = REGISTERS * math.log(REGISTERS / (REGISTERS - len(filled)))
        result.append(round(estimate))
    return result
