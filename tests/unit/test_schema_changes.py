"""How an upload's columns differ from its dataset's: added, missing, retyped, and which
retyping would lose values in Druid."""

from __future__ import annotations

from core.catalog import Column
from core.model import (
    ColumnProfile,
    ColumnType,
    Profile,
    SchemaChanges,
    TimestampInfo,
    TypeConflict,
)
from core.profiling.schema_diff import change_notes, conflict_message, schema_changes


def _profile(*columns: tuple[str, ColumnType], nulls: int = 0, time: str | None = "ts") -> Profile:
    return Profile(
        format="csv", encoding="utf-8", delimiter=",", sheet=None, rows_total=3, rows_valid=3,
        rows_quarantined=0, timestamp=TimestampInfo(column=time),
        columns=tuple(ColumnProfile(n, t, null_count=nulls, distinct_count=3) for n, t in columns),
    )  # fmt: skip


def _dataset(*columns: tuple[str, ColumnType, str | None]) -> list[Column]:
    return [Column(n, t, d, i) for i, (n, t, d) in enumerate(columns, start=1)]


DATASET = _dataset(
    ("__time", ColumnType.TIMESTAMP, "TIMESTAMP"),
    ("city", ColumnType.STRING, "VARCHAR"),
    ("zip", ColumnType.LONG, "BIGINT"),
    ("price", ColumnType.DOUBLE, "DOUBLE"),
    ("paid", ColumnType.BOOLEAN, "VARCHAR"),
)


def test_same_columns_no_changes() -> None:
    profile = _profile(
        ("ts", ColumnType.TIMESTAMP),
        ("city", ColumnType.STRING),
        ("zip", ColumnType.LONG),
        ("price", ColumnType.DOUBLE),
        ("paid", ColumnType.BOOLEAN),
    )
    changes = schema_changes(DATASET, profile)
    assert changes == SchemaChanges()
    assert not changes and change_notes(changes) == ()


def test_added_and_missing_columns_are_named_in_file_order() -> None:
    profile = _profile(
        ("ts", ColumnType.TIMESTAMP), ("zip", ColumnType.LONG), ("tip", ColumnType.DOUBLE)
    )
    changes = schema_changes(DATASET, profile)
    assert changes.added == ("tip",)
    assert changes.missing == ("city", "price", "paid")
    assert changes.type_conflicts == () and changes.losing == ()
    notes = change_notes(changes)
    assert "New column(s) for this dataset: tip" in notes[0]
    assert "city, price, paid" in notes[1] and "dashboards" in notes[1]


def test_text_in_a_number_column_would_lose_values() -> None:
    profile = _profile(("ts", ColumnType.TIMESTAMP), ("zip", ColumnType.STRING))
    changes = schema_changes(DATASET, profile)
    assert changes.type_conflicts == (
        TypeConflict("zip", ColumnType.LONG, ColumnType.STRING, would_lose_values=True),
    )
    message = conflict_message(changes.losing, datasource="shop")
    assert "'zip' holds whole numbers in the dataset but text in this file" in message
    assert "allowTypeChange" in message and "dataset 'shop'" in message


def test_decimals_in_a_whole_number_column_would_lose_values() -> None:
    profile = _profile(("ts", ColumnType.TIMESTAMP), ("zip", ColumnType.DOUBLE))
    [conflict] = schema_changes(DATASET, profile).type_conflicts
    assert conflict.would_lose_values


def test_a_type_druid_stores_alike_is_noted_not_refused() -> None:
    # BOOLEAN and a second time column are text in Druid, like STRING.
    profile = _profile(("ts", ColumnType.TIMESTAMP), ("paid", ColumnType.STRING))
    changes = schema_changes(DATASET, profile)
    assert changes.type_conflicts == (
        TypeConflict("paid", ColumnType.BOOLEAN, ColumnType.STRING, would_lose_values=False),
    )
    assert changes.losing == ()
    assert "nothing is lost" in change_notes(changes)[-1]


def test_an_all_null_column_conflicts_with_nothing() -> None:
    # Every value empty: inferred as text, but there is nothing to lose.
    profile = _profile(("ts", ColumnType.TIMESTAMP), ("zip", ColumnType.STRING), nulls=3)
    assert schema_changes(DATASET, profile).type_conflicts == ()


def test_the_time_column_becomes_time_and_is_not_added() -> None:
    profile = _profile(("when", ColumnType.TIMESTAMP), ("city", ColumnType.STRING), time="when")
    assert schema_changes(DATASET, profile).added == ()


def test_druid_type_wins_over_a_stale_logical_type() -> None:
    # The metadata store still says LONG; Druid now serves the column as text.
    dataset = _dataset(("zip", ColumnType.LONG, "VARCHAR"))
    profile = _profile(("ts", ColumnType.TIMESTAMP), ("zip", ColumnType.STRING))
    assert schema_changes(dataset, profile).type_conflicts == ()


def test_a_dataset_known_only_to_the_metadata_store_uses_its_logical_types() -> None:
    dataset = _dataset(("zip", ColumnType.LONG, None))
    profile = _profile(("ts", ColumnType.TIMESTAMP), ("zip", ColumnType.STRING))
    assert schema_changes(dataset, profile).losing[0].column == "zip"
