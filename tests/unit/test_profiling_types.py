"""Full-file type inference: every value counts, not just the first rows."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from core.model import ColumnType
from tests.fixtures.uploads import column, staged, validate, write_csv


def _types(tmp_path: Path, values: list[object]) -> ColumnType:
    path = write_csv(tmp_path / "in.csv", [["k", "v"], *([i, v] for i, v in enumerate(values))])
    return column(validate(path, tmp_path / "out"), "v").type


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        (["1", "-2", "+3", "0"], ColumnType.LONG),
        (["1", "-2", "007"], ColumnType.STRING),  # leading zeros: a code, kept as written
        (["00501", "10001"], ColumnType.STRING),
        (["1", "2.5", "1e3", ".5"], ColumnType.DOUBLE),
        (["1", "9223372036854775808"], ColumnType.STRING),  # beyond Int64: exact as text
        (["1", "9223372036854775807"], ColumnType.LONG),
        (["1.5", "9007199254740993"], ColumnType.STRING),  # a double would round it
        (["1.5", "0.1234567890123456789"], ColumnType.STRING),
        (["1.5", "0.123456789012345"], ColumnType.DOUBLE),  # 15 digits: exact
        (["1", "NA", "-", "N/A", "NULL", "NaN"], ColumnType.LONG),  # null tokens
        (["true", "NA"], ColumnType.BOOLEAN),
        (["NA", "-"], ColumnType.STRING),  # only tokens: text as written
        (["true", "false", None, "true"], ColumnType.BOOLEAN),
        (["0", "1", "1"], ColumnType.LONG),  # 0/1 are numbers, not booleans
        (["yes", "no"], ColumnType.STRING),
        (["True", "false"], ColumnType.STRING),  # conservative: lower-case true/false only
        (["1.5", "NaN"], ColumnType.DOUBLE),  # NaN is a null among numbers
        (["1.5", "inf"], ColumnType.STRING),  # no infinity in a Druid double
        ([" 5", "6"], ColumnType.STRING),  # padded numbers are text
        (["2024-01-02", "2024-02-03"], ColumnType.TIMESTAMP),
        (["a", "1"], ColumnType.STRING),
        ([None, None], ColumnType.STRING),
    ],
)
def test_narrowest_type(tmp_path: Path, values: list[object], expected: ColumnType) -> None:
    assert _types(tmp_path, values) == expected


@pytest.mark.parametrize(
    ("good", "bad", "expected"),
    [
        ("7", "3.5", ColumnType.DOUBLE),
        ("7", "n/a", ColumnType.STRING),
        ("2.5", "x", ColumnType.STRING),
        ("true", "maybe", ColumnType.STRING),
    ],
)
def test_bad_value_after_row_10000_changes_the_type(
    tmp_path: Path, good: str, bad: str, expected: ColumnType
) -> None:
    rows = [["id", "v"], *([i, good] for i in range(12_000)), [12_000, bad], [12_001, good]]
    result = validate(write_csv(tmp_path / "in.csv", rows), tmp_path / "out")
    profile = column(result, "v")
    assert profile.type == expected
    assert profile.null_count == 0
    assert any("'v' looked like" in w for w in result.profile.warnings)
    # The staged text is the source text, whatever the type turned out to be.
    assert staged(result)["v"].to_list()[11_999:] == [good, bad, good]
    if expected == ColumnType.STRING:
        # top values come from the sample, counted over the whole file
        assert profile.histogram[0] == (good, 12_001)
        assert (profile.min, profile.max) == tuple(sorted([good, bad]))
    else:
        assert (profile.min, profile.max) == ("3.5", "7")


def test_stats_per_type(tmp_path: Path) -> None:
    rows = [["n", "x", "b", "s"]]
    rows += [[i % 10, i / 4, "true" if i % 3 else "false", f"v{i % 4}"] for i in range(1, 401)]
    rows += [[None, None, None, None], [5, None, None, "v1"]]
    result = validate(write_csv(tmp_path / "in.csv", rows), tmp_path / "out")
    n, x, b, s = (column(result, name) for name in ("n", "x", "b", "s"))
    assert (n.type, n.min, n.max, n.null_count) == (ColumnType.LONG, "0", "9", 0)
    assert n.distinct_count == 10
    assert dict(n.histogram) == {str(i): 40 + (i == 5) for i in range(10)}
    assert (x.type, x.min, x.max, x.null_count) == (ColumnType.DOUBLE, "0.25", "100", 1)
    assert sum(count for _, count in x.histogram) == 400 and len(x.histogram) <= 20
    assert dict(b.histogram) == {"true": 267, "false": 133}
    assert (b.min, b.max, b.null_count) == ("false", "true", 1)
    assert dict(s.histogram) == {"v0": 100, "v1": 101, "v2": 100, "v3": 100}
    # the all-empty row is quarantined, not profiled
    assert result.profile.rows_quarantined == 1


def test_parquet_dtypes_are_mapped(tmp_path: Path) -> None:
    frame = pl.DataFrame(
        {
            "i": pl.Series([1, 2, None], dtype=pl.Int32),
            "f": [1.5, float("nan"), 3.0],
            "b": [True, False, None],
            "s": ["a", "b", "c"],
            "d": pl.Series(["2.5", "1.25", "3"]).cast(pl.Decimal(10, 2)),
            "l": [[1, 2], [], None],
            "cat": pl.Series(["x", "y", "x"], dtype=pl.Categorical),
        }
    )
    frame.write_parquet(tmp_path / "in.parquet")
    result = validate(tmp_path / "in.parquet", tmp_path / "out")
    types = {c.name: c.type for c in result.profile.columns}
    assert types == {
        "i": ColumnType.LONG,
        "f": ColumnType.DOUBLE,
        "b": ColumnType.BOOLEAN,
        "s": ColumnType.STRING,
        "d": ColumnType.DOUBLE,
        "l": ColumnType.STRING,
        "cat": ColumnType.STRING,
    }
    back = staged(result)
    assert back["f"].to_list() == ["1.5", None, "3.0"]  # NaN staged as empty
    assert back["b"].to_list() == ["true", "false", None]
    assert back["l"].to_list() == ["[1,2]", "[]", None]
    assert back["cat"].to_list() == ["x", "y", "x"]


def test_histograms_of_large_files_are_scaled_estimates(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from core.profiling import histograms

    monkeypatch.setattr(histograms, "EXACT_CELLS", 3_000)  # every 10th of 10,000 rows x 3
    rows = [["n", "s", "ts"]] + [
        [i % 100, f"v{i % 3}", 1_700_000_000 + i * 60] for i in range(10_000)
    ]
    result = validate(write_csv(tmp_path / "in.csv", rows), tmp_path / "out")
    for name in ("n", "s", "ts"):
        total = sum(count for _, count in column(result, name).histogram)
        assert abs(total - 10_000) <= 20, name
    assert (column(result, "n").min, column(result, "n").max) == ("0", "99")  # exact


def test_distinct_counts_are_close(tmp_path: Path) -> None:
    rows = [["a", "b", "c"]] + [[i, f"k{i % 37}", i % 2] for i in range(30_000)]
    result = validate(write_csv(tmp_path / "in.csv", rows), tmp_path / "out")
    assert abs(column(result, "a").distinct_count - 30_000) < 30_000 * 0.05
    assert column(result, "b").distinct_count == 37
    assert column(result, "c").distinct_count == 2


def test_parquet_epoch_and_datetime_columns(tmp_path: Path) -> None:
    from datetime import datetime

    frame = pl.DataFrame(
        {
            "created_ts": [1_700_000_000_000, 1_700_000_060_000],
            "seen": [datetime(2024, 1, 2, 3, 4, 5), None],
        }
    )
    frame.write_parquet(tmp_path / "in.parquet")
    result = validate(tmp_path / "in.parquet", tmp_path / "out")
    assert result.profile.timestamp.source_format == "epoch_ms"
    assert column(result, "seen").type == ColumnType.TIMESTAMP
    back = staged(result)
    assert back["created_ts"].to_list() == ["1700000000000", "1700000060000"]
    assert back["seen"].to_list() == ["2024-01-02T03:04:05.000Z", None]
    assert column(result, "seen").min == "2024-01-02T03:04:05.000Z"
