"""What a text value means: the one definition of a number, a boolean and a null.

Every pass (the sample that plans, the fast pass, the main pass, the repair of overturned
columns) reads text through these expressions, so no two passes can disagree about a value
(tests/unit/test_profiling_values.py generates CSVs to prove it). The rules keep every value
exact in Druid:

- LONG: an integer without leading zeros (`00501` and `007` are codes, kept as text) that
  fits in 64 bits (Druid stores a LONG as a Java long). No blanks around it: `" 5"` is text.
- DOUBLE: a decimal number (`2.5`, `-1e3`, `.5`; no `NaN`, no infinity, no leading zeros)
  that a double holds exactly: its significant digits are those of the double's shortest
  rendering, which Druid gives back (`9481.050000000001` is one; `0.1234567890123456789` or
  an integer beyond 2^53 among decimals would land rounded, so such a column stays text).
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
    """The text as an Int64; null unless it is a LONG as the module docstring defines it.
    (Polars' cast takes no blanks, no `_` and nothing beyond 64 bits.)"""
    return pl.when(~text.str.contains(_LEADING_ZERO)).then(text.cast(pl.Int64, strict=False))


def double_value(text: pl.Expr) -> pl.Expr:
    """The text as a finite Float64 without leading zeros, else null. Whether a double holds
    it exactly is `inexact`'s question, asked only of long texts (it costs three regexes)."""
    floats = text.cast(pl.Float64, strict=False)
    return pl.when(~text.str.contains(_LEADING_ZERO) & floats.is_finite()).then(floats)


def inexact(text: pl.Expr, value: pl.Expr | None = None) -> pl.Expr:
    """How many texts read as a double but land as another number: their significant digits
    differ from those of the double's shortest rendering (`9481.050000000001` is exact,
    `9007199254740993` is not). A text of at most 15 bytes has at most 15 digits, always
    exact, and one equal to its rendering is exact too: only the others take the regexes.
    `value` is `double_value(text)` when the caller has it already."""
    value = double_value(text) if value is None else value
    long = text.str.len_bytes() > EXACT_DIGITS
    rendered = value.filter(long).cast(pl.String)
    written = text.filter(long)
    unlike = rendered.is_not_null() & (rendered != written)
    differs = significant_digits(written.filter(unlike)) != significant_digits(
        rendered.filter(unlike)
    )
    return differs.sum()


def significant_digits(text: pl.Expr) -> pl.Expr:
    """The digits of a decimal number's mantissa without leading and trailing zeros."""
    mantissa = text.str.replace(r"[eE].*$", "").str.replace_all(r"[^0-9]", "")
    return mantissa.str.strip_chars("0")


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
    long_text = v.str.len_bytes() > EXACT_DIGITS
    rendered = significant_digits(v.cast(pl.Float64, strict=False).cast(pl.String))
    checks = frame.select(
        zeros=v.filter(v.str.contains(_LEADING_ZERO)).first(),
        long=v.filter(long_value(v).is_null() & ~v.str.contains(r"[.eE]")).first(),
        inexact=v.filter(long_text & (significant_digits(v) != rendered)).first(),
    ).row(0, named=True)
    if checks["zeros"] is not None:
        return f"values like '{checks['zeros']}' have leading zeros a number would drop"
    if checks["long"] is not None:
        return f"values like '{checks['long']}' are beyond the range of a 64-bit integer"
    if checks["inexact"] is not None:
        return (
            f"values like '{checks['inexact']}' have more digits than a floating-point "
            "number holds exactly"
        )
    return None
