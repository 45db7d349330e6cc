"""One definition of what a text value is (values.py), in every pass, and the reconciliation
statistics (sum, non_empty, total_length, null_tokens) checked against plain Polars."""

from __future__ import annotations

import tempfile
from pathlib import Path

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.model import ColumnProfile, ColumnType
from core.profiling import ValidationResult, pipeline
from core.profiling.values import NUMERIC_NULL_TOKENS
from tests.fixtures.uploads import column, mixed_frame, staged, validate, write_csv, write_xlsx


def _main_pass_only(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pipeline, "fast_pass", lambda source, plan, **_: None)


def _reference(frame: pl.DataFrame, name: str, column_type: ColumnType) -> dict[str, object]:
    """The statistics as plain Polars computes them on the values Druid gets."""
    values = frame.get_column(name).drop_nulls()
    if column_type == ColumnType.LONG:
        return {"sum": str(sum(int(v) for v in values.to_list()))}
    if column_type == ColumnType.DOUBLE:
        return {"sum": float(values.cast(pl.Float64).sum())}
    if column_type == ColumnType.STRING:
        texts = values.cast(pl.String).to_list()
        return {
            "non_empty": sum(1 for t in texts if t),
            "total_length": sum(len(t) for t in texts),
        }
    return {}


def _check_stats(profile: ColumnProfile, reference: dict[str, object]) -> None:
    if profile.type == ColumnType.DOUBLE:
        assert profile.sum is not None and float(profile.sum) == pytest.approx(reference["sum"])
        assert (profile.non_empty, profile.total_length) == (None, None)
    elif profile.type == ColumnType.LONG:
        assert profile.sum == reference["sum"]
    elif profile.type == ColumnType.STRING:
        assert profile.sum is None
        assert (profile.non_empty, profile.total_length) == (
            reference["non_empty"],
            reference["total_length"],
        )
    else:
        assert (profile.sum, profile.non_empty, profile.total_length) == (None, None, None)


def _stat_frame(rows: int) -> pl.DataFrame:
    return mixed_frame(rows).with_columns(
        big=pl.col("id") * 1_000_000_000_000,  # sums beyond 64 bits: exact all the same
        note=pl.when(pl.col("id") % 7 == 0).then(pl.lit("")).otherwise(pl.format("é{}", "id")),
    )


@pytest.mark.parametrize("fmt", ["csv-fast", "csv-main", "parquet", "xlsx"])
def test_reconciliation_statistics_match_polars(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fmt: str
) -> None:
    frame = _stat_frame(20_000 if fmt != "xlsx" else 2_000)
    if fmt.startswith("csv"):
        path = tmp_path / "in.csv"
        frame.with_columns(pl.col("ts").dt.strftime("%Y-%m-%dT%H:%M:%SZ")).write_csv(path)
        if fmt == "csv-main":
            _main_pass_only(monkeypatch)
    elif fmt == "parquet":
        path = tmp_path / "in.parquet"
        frame.write_parquet(path)
    else:
        path = write_xlsx(tmp_path / "in.xlsx", {"s": [frame.columns, *frame.rows()]})
    result = validate(path, tmp_path / "out")
    # (Polars writes an empty string as "", which Druid would read as '', not null: staged.)
    assert not result.reads_upload
    for profile in result.profile.columns:
        if profile.name != "ts":
            _check_stats(profile, _reference(frame, profile.name, profile.type))
    assert column(result, "big").sum == str(sum(i * 10**12 for i in range(frame.height)))


def test_null_tokens_are_nulls_listed_per_column(tmp_path: Path) -> None:
    rows = [["k", "n", "x", "flag"], [0, "1", "a", "true"], [1, "NA", "NA", "-"]]
    rows += [[2, "2", "b", "NULL"], [3, "NaN", "NaN", "false"], [4, "-", "-", "N/A"]]
    result = validate(write_csv(tmp_path / "in.csv", rows), tmp_path / "out")
    n, x, flag = column(result, "n"), column(result, "x"), column(result, "flag")
    assert (n.type, n.null_count, n.null_tokens, n.sum) == (
        ColumnType.LONG,
        3,
        ("-", "NA", "NaN"),
        "3",
    )
    assert (flag.type, flag.null_count, flag.null_tokens) == (
        ColumnType.BOOLEAN,
        3,
        ("-", "N/A", "NULL"),
    )
    assert (x.type, x.null_tokens, x.null_count) == (ColumnType.STRING, (), 0)  # text as written
    assert not result.reads_upload  # Druid would read "NA" as a value: staged as null
    assert staged(result)["n"].to_list() == ["1", None, "2", None, None]


def test_a_token_column_overturned_late_keeps_its_text(tmp_path: Path) -> None:
    rows = [["k", "v"], *([i, "NA" if i % 2 else str(i)] for i in range(12_000)), [12_000, "x"]]
    result = validate(write_csv(tmp_path / "in.csv", rows), tmp_path / "out")
    v = column(result, "v")
    assert (v.type, v.null_tokens, v.null_count) == (ColumnType.STRING, (), 0)
    assert staged(result)["v"].to_list()[:3] == ["0", "NA", "2"]


def test_kept_as_text_warnings_name_the_column(tmp_path: Path) -> None:
    rows = [["zip", "id", "ratio"], ["00501", "9223372036854775808", "0.1234567890123456789"]]
    rows += [["10001", "1", "0.5"]]
    result = validate(write_csv(tmp_path / "in.csv", rows), tmp_path / "out")
    assert all(c.type == ColumnType.STRING for c in result.profile.columns)
    warnings = " ".join(result.profile.warnings)
    assert "'zip'" in warnings and "leading zeros" in warnings
    assert "'id'" in warnings and "64-bit" in warnings
    assert "'ratio'" in warnings and "exactly" in warnings
    assert staged(result)["zip"].to_list() == ["00501", "10001"]


# --- fast pass and main pass agree on generated files --------------------------------------

_CELLS = st.sampled_from(
    [
        "",
        "0",
        "7",
        "-3",
        "+4",
        "007",
        " 5",
        "5 ",
        "2.5",
        ".5",
        "1e3",
        "1e400",
        "9223372036854775808",
        "9007199254740993",
        "0.1234567890123456789",
        "true",
        "false",
        "True",
        "x",
        "é",
        "2024-01-02",
        "2024-01-02T03:04:05Z",
        *NUMERIC_NULL_TOKENS,
    ]
)


def _profile_key(result: ValidationResult) -> tuple[object, ...]:
    profile = result.profile
    columns = tuple(
        (
            c.name,
            c.type,
            c.null_count,
            c.min,
            c.max,
            c.sum,
            c.non_empty,
            c.total_length,
            c.null_tokens,
        )
        for c in profile.columns
    )
    return (profile.rows_total, profile.rows_quarantined, profile.timestamp.column, columns)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(st.lists(_CELLS, min_size=3, max_size=3), min_size=1, max_size=12),
    st.lists(_CELLS, min_size=3, max_size=3),
)
def test_fast_pass_and_main_pass_give_the_same_profile(
    rows: list[list[str]], first: list[str]
) -> None:
    # A first row without empty fields keeps the file from being header-only.
    body = [[f or "z" for f in first], *rows]
    text = "a,b,c\n" + "".join(",".join(f'"{f}"' if f else "" for f in row) + "\n" for row in body)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "in.csv"
        path.write_text(text)
        fast = validate(path, Path(tmp) / "fast")
        with pytest.MonkeyPatch.context() as patch:
            _main_pass_only(patch)
            main = validate(path, Path(tmp) / "main")
        assert _profile_key(fast) == _profile_key(main)
        assert staged(fast).equals(staged(main))
