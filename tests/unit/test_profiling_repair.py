"""Broken quoting: the rows that have it are quarantined, the rest of the file is read."""

from __future__ import annotations

from pathlib import Path

import polars as pl

from tests.fixtures.uploads import quarantined, staged, validate


def _rows(n: int, *, overrides: dict[int, str]) -> str:
    """Data rows 1..n (`overrides` replaces whole lines by row number), with a header."""
    lines = ["ts,name,n"]
    for i in range(1, n + 1):
        lines.append(overrides.get(i, f"2024-01-{1 + i % 28:02d}T00:00:00Z,item {i},{i}"))
    return "\n".join(lines) + "\n"


def test_a_quote_inside_an_unquoted_value_is_kept_as_text(tmp_path: Path) -> None:
    path = tmp_path / "in.csv"
    path.write_text(_rows(30, overrides={3: '2024-01-04T00:00:00Z,27" monitor,3'}))
    result = validate(path, tmp_path / "out")
    assert (result.profile.rows_total, result.profile.rows_quarantined) == (30, 0)
    assert not result.reads_upload  # Druid reads the properly quoted copy
    assert staged(result)["name"].to_list()[2] == '27" monitor'


def test_broken_rows_are_quarantined_with_their_text_and_their_row_number(
    tmp_path: Path,
) -> None:
    path = tmp_path / "in.csv"
    path.write_text(
        _rows(
            40,
            overrides={
                5: '2024-01-05T00:00:00Z,"never closed,5',
                12: '2024-01-12T00:00:00Z,"quoted"then text,12',
                20: "yesterday,item 20,20",  # an ordinary bad row, after the broken ones
            },
        )
    )
    result = validate(path, tmp_path / "out")
    profile = result.profile
    assert (profile.rows_total, profile.rows_valid, profile.rows_quarantined) == (40, 37, 3)
    assert any("broken quoting" in w for w in profile.warnings)
    rows = quarantined(result).sort(pl.col("_sluice_row").cast(pl.Int64))
    assert rows["_sluice_row"].to_list() == ["5", "12", "20"]  # numbered as in the upload
    reasons = rows["_sluice_reason"].to_list()
    assert reasons[0].startswith("a quoted value is never closed")
    assert "never closed,5" in reasons[0]
    assert reasons[1].startswith("broken quoting") and '"quoted"then text' in reasons[1]
    assert "yesterday" in reasons[2]
    kept = staged(result)["n"].cast(pl.Int64).to_list()
    assert kept == [i for i in range(1, 41) if i not in (5, 12, 20)]


def test_an_unclosed_quote_near_the_end_costs_one_row(tmp_path: Path) -> None:
    path = tmp_path / "in.csv"
    path.write_text(_rows(30, overrides={29: '2024-01-29T00:00:00Z,"oops,29'}))
    result = validate(path, tmp_path / "out")
    assert (result.profile.rows_valid, result.profile.rows_quarantined) == (29, 1)
    assert staged(result)["n"].cast(pl.Int64).to_list()[-1] == 30


def test_a_value_spanning_lines_is_still_one_row(tmp_path: Path) -> None:
    path = tmp_path / "in.csv"
    path.write_text(
        _rows(
            30,
            overrides={
                7: '2024-01-07T00:00:00Z,"two\nlines",7',
                9: '2024-01-09T00:00:00Z,"bad"x,9',
            },
        )
    )
    result = validate(path, tmp_path / "out")
    # One row each: the broken quote, and the line break Druid would cut in two.
    assert (result.profile.rows_total, result.profile.rows_quarantined) == (30, 2)
    assert "two\nlines" in quarantined(result)["name"].to_list()
    assert "two\nlines" not in staged(result)["name"].to_list()
    assert quarantined(result)["_sluice_row"].to_list() == ["7", "9"]
