from __future__ import annotations

from core.model import ColumnProfile, ColumnType, Profile, TimestampInfo
from core.reconcile import (
    Difference,
    Reconciliation,
    RowDifference,
    compare,
    measures,
    reconciliation_sql,
)
from core.reconcile_rows import first_difference, upload_row

TS = TimestampInfo(
    column="ts", druid_format="iso", min="2024-03-01T10:00:00.123456Z", max="2024-03-02T00:00:00Z"
)


def _profile(*columns: ColumnProfile) -> Profile:
    return Profile(
        format="csv", encoding="utf-8", delimiter=",", sheet=None, rows_total=4, rows_valid=4,
        rows_quarantined=0, columns=columns, timestamp=TS,
    )  # fmt: skip


ZIP = ColumnProfile("zip", ColumnType.STRING, null_count=1, distinct_count=3, non_empty=3,
                    total_length=15)  # fmt: skip
QTY = ColumnProfile("qty", ColumnType.LONG, null_count=0, distinct_count=4, min="1", max="501",
                    sum="510")  # fmt: skip
PRICE = ColumnProfile("price", ColumnType.DOUBLE, null_count=2, distinct_count=2, min="0.1",
                      max="0.2", sum="0.30000000000000004")  # fmt: skip
TIME = ColumnProfile("ts", ColumnType.TIMESTAMP, null_count=0, distinct_count=4)
PROFILE = _profile(TIME, ZIP, QTY, PRICE)


def _values(**changed: object) -> list[object]:
    """What Druid answers for PROFILE when it holds exactly the file, with some changes."""
    wanted = measures(PROFILE, rows=4)
    exact = {(m.column, m.what): m.expected for m in wanted}
    exact.update({tuple(k.split("__")): v for k, v in changed.items()})  # type: ignore[misc]
    return [exact[(m.column, m.what)] for m in wanted]


def test_every_column_is_measured_the_way_its_type_allows() -> None:
    wanted = {(m.column, m.what): m.sql for m in measures(PROFILE, rows=4)}
    assert wanted == {
        ("", "rows"): "COUNT(*)",
        ("ts", "earliest time"): "TIMESTAMP_TO_MILLIS(MIN(__time))",
        ("ts", "latest time"): "TIMESTAMP_TO_MILLIS(MAX(__time))",
        ("zip", "nulls"): 'COUNT(*) - COUNT("zip")',
        ("zip", "non-empty values"): 'COUNT(*) FILTER (WHERE LENGTH("zip") > 0)',
        ("zip", "total length"): 'SUM(LENGTH("zip"))',
        ("qty", "nulls"): 'COUNT(*) - COUNT("qty")',
        ("qty", "sum"): 'SUM("qty")',
        ("qty", "min"): 'MIN("qty")',
        ("qty", "max"): 'MAX("qty")',
        ("price", "nulls"): 'COUNT(*) - COUNT("price")',
        ("price", "sum"): 'SUM("price")',
        ("price", "min"): 'MIN("price")',
        ("price", "max"): 'MAX("price")',
    }


def test_profile_times_are_cut_to_druid_milliseconds() -> None:
    times = {m.what: m.expected for m in measures(PROFILE, rows=4) if m.column == "ts"}
    assert times == {"earliest time": 1709287200123, "latest time": 1709337600000}


def test_statistics_the_profile_lacks_are_not_compared() -> None:
    bare = ColumnProfile("zip", ColumnType.STRING, null_count=0, distinct_count=1)
    wanted = [(m.column, m.what) for m in measures(_profile(bare), rows=4)]
    assert ("zip", "nulls") in wanted
    assert ("zip", "total length") not in wanted


def test_the_query_reads_only_the_uploads_rows_through_a_parameter() -> None:
    sql, params = reconciliation_sql('sales "eu"', "u'1", measures(PROFILE, rows=4)[:1])
    assert sql == 'SELECT COUNT(*) FROM "sales ""eu""" WHERE "sluice_upload" = ?'
    assert [p.to_json() for p in params] == [{"type": "VARCHAR", "value": "u'1"}]


def test_an_exact_copy_matches() -> None:
    assert compare(measures(PROFILE, rows=4), _values()) == []


def test_double_sums_may_differ_by_rounding_only() -> None:
    wanted = measures(PROFILE, rows=4)
    assert compare(wanted, _values(price__sum=0.3)) == []
    assert compare(wanted, _values(price__sum=0.31)) == [
        Difference("price", "sum", 0.30000000000000004, 0.31, "double")
    ]


def test_differences_name_the_column_and_both_values() -> None:
    wanted = measures(PROFILE, rows=4)
    found = compare(wanted, _values(qty__sum=9, **{"__rows": 5}))
    assert [d.describe() for d in found] == [
        "the file: rows 5 in Druid vs 4 in the file",
        "column qty: sum 9 in Druid vs 510 in the file",
    ]
    # Druid's SUM over no rows is NULL: a count, so zero, which differs from 1.
    found = compare(wanted, _values(zip__nulls=None))
    assert [d.describe() for d in found] == ["column zip: nulls 0 in Druid vs 1 in the file"]


def test_times_are_shown_as_instants() -> None:
    wanted = measures(PROFILE, rows=4)
    values = _values()
    values[2] = 1709337600001
    (difference,) = compare(wanted, values)
    assert difference.describe() == (
        "column ts: latest time 2024-03-02T00:00:00.001Z in Druid vs "
        "2024-03-02T00:00:00.000Z in the file"
    )


def test_the_message_says_what_differs_and_what_to_do() -> None:
    verdict = Reconciliation(4, 4, (Difference("zip", "total length", 15, 12),))
    assert not verdict.matches
    message = verdict.message()
    assert "column zip: total length 12 in Druid vs 15 in the file" in message
    assert "removed" in message and "report it with the task id" in message


def test_the_first_row_druid_lacks_is_named_with_what_druid_holds_instead() -> None:
    # file order: 10001 (row 1), 00501 (rows 2 and 4), 02134 (row 3); Druid dropped zeros
    in_file = {"10001": (1, 1), "00501": (2, 2), "02134": (1, 3)}
    in_druid = {"10001": (1, 0), "501": (2, 0), "2134": (1, 0)}
    found = first_difference("zip", in_file, in_druid)
    assert found == RowDifference("zip", rows=3, row=2, value="00501", found="501", told=True)
    assert found.describe() == "column zip: 3 values differ; first: row 2 `00501` → `501`"


def test_a_value_druid_counts_less_often_is_a_difference_too() -> None:
    in_file = {"a": (3, 1), None: (1, 2), "b": (1, 5)}
    in_druid = {"a": (3, 0), None: (2, 0)}
    found = first_difference("c", in_file, in_druid)
    assert found == RowDifference("c", rows=1, row=5, value="b", found=None, told=True)
    assert found.describe() == "column c: 1 value differs; first: row 5 `b` → an empty value"
    assert first_difference("c", in_file, in_file) is None


def test_rows_are_numbered_as_in_the_upload_around_quarantined_ones() -> None:
    assert upload_row(1, []) == 1
    assert upload_row(1, [1]) == 2
    assert upload_row(3, [1, 2, 9]) == 5
    assert upload_row(3, [4, 5]) == 3


def test_the_message_leads_with_the_first_differing_rows() -> None:
    verdict = Reconciliation(
        rows_expected=4,
        rows_found=4,
        differences=(
            Difference("zip", "total length", 15, 11),
            Difference("qty", "sum", 510, 511, "long"),
        ),
        rows=(RowDifference("zip", rows=2, row=2, value="00501", found="501", told=True),),
    )
    assert verdict.columns == ("zip", "qty")
    message = verdict.message()
    assert "column zip: 2 values differ; first: row 2 `00501` → `501`" in message
    assert "column zip: total length" not in message
    assert "column qty: sum 511 in Druid vs 510 in the file" in message


def test_a_row_whose_replacement_cannot_be_told_is_said_missing() -> None:
    in_file = {"x": (1, 1), "y": (1, 2)}
    in_druid = {"p": (1, 0), "q": (1, 0)}
    found = first_difference("c", in_file, in_druid)
    assert found is not None and found.describe() == (
        "column c: 2 values differ; first: row 1 `x` is not in Druid"
    )
