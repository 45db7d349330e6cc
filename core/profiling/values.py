"""What a text value means: the one definition of a number, a boolean and a null.

Every pass (the sample that plans, the fast pass, the main pass, the repair of overturned
columns) reads text through these expressions, so no two passes can disagree about a value
(tests/unit/test_profiling_values.py generates CSVs to prove it). The rules keep every value
exact in Druid:

- LONG: an integer without leading zeros (`00501` and `007` are codes, kept as text) that
  fits in 64 bits (Druid stores a LONG as a Java long). No blanks around it: `" 5"` is text.
- DOUBLE: a decimal number (`2.5`, `-1e3`, `.5`; no `NaN`, no infinity, no leading zeros)
  with at most 15 significant digits, which any double holds exactly; `0.1234567890123456789`
  or an integer beyond 2^53 among decimals would land rounded, so such a column stays text.
- BOOLEAN: `true` / `false`, lower case (`0`/`1` and `yes`/`no` stay numbers and text).
- Null tokens: in a column whose other values are numbers, booleans or times, `NA`, `N/A`,
  `NULL` and `-` alone (and `NaN` among numbers) are nulls, as an empty field is; the profile
  lists the ones found per column. A text column keeps them as text: nothing there is lost.
"""

from __future__ import annotations

import polars as pl

from core.model import ColumnType

NULL_TOKENS: tuple[str, ...] = ("NA", "N/A", "NULL", "-")
NUMERIC_NULL_TOKENS: tuple[str, ...] = (*NULL_TOKENS, "NaN")
BOOLEAN_WORDS = ("true", "false")
EXACT_DIGITS = 15  # significant decimal digits every double holds exactly (DBL_DIG)

_LEADING_ZERO = r"^[+-]?0[0-9]"
_DOUBLE_SHAPE = r"^[+-]?(?:(?:0|[1-9][0-9]*)(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$"


def null_tokens(column_type: ColumnType) -> tuple[str, ...]:
    """The texts read as null in a column of `column_type` (besides an empty field)."""
    if column_type in (ColumnType.LONG, ColumnType.DOUBLE):
        return NUMERIC_NULL_TOKENS
    if column_type == ColumnType.STRING:
        return ()
    return NULL_TOKENS


def is_null_token(text: pl.Expr, column_type: ColumnType) -> pl.Expr:
    """Whether the text is one of the column type's null tokens."""
    tokens = null_tokens(column_type)
    return text.is_in(tokens) if tokens else pl.lit(False)


def long_value(text: pl.Expr) -> pl.Expr:
    """The text as an Int64; null unless it is a LONG as the module docstring defines it."""
    return pl.when(~text.str.contains(_LEADING_ZERO)).then(text.cast(pl.Int64, strict=False))


def double_value(text: pl.Expr) -> pl.Expr:
    """The text as a Float64; null unless it is a DOUBLE Druid stores exactly."""
    floats = text.cast(pl.Float64, strict=False)
    exact = text.str.contains(_DOUBLE_SHAPE) & (significant_digits(text) <= EXACT_DIGITS)
    return pl.when(exact & floats.is_finite()).then(floats)


def significant_digits(text: pl.Expr) -> pl.Expr:
    """Digits of a decimal number's mantissa without leading and trailing zeros."""
    mantissa = text.str.replace(r"[eE].*$", "").str.replace_all(r"[^0-9]", "")
    return mantissa.str.strip_chars("0").str.len_bytes()


def boolean_value(text: pl.Expr) -> pl.Expr:
    """The text as a Boolean; null unless it is `true` or `false`."""
    return pl.when(text.is_in(BOOLEAN_WORDS)).then(text == "true")


def why_text(values: pl.Series) -> str | None:
    """Why a sample column of number-like text is kept as text, or None when it is not
    number-like: the warning that tells a person their digits were kept exactly."""
    present = values.drop_nulls()
    present = present.filter(~present.is_in(NUMERIC_NULL_TOKENS))
    if present.is_empty() or present.cast(pl.Float64, strict=False).null_count():
        return None  # some value is not a number at all: plain text
    frame = pl.DataFrame({"v": present})
    v = pl.col("v")
    checks = frame.select(
        zeros=v.filter(v.str.contains(_LEADING_ZERO)).first(),
        long=v.filter(long_value(v).is_null() & ~v.str.contains(r"[.eE]")).first(),
        inexact=v.filter(double_value(v).is_null() & v.str.contains(_DOUBLE_SHAPE)).first(),
    ).row(0, named=True)
    if checks["zeros"] is not None:
        return f"values like '{checks['zeros']}' have leading zeros a number would drop"
    if checks["long"] is not None:
        return f"values like '{checks['long']}' are beyond the range of a 64-bit integer"
    if checks["inexact"] is not None:
        return (
            f"values like '{checks['inexact']}' have more digits than a floating-point "
            f"number holds exactly ({EXACT_DIGITS})"
        )
    return None
