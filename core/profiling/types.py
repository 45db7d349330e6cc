"""Column types: a guess from a sample, then a check of that guess against every value.

Text columns (CSV) are read as strings; a type holds when every non-null value reads as that
type (values.py, the one definition every pass shares), which the passes count
(`check_exprs`) while they profile the file. Typed sources (Parquet, XLSX) map their dtypes.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field, replace

import polars as pl

from core.model import ColumnType
from core.profiling.errors import InputRejected, RejectCode
from core.profiling.timestamps import NATIVE, TimeFormat, pattern_candidates
from core.profiling.values import (
    EXACT_DIGITS,
    NULL_TOKENS,
    NUMERIC_NULL_TOKENS,
    boolean_value,
    double_value,
    inexact,
    is_null_token,
    long_value,
    null_tokens,
    why_text,
)

_LONG_DIGITS = 18  # every 18-digit integer fits in 64 bits


@dataclass(frozen=True)
class ColumnPlan:
    """How one column is read, checked, profiled and staged."""

    name: str
    key: str  # short alias prefix for aggregate names, unique per column
    dtype: pl.DataType  # as read: String for CSV text
    type: ColumnType
    time_formats: tuple[TimeFormat, ...] = ()  # TIMESTAMP: candidates, the first one is used
    top_values: tuple[str, ...] = field(default=())  # STRING: frequent sample values
    few_values: bool = False  # the sample holds few distinct values (a cheaper sketch)
    # The sample's distinct values as text, when few: a file holding no other value has
    # exactly that many (fastpass.py).
    sample_values: tuple[str, ...] = field(default=(), repr=False)
    # Why number-like text is kept as text (values.why_text), for the profile's warnings; for
    # a `requested` numeric column, what the conversion loses.
    kept_as_text: str | None = None
    requested: bool = False  # the person chose the type (IngestOptions.column_types)

    @property
    def is_text(self) -> bool:
        return self.dtype == pl.String

    def with_type(
        self, column_type: ColumnType, formats: tuple[TimeFormat, ...] = ()
    ) -> ColumnPlan:
        return replace(self, type=column_type, time_formats=formats)


def infer_text(sample: pl.DataFrame) -> dict[str, tuple[ColumnType, tuple[TimeFormat, ...]]]:
    """The narrowest type every non-null sample value of each text column fits (null tokens
    aside: a column of numbers and `NA` is numbers).

    The checks of all columns run in one select: one call per column costs more than the
    checks themselves on a wide file.
    """
    counts = (
        sample.select(
            expr
            for i, name in enumerate(sample.columns)
            for expr in (
                pl.col(name).count().alias(f"{i}:present"),
                pl.col(name).is_in(NULL_TOKENS).sum().alias(f"{i}:tokens"),
                pl.col(name).is_in(NUMERIC_NULL_TOKENS).sum().alias(f"{i}:numeric_tokens"),
                long_value(pl.col(name)).count().alias(f"{i}:long"),
                double_value(pl.col(name)).count().alias(f"{i}:double"),
                inexact(pl.col(name)).alias(f"{i}:inexact"),
                boolean_value(pl.col(name)).count().alias(f"{i}:boolean"),
            )
        ).row(0, named=True)
        if sample.width
        else {}
    )
    types: dict[str, tuple[ColumnType, tuple[TimeFormat, ...]]] = {}
    for i, name in enumerate(sample.columns):
        present = counts[f"{i}:present"]
        numbers = present - counts[f"{i}:numeric_tokens"]
        others = present - counts[f"{i}:tokens"]
        wanted = {"long": numbers, "double": numbers, "boolean": others}
        fits = [t for t in ("long", "double", "boolean") if counts[f"{i}:{t}"] == wanted[t]]
        if counts[f"{i}:inexact"] and "double" in fits:
            fits.remove("double")
        if not others:
            types[name] = (ColumnType.STRING, ())
        elif fits and (fits[0] == "boolean" or numbers):
            types[name] = (ColumnType(fits[0].upper()), ())
        else:
            values = sample.get_column(name)
            formats = pattern_candidates(values.filter(~values.is_in(NULL_TOKENS)))
            types[name] = (ColumnType.TIMESTAMP, formats) if formats else (ColumnType.STRING, ())
    return types


def kept_as_text(values: pl.Series) -> str | None:
    """Why a STRING column that looks numeric is kept as text (`values.why_text`)."""
    dtype = values.dtype
    if isinstance(dtype, pl.Decimal):
        return (
            f"it holds decimals of up to {dtype.precision or 38} digits, more than a "
            f"floating-point number holds exactly ({EXACT_DIGITS})"
        )
    return why_text(values) if dtype == pl.String else None


def infer_typed(values: pl.Series) -> tuple[ColumnType, tuple[TimeFormat, ...]]:
    """Map a typed column (Parquet, XLSX) onto a column type; text may still hold dates."""
    dtype = values.dtype
    if dtype.is_integer():
        return ColumnType.LONG, ()
    if isinstance(dtype, pl.Decimal):
        if dtype.scale == 0 and (dtype.precision or 38) <= _LONG_DIGITS:
            return ColumnType.LONG, ()
        if (dtype.precision or 38) <= EXACT_DIGITS:
            return ColumnType.DOUBLE, ()
        return ColumnType.STRING, ()  # exact as text: a double would round it
    if dtype.is_float():
        return ColumnType.DOUBLE, ()
    if dtype == pl.Boolean:
        return ColumnType.BOOLEAN, ()
    if dtype in (pl.Date, pl.Datetime):
        return ColumnType.TIMESTAMP, (NATIVE,)
    if dtype == pl.String:
        formats = pattern_candidates(values)
        if formats:
            return ColumnType.TIMESTAMP, formats
    return ColumnType.STRING, ()


def value_expr(plan: ColumnPlan, column_type: ColumnType | None = None) -> pl.Expr:
    """The column as values of its (or the given) type; null where a text value does not fit
    (or is a null token: values.py)."""
    column_type = column_type or plan.type
    col = pl.col(plan.name)
    if plan.requested and plan.is_text and column_type in (ColumnType.LONG, ColumnType.DOUBLE):
        return requested_value(col, column_type)
    if column_type == ColumnType.LONG:
        return long_value(col) if plan.is_text else col.cast(pl.Int64, strict=False)
    if column_type == ColumnType.DOUBLE:
        # NaN and infinity have no place in a Druid double column: misfits in text, nulls
        # in typed sources.
        return double_value(col) if plan.is_text else col.cast(pl.Float64).fill_nan(None)
    if column_type == ColumnType.BOOLEAN:
        return boolean_value(col) if plan.is_text else col
    if column_type == ColumnType.TIMESTAMP:
        return plan.time_formats[0].to_millis(col)
    return text_expr(plan.name, plan.dtype)


def requested_value(text: pl.Expr, column_type: ColumnType) -> pl.Expr:
    """Text as the number a person asked for, converted as Druid converts it: leading zeros
    dropped, digits beyond a double's rounded (null where the text is no such number)."""
    if column_type == ColumnType.LONG:
        return pl.when(text.str.contains(_INTEGER)).then(text.cast(pl.Int64, strict=False))
    floats = text.cast(pl.Float64, strict=False)
    return pl.when(floats.is_finite()).then(floats)


_INTEGER = r"^-?[0-9]+$"


def token_expr(plan: ColumnPlan) -> pl.Expr:
    """Whether a text value is one of its planned type's null tokens."""
    if not plan.is_text:
        return pl.lit(False)
    return is_null_token(pl.col(plan.name), plan.type)


def check_exprs(
    plan: ColumnPlan, value: pl.Expr | None = None, *, tokens: bool = True
) -> list[pl.Expr]:
    """Aggregates counting values that do not fit the planned type (text columns only).

    `value` is `value_expr(plan)` when the caller has already computed it as a column.
    Null tokens are counted apart (`{key}:tokens`); without `tokens` they count as misfits
    (the fast pass: see `fastpass._without_tokens`).
    """
    present = pl.col(plan.name).is_not_null()
    if plan.type == ColumnType.LONG and plan.dtype == pl.UInt64:  # beyond Int64: text, exact
        value = value_expr(plan) if value is None else value
        return [(present & value.is_null()).sum().alias(f"{plan.key}:misfit_long")]
    if not plan.is_text or plan.type == ColumnType.STRING:
        return []
    value = value_expr(plan) if value is None else value
    checks: dict[str, pl.Expr] = {}
    if plan.type == ColumnType.LONG:
        checks["misfit_long"] = value
    if plan.type == ColumnType.DOUBLE:
        checks["misfit_double"] = value
    if plan.type == ColumnType.BOOLEAN:
        checks["misfit_boolean"] = value
    for i, fmt in enumerate(plan.time_formats):
        checks[f"misfit_time{i}"] = value if i == 0 else fmt.to_millis(pl.col(plan.name))
    # Null tokens do not read as the type either; they are counted among the (few) values
    # that did not read.
    found = pl.col(plan.name).filter(present & value.is_null()).is_in(null_tokens(plan.type))
    found = found.sum() if tokens else pl.lit(0, pl.UInt32)
    exprs = [
        ((present & expr.is_null()).sum() - found).alias(f"{plan.key}:{name}")
        for name, expr in checks.items()
    ]
    if tokens:
        exprs.append(found.alias(f"{plan.key}:tokens"))
    if plan.type == ColumnType.DOUBLE and not plan.requested:  # a double would round these
        exprs.append(inexact(pl.col(plan.name), value).alias(f"{plan.key}:misfit_inexact"))
    return exprs


def settle(plan: ColumnPlan, misfits: Mapping[str, int]) -> ColumnPlan:
    """The plan with the narrowest type that every value fitted, from the counts of
    `check_exprs` (`ColumnStats.misfits`: "long", "double", "inexact", "time0", ...).

    A LONG column with misfits comes back as DOUBLE *to be checked again*: the main pass
    does not pay for a second cast of every integer column on the rare chance it is needed.
    """

    def fits(name: str) -> bool:
        return misfits.get(name, 0) == 0

    if plan.requested:
        if fits(plan.type.lower()):
            return plan
        raise impossible_type(plan)

    if not plan.is_text and plan.type == ColumnType.LONG and not fits("long"):
        return plan.with_type(ColumnType.STRING)  # unsigned beyond Int64: staged as its digits
    if not plan.is_text or plan.type == ColumnType.STRING:
        return plan
    if plan.type == ColumnType.LONG:
        return plan if fits("long") else plan.with_type(ColumnType.DOUBLE)
    if plan.type == ColumnType.DOUBLE and fits("double") and fits("inexact"):
        return plan
    if plan.type == ColumnType.BOOLEAN and fits("boolean"):
        return plan
    fitting = tuple(f for i, f in enumerate(plan.time_formats) if fits(f"time{i}"))
    if plan.type == ColumnType.TIMESTAMP and fitting:
        return plan.with_type(ColumnType.TIMESTAMP, fitting)
    return plan.with_type(ColumnType.STRING)


def impossible_type(plan: ColumnPlan) -> InputRejected:
    """Values of a column that the type the person asked for cannot hold."""
    what = "whole numbers of up to 19 digits" if plan.type == ColumnType.LONG else "numbers"
    return InputRejected(
        RejectCode.COLUMN_TYPE_IMPOSSIBLE,
        f"Column '{plan.name}' was set to {plan.type}, but some of its values are not "
        f"{what} (empty cells and NA, N/A, NULL, NaN or - alone are fine). Choose another "
        "type for it (STRING keeps every value as written), or leave it out of the column "
        "types to let Sluice choose, and upload again.",
    )


def text_expr(name: str, dtype: pl.DataType) -> pl.Expr:
    """A column of any dtype as text for the staged CSV (nested values as JSON)."""
    return _as_text(pl.col(name), name, dtype).alias(name)


def _as_text(col: pl.Expr, name: str, dtype: pl.DataType) -> pl.Expr:
    if dtype == pl.String:
        return col
    if dtype == pl.Binary:
        return col.bin.encode("hex")
    if dtype.is_nested():
        # json_encode only takes structs: wrap the value and strip the wrapper's key again.
        prefix = "{" + json.dumps(name, ensure_ascii=False) + ":"
        encoded = pl.struct(col).struct.json_encode()
        value = encoded.str.strip_prefix(prefix).str.strip_suffix("}")
        return pl.when(col.is_not_null()).then(value)
    if isinstance(dtype, pl.Datetime):
        moment = col.dt.convert_time_zone("UTC") if dtype.time_zone else col
        return moment.dt.strftime("%Y-%m-%dT%H:%M:%S%.3fZ")
    return col.cast(pl.String)
