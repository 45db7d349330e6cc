"""Which type the dataset page shows for a column: the metadata store's logical type while
Druid stores the column as it did, Druid's once a later ingestion retyped it
(core/catalog.py `reconcile`, used by reads and by `refresh_dataset_from_druid`)."""

from __future__ import annotations

from core.catalog import Column, Dataset, reconcile
from core.model import ColumnType


def _dataset(*columns: tuple[str, ColumnType, str | None]) -> Dataset:
    return Dataset("ds", tuple(Column(n, t, d, i) for i, (n, t, d) in enumerate(columns, 1)))


def _types(dataset: Dataset | None) -> dict[str, ColumnType]:
    assert dataset is not None
    return {c.name: c.type for c in dataset.columns}


def test_a_logical_type_druid_stores_alike_is_kept() -> None:
    stored = _dataset(("paid", ColumnType.BOOLEAN, "VARCHAR"), ("zip", ColumnType.LONG, "BIGINT"))
    served = _dataset(("paid", ColumnType.STRING, "VARCHAR"), ("zip", ColumnType.LONG, "BIGINT"))
    assert _types(reconcile(stored, served)) == {"paid": ColumnType.BOOLEAN, "zip": ColumnType.LONG}


def test_a_column_druid_retyped_shows_druids_type() -> None:
    stored = _dataset(("zip", ColumnType.LONG, "BIGINT"), ("paid", ColumnType.BOOLEAN, "VARCHAR"))
    served = _dataset(("zip", ColumnType.STRING, "VARCHAR"), ("paid", ColumnType.LONG, "BIGINT"))
    assert _types(reconcile(stored, served)) == {"zip": ColumnType.STRING, "paid": ColumnType.LONG}


def test_a_type_recorded_without_druids_is_kept_and_new_columns_take_druids() -> None:
    stored = _dataset(("zip", ColumnType.LONG, None))
    served = _dataset(("zip", ColumnType.STRING, "VARCHAR"), ("tip", ColumnType.DOUBLE, "DOUBLE"))
    assert _types(reconcile(stored, served)) == {"zip": ColumnType.LONG, "tip": ColumnType.DOUBLE}
