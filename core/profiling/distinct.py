"""Approximate distinct counts that can be merged across chunks: HyperLogLog.

Polars' `approx_n_unique` is HyperLogLog too, but its registers are not exposed, so counts of
two chunks cannot be combined. Here the registers are ordinary Polars data: per chunk, one
group-by of slot (column index x register) -> highest rank; chunks merge by taking the
maximum again. With 2^12 registers the standard error is about 1.6%.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import polars as pl

PRECISION = 12
REGISTERS = 1 << PRECISION
_HIGH_BITS = 64 - PRECISION
_SEED = 0x5EED


def registers(frame: pl.DataFrame, columns: Sequence[tuple[pl.Expr, bool]]) -> pl.DataFrame:
    """(slot, rank) for the values of each expression; slot = index * REGISTERS + register.

    The register is the hash's low bits, the rank one more than the trailing zeros of the
    rest: the textbook leading-zero distribution, with cheap bit operations. Nulls are hashed
    too (all alike, so they count as one value; the caller subtracts it): filtering them out
    per column costs more than the whole sketch. An expression flagged as having few values
    is de-duplicated first: far fewer rows for the group-by.
    """
    if not columns:
        return _empty()
    lazy = frame.lazy()
    slots = []
    hashed = pl.col("h")
    rank = (hashed // REGISTERS).bitwise_trailing_zeros().clip(upper_bound=_HIGH_BITS) + 1
    for index, (expr, few) in enumerate(columns):
        hashes = lazy.select(h=expr.hash(seed=_SEED))
        slots.append((hashes.unique() if few else hashes).select(
            slot=(hashed % REGISTERS + index * REGISTERS).cast(pl.Int32),
            rank=rank.cast(pl.Int8),
        ))
    return merge([pl.concat(slots).collect()])


def merge(parts: list[pl.DataFrame]) -> pl.DataFrame:
    """Combine (slot, rank) frames, e.g. of several chunks, into one."""
    if not parts:
        return _empty()
    return pl.concat(parts).group_by("slot").agg(pl.col("rank").max())


def estimates(merged: pl.DataFrame, count: int) -> list[int]:
    """Distinct count of each of the `count` expressions, from merged registers."""
    alpha = 0.7213 / (1 + 1.079 / REGISTERS)
    ranks: list[list[int]] = [[] for _ in range(count)]
    for slot, rank in merged.iter_rows():
        ranks[slot // REGISTERS].append(rank)
    result = []
    for filled in ranks:
        total = sum(2.0 ** -r for r in filled) + (REGISTERS - len(filled))  # empty: 2^0
        estimate = alpha * REGISTERS * REGISTERS / total
        if estimate <= 2.5 * REGISTERS and len(filled) < REGISTERS:
            estimate = REGISTERS * math.log(REGISTERS / (REGISTERS - len(filled)))
        result.append(round(estimate))
    return result


def _empty() -> pl.DataFrame:
    return pl.DataFrame(schema={"slot": pl.Int32, "rank": pl.Int8})
