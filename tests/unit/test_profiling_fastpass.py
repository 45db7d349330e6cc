"""The fast pass (one scan inside Polars) against the main pass (chunk by chunk), and when
Druid reads an upload as it is (direct.py)."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

import polars as pl
import pytest

from core.model import ColumnProfile, ColumnType
from core.profiling import fastpass, pipeline, spread
from tests.fixtures.uploads import column, csv_text, mixed_frame, quarantined, staged, validate


def _main_pass_only(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pipeline, "fast_pass", lambda source, plan, **_: None)


def _write(frame: pl.DataFrame, path: Path) -> Path:
    if path.suffix == ".csv":
        frame.with_columns(pl.col("ts").dt.strftime("%Y-%m-%dT%H:%M:%SZ")).write_csv(path)
    elif path.suffix == ".parquet":
        frame.write_parquet(path)
    else:
        frame.write_excel(path)
    return path


def _same_except_distinct(fast: ColumnProfile, main: ColumnProfile) -> None:
    assert (fast.name, fast.type, fast.null_count, fast.min, fast.max) == (
        main.name,
        main.type,
        main.null_count,
        main.min,
        main.max,
    )
    assert fast.histogram == main.histogram  # both count every row of a small file


def test_fast_pass_profiles_as_the_main_pass(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _write(mixed_frame(20_000), tmp_path / "in.csv")
    fast = validate(path, tmp_path / "fast")
    with monkeypatch.context() as patch:
        _main_pass_only(patch)
        main = validate(path, tmp_path / "main")

    assert fast.reads_upload and not main.reads_upload
    assert fast.profile.rows_total == main.profile.rows_total == 20_000
    assert fast.profile.timestamp.min == main.profile.timestamp.min
    assert fast.profile.timestamp.max == main.profile.timestamp.max
    for f, m in zip(fast.profile.columns, main.profile.columns, strict=True):
        _same_except_distinct(f, m)
        # Polars' streaming HyperLogLog: about 6.5% standard error (fastpass.py).
        assert f.distinct_count == pytest.approx(m.distinct_count, rel=0.2)
    # Columns whose every value is in the first 10,000 rows are counted exactly.
    assert column(fast, "city").distinct_count == 4
    assert column(fast, "paid").distinct_count == 2
    assert column(fast, "qty").distinct_count == 10
    assert staged(fast).equals(staged(main))  # Druid reads the same rows either way


@pytest.mark.parametrize("suffix", [".parquet", ".xlsx"])
def test_other_formats_take_the_main_pass(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, suffix: str
) -> None:
    calls: list[object] = []
    monkeypatch.setattr(pipeline, "fast_pass", lambda *args, **_: calls.append(args))
    result = validate(_write(mixed_frame(100), tmp_path / f"in{suffix}"), tmp_path / "out")
    assert calls == [] and not result.reads_upload and len(result.staged_files) == 1


def test_a_late_bad_row_sends_the_file_through_the_main_pass(tmp_path: Path) -> None:
    rows = [["ts", "n"]] + [[f"2024-01-01T00:00:{i % 60:02d}Z", i] for i in range(20_000)]
    rows.append(["yesterday", 1])
    path = tmp_path / "in.csv"
    path.write_text(csv_text(rows))
    result = validate(path, tmp_path / "out")
    assert (result.profile.rows_valid, result.profile.rows_quarantined) == (20_000, 1)
    assert not result.reads_upload and result.quarantine_file is not None


def test_histograms_of_a_large_file_come_from_rows_spread_over_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(spread, "BLOCK_BYTES", 4096)  # so that 2 MB counts as large
    start = datetime(2024, 1, 1, tzinfo=UTC)
    amounts = random.Random(7)
    rows = [["ts", "amount"]] + [
        [(start + timedelta(minutes=i)).strftime("%Y-%m-%dT%H:%M:%SZ"), amounts.randrange(1000)]
        for i in range(60_000)
    ]  # sorted by time: a head-only sample would see one day
    path = tmp_path / "in.csv"
    path.write_text(csv_text(rows))
    fast = validate(path, tmp_path / "fast")
    with monkeypatch.context() as patch:
        _main_pass_only(patch)
        main = validate(path, tmp_path / "main")

    for name in ("ts", "amount"):
        sampled, exact = column(fast, name).histogram, column(main, name).histogram
        assert [label for label, _ in sampled] == [label for label, _ in exact]
        assert sum(n for _, n in sampled) == pytest.approx(60_000, rel=0.02)
        for (_, got), (_, want) in zip(sampled, exact, strict=True):
            assert got == pytest.approx(want, rel=0.25)  # 32 blocks of about 70 rows


ISO = "2024-03-01T10:00:00Z"


@pytest.mark.parametrize(
    ("content", "reads_upload", "druid_format"),
    [
        (f"ts,n\n{ISO},1\n{ISO},2\n".encode(), True, "iso"),
        (f"ts,n\r\n{ISO},1\r\n{ISO},2\r\n".encode(), True, "iso"),  # CRLF
        (f"\ufeffts,n\n{ISO},1\n{ISO},2\n".encode(), True, "iso"),  # BOM in the header line
        (f"ts,n\n{ISO},1\n{ISO},2".encode(), True, "iso"),  # no final line feed
        (b"ts,n\n1709287200000,1\n1709287200000,2\n", True, "millis"),
        (b"ts,n\n1709287200,1\n1709287200,2\n", True, "posix"),
        (b"ts,n\n2024-03-01,1\n2024-03-02,2\n", True, "iso"),
        (b"name,n\nx,1\ny,2\n", True, "auto"),  # no time column: a constant time
        (f'ts,n,note\n{ISO},1,"two\nlines"\n{ISO},2,x\n'.encode(), False, "millis"),
        (f'ts,n,note\n{ISO},1,"lone\rreturn"\n{ISO},2,x\n'.encode(), False, "millis"),
        # Other delimiters: Druid's `tsv` with that delimiter, which knows no quotes.
        (f"ts;n\n{ISO};1\n{ISO};2\n".encode(), True, "iso"),
        (f"ts\tn\tnote\n{ISO}\t1\ta,b\n{ISO}\t2\tx\n".encode(), True, "iso"),
        (f"ts|n\n{ISO}|1\n{ISO}|2\n".encode(), True, "iso"),
        (f'ts\tn\tnote\n{ISO}\t1\t"a\tb"\n{ISO}\t2\tx\n'.encode(), False, "millis"),
        (f'ts;n;note\n{ISO};1;5" screen\n{ISO};2;x\n'.encode(), False, "millis"),
        (b"ts,n\n01.03.2024,1\n02.03.2024,2\n", False, "millis"),  # a format Druid reads apart
        ("ts,name\n2024-03-01,Müller\n2024-03-02,x\n".encode("cp1252"), False, "millis"),
        (
            f"ts,n\n{ISO},1\nnot a time,2\n".encode() + f"{ISO},3\n".encode() * 20,
            False,
            "millis",
        ),  # a bad row, quarantined
        # Values Druid would read otherwise than the profile: staged, read identically.
        (f'ts,n,note\n{ISO},1,""\n{ISO},2,x\n'.encode(), False, "millis"),  # '' to Druid
        (f'ts,n,note\n{ISO},1,"a ""b"""\n{ISO},2,x\n'.encode(), True, "iso"),  # escaped: alike
        (f"ts,n\n{ISO},NA\n{ISO},2\n".encode(), False, "millis"),  # a null token
        (b"ts,n\n2024-03-01T10:00:00 +01:00,1\n2024-03-01T11:00:00 +01:00,2\n", False, "millis"),
        (b"ts,n\n2024-03-01T10:00:00+01:00,1\n2024-03-01T11:00:00+01:00,2\n", True, "iso"),
        (b"ts,n,\n2024-03-01,1,\n2024-03-02,2,\n", False, "millis"),  # a column left out
        # Times with a blank (SQL exports): Druid's `auto` reads that exact shape alike.
        (b"ts,n\n2024-03-01 10:00:00,1\n2024-03-01 11:00:00.25,2\n", True, "auto"),
        (b"ts,n\n2024-03-01 10:00,1\n2024-03-01 11:30,2\n", True, "auto"),
        (b"ts,n\n2024-03-01 10:00:00,1\n2024-03-01  11:00:00,2\n", False, "millis"),
        (b"ts,n\n2024-03-01 10:00:00,1\n2024-03-0111:00:00,2\n", False, "millis"),
        (b"ts,n\n2024-03-01 10:00:00,1\n2024-3-1 11:00:00,2\n", False, "millis"),
        (b"ts,n\n14/11/2023 22:13:20,1\n29/02/2024 00:00:00,2\n", True, "dd/MM/yyyy HH:mm:ss"),
        (b"ts,n\n14/11/2023 22:13:20,1\n29/2/2024 00:00:00,2\n", False, "millis"),
        (b"ts,n\n14/11/2023 22:13:20.5,1\n29/02/2024 00:00:00,2\n", False, "millis"),
        (b"ts,n\n11/14/2023,1\n02/29/2024,2\n", True, "MM/dd/yyyy"),
    ],
)
def test_when_druid_reads_the_upload_as_it_is(
    tmp_path: Path, content: bytes, reads_upload: bool, druid_format: str
) -> None:
    path = tmp_path / "in.csv"
    path.write_bytes(content)
    result = validate(path, tmp_path / "out")
    assert result.reads_upload is reads_upload
    assert result.profile.timestamp.druid_format == druid_format
    assert (result.staged_files == ()) is reads_upload
    assert staged(result).height == result.profile.rows_valid


def test_a_quote_after_the_sample_stages_a_file_with_another_delimiter(tmp_path: Path) -> None:
    # Druid's `tsv` would keep the quotes that Polars strips: one quote late in the file
    # (past the planning sample and the spread rows) is enough to stage it.
    rows = [f"{ISO}\t{i}\tnote {i}" for i in range(60_000)]
    rows[-1] = f'{ISO}\t59999\t"quoted\tvalue"'
    path = tmp_path / "in.tsv"
    path.write_text("ts\tn\tnote\n" + "\n".join(rows) + "\n")
    result = validate(path, tmp_path / "out")
    assert not result.reads_upload and result.delimiter == ","
    assert staged(result).get_column("note")[-1] == "quoted\tvalue"
    assert result.profile.rows_valid == 60_000


def test_a_file_druid_reads_as_it_is_keeps_its_header_lines(tmp_path: Path) -> None:
    path = tmp_path / "in.csv"
    path.write_bytes(f'ts,"two\nline name"\n{ISO},1\n{ISO},2\n'.encode())
    result = validate(path, tmp_path / "out")
    assert result.reads_upload and result.header_rows == 2
    assert result.staged_columns == ("ts", "two\nline name")
    assert column(result, "two\nline name").type == ColumnType.LONG


def test_a_sample_with_bad_rows_skips_the_fast_pass(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[object] = []
    monkeypatch.setattr(pipeline, "fast_pass", lambda *args, **_: calls.append(args))
    path = tmp_path / "in.csv"
    path.write_bytes(b"ts,n\nsoon,1\n" + f"{ISO},2\n".encode() * 30)
    result = validate(path, tmp_path / "out")
    assert calls == [] and result.profile.rows_quarantined == 1


def test_values_druid_would_read_otherwise_land_exactly_or_are_quarantined(
    tmp_path: Path,
) -> None:
    path = tmp_path / "in.csv"
    path.write_bytes(
        b"ts,n,note\n"
        b'2016-12-31T23:59:60Z,1,"leap"\n'  # no leap seconds in epoch millis: quarantined
        b'2024-03-01T10:00:00 +01:00,2,""\n'  # lands as 09:00Z, the note as null
        b'2024-03-01T10:00:00Z,3,"two\nlines"\n'  # Druid would cut it in two: quarantined
        b'2024-03-01T10:00:00Z,4,"lone\rreturn"\n'
        b"2024-03-01T10:00:00Z,NA,plain\n"  # a null token: lands as null
    )
    result = validate(path, tmp_path / "out")
    assert not result.reads_upload
    landed = staged(result)
    assert landed.rows() == [
        (str(1709283600000), "2", None),
        (str(1709287200000), None, "plain"),
    ]
    reasons = quarantined(result).select("_sluice_row", "_sluice_reason").rows()
    assert [row for row, _ in reasons] == ["1", "3", "4"]
    assert "leap second" in reasons[0][1] and "line break" in reasons[1][1]
    assert column(result, "n").null_tokens == ("NA",)


def test_short_rows_are_counted_by_the_line_check_beside_the_fast_pass(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The sample shows empty last fields, so the line scan counts fields too: the fast pass
    # needs no field count of its own (the main pass still lists the short rows).
    def no_second_count(source: object) -> dict[int, int]:
        raise AssertionError("the line check counted the short rows")

    monkeypatch.setattr(fastpass, "find_short_rows", no_second_count)
    short = tmp_path / "short.csv"
    short.write_text('a,b,c\n1,2,\n"x,y",2\n' + "3,4,5\n" * 5)
    result = validate(short, tmp_path / "short")
    assert quarantined(result).select("_sluice_row", "_sluice_reason").rows() == [
        ("2", "row has 2 fields, header has 3")
    ]
    whole = tmp_path / "whole.csv"
    whole.write_text('a,b,c\n1,2,\n3,"x,y",\n"4,5",,6\n' + "7,8,9\n" * 5)
    result = validate(whole, tmp_path / "whole")
    assert result.quarantine_file is None and result.reads_upload
    assert result.profile.rows_valid == 8


def test_bad_rows_spread_over_a_large_file_skip_the_fast_pass(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Bad rows only after the planning sample, 1 in 500: the rows spread over the file show
    # them, so the fast pass's scan is skipped; the main pass quarantines every one.
    monkeypatch.setattr(spread, "BLOCK_BYTES", 4096)  # so that 2 MB counts as large

    def no_scan(*args: object, **kwargs: object) -> object:
        raise AssertionError("the fast pass scanned the file")

    monkeypatch.setattr(fastpass, "typed_values", no_scan)
    times = [f"2024-01-01T00:{i // 60 % 60:02d}:{i % 60:02d}Z" for i in range(60_000)]
    rows = [["ts", "n"]] + [
        ["never" if i > 10_000 and i % 500 == 0 else t, i] for i, t in enumerate(times)
    ]
    path = tmp_path / "in.csv"
    path.write_text(csv_text(rows))
    result = validate(path, tmp_path / "out")
    assert result.profile.rows_quarantined == 99
    assert result.profile.rows_valid == 60_000 - 99
