"""The dataset catalog: what can be queried, read from the metadata store and Druid.

PostgreSQL (`datasets`, `dataset_columns`) is the fast path. Druid's INFORMATION_SCHEMA is
consulted when the metadata store does not know a datasource (created outside Sluice, or not
refreshed yet), and `refresh_dataset_from_druid` writes Druid's view back after an ingestion.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING, Any

from core.db import Executor
from core.druid.broker import SqlParam
from core.druid.errors import DruidError
from core.druid.spec import UPLOAD_DIMENSION
from core.mirror import mirror
from core.model import ColumnType

if TYPE_CHECKING:
    import asyncpg

    from core.druid.broker import DruidBroker

log = logging.getLogger(__name__)


# Druid's primary timestamp column; every datasource has it.
TIME_COLUMN = "__time"

# Bookkeeping columns Sluice adds to every row: not data, so not listed, charted or queryable.
HIDDEN_COLUMNS = frozenset({UPLOAD_DIMENSION})

NUMERIC_DRUID_TYPES = frozenset({"BIGINT", "DOUBLE", "FLOAT", "REAL", "DECIMAL", "INTEGER"})
_LOGICAL = {
    "VARCHAR": ColumnType.STRING,
    "BIGINT": ColumnType.LONG,
    "TIMESTAMP": ColumnType.TIMESTAMP,
}


def logical_type(druid_type: str) -> ColumnType:
    """The Sluice column type for a Druid SQL type (complex types read as STRING)."""
    if druid_type in NUMERIC_DRUID_TYPES and druid_type != "BIGINT":
        return ColumnType.DOUBLE
    return _LOGICAL.get(druid_type, ColumnType.STRING)


@dataclass(frozen=True, slots=True)
class Column:
    name: str
    type: ColumnType
    druid_type: str | None
    position: int

    @property
    def is_numeric(self) -> bool:
        if self.druid_type is not None:
            return self.druid_type in NUMERIC_DRUID_TYPES
        return self.type in (ColumnType.LONG, ColumnType.DOUBLE)


@dataclass(frozen=True, slots=True)
class Dataset:
    """A queryable datasource and what is known about it."""

    name: str
    columns: tuple[Column, ...]
    row_count: int | None = None
    size_bytes: int | None = None
    time_min: datetime | None = None
    time_max: datetime | None = None
    has_time_column: bool = True
    last_task_id: str | None = None
    last_ingested_at: datetime | None = None
    in_metadata: bool = True  # False: known only to Druid (not ingested through Sluice)

    def column(self, name: str) -> Column | None:
        """The column called `name` (exact match); `__time` always exists in Druid."""
        for column in self.columns:
            if column.name == name:
                return column
        if name == TIME_COLUMN:
            return Column(TIME_COLUMN, ColumnType.TIMESTAMP, "TIMESTAMP", 0)
        return None

    @property
    def column_names(self) -> list[str]:
        names = [c.name for c in self.columns]
        return names if TIME_COLUMN in names else [TIME_COLUMN, *names]


_DATASETS_SQL = """
SELECT d.name, d.row_count, d.size_bytes, d.time_min, d.time_max, d.has_time_column,
       d.last_task_id, d.last_ingested_at,
       COALESCE(json_agg(json_build_object('name', c.name, 'position', c.position,
                                           'type', c.type, 'druid_type', c.druid_type)
                         ORDER BY c.position) FILTER (WHERE c.name IS NOT NULL), '[]') AS columns
FROM datasets d LEFT JOIN dataset_columns c ON c.dataset = d.name
WHERE $1::text[] IS NULL OR d.name = ANY($1::text[])
GROUP BY d.name
ORDER BY d.name
"""


def _dataset_from_row(row: Any) -> Dataset:
    raw = row["columns"]
    # Pools made by core.db decode json; a bare connection hands us text.
    items = json.loads(raw) if isinstance(raw, str) else raw
    columns = tuple(
        Column(c["name"], ColumnType(c["type"]), c["druid_type"], c["position"]) for c in items
    )
    return mirror(Dataset, row, columns=columns, in_metadata=True)


async def get_datasets(db: Executor, names: Sequence[str] | None = None) -> dict[str, Dataset]:
    """Datasets from the metadata store by name (all of them when `names` is None)."""
    rows = await db.fetch(_DATASETS_SQL, None if names is None else list(names))
    return {row["name"]: _dataset_from_row(row) for row in rows}


async def get_dataset(db: Executor, name: str) -> Dataset | None:
    """One dataset with its columns from the metadata store, or None."""
    return (await get_datasets(db, [name])).get(name)


async def recent_task_ids(
    db: Executor, datasources: Sequence[str], *, limit: int = 10
) -> dict[str, list[str]]:
    """The ids of the latest tasks per datasource, newest first (one query), of the dataset
    that has the name now: a deleted dataset's tasks, and the deletion itself, belong to the
    dataset that had the name before."""
    rows = await db.fetch(
        """
        SELECT datasource, id FROM (
            SELECT datasource, id, created_at,
                   row_number() OVER (PARTITION BY datasource
                                      ORDER BY created_at DESC, id DESC) AS n
            FROM tasks t WHERE datasource = ANY($1::text[]) AND dataset_deleted_by IS NULL
              AND created_at > COALESCE((SELECT max(d.created_at) FROM tasks d
                                         WHERE d.datasource = t.datasource AND d.kind = 'DELETE'
                                           AND d.status = 'SUCCEEDED'), '-infinity')
        ) ranked WHERE n <= $2 ORDER BY datasource, created_at DESC, id DESC
        """,
        list(datasources),
        limit,
    )
    result: dict[str, list[str]] = {name: [] for name in datasources}
    for row in rows:
        result[row["datasource"]].append(row["id"])
    return result


async def druid_datasets(
    broker: DruidBroker, names: Sequence[str] | None = None
) -> dict[str, Dataset]:
    """Datasources as Druid sees them: columns from INFORMATION_SCHEMA, rows and size from
    sys.segments. The time range is left unknown (it would need a scan)."""
    where, params = "", []
    if names is not None:
        if not names:
            return {}
        where = f" AND TABLE_NAME IN ({', '.join('?' * len(names))})"
        params = [SqlParam("VARCHAR", name) for name in names]
    columns = await broker.sql(
        "SELECT TABLE_NAME, COLUMN_NAME, DATA_TYPE, ORDINAL_POSITION "
        "FROM INFORMATION_SCHEMA.COLUMNS WHERE TABLE_SCHEMA = 'druid'"
        + where
        + " ORDER BY TABLE_NAME, ORDINAL_POSITION",
        params,
        max_rows=1_000_000,
    )
    found: dict[str, list[Column]] = {}
    for table, column, druid_type, position in columns.rows:
        if column in HIDDEN_COLUMNS:
            continue
        found.setdefault(table, []).append(
            Column(column, logical_type(druid_type), druid_type, int(position))
        )
    stats = await _segment_stats(broker, list(found))
    return {
        name: Dataset(
            name=name,
            columns=tuple(cols),
            row_count=stats.get(name, (None, None))[0],
            size_bytes=stats.get(name, (None, None))[1],
            in_metadata=False,
        )
        for name, cols in found.items()
    }


async def _segment_stats(
    broker: DruidBroker, names: list[str]
) -> dict[str, tuple[int | None, int | None]]:
    if not names:
        return {}
    result = await broker.sql(
        'SELECT "datasource", SUM("num_rows"), SUM("size") FROM sys.segments '
        "WHERE is_published = 1 AND is_overshadowed = 0 "
        f'AND "datasource" IN ({", ".join("?" * len(names))}) GROUP BY 1',
        [SqlParam("VARCHAR", name) for name in names],
    )
    return {row[0]: (row[1], row[2]) for row in result.rows}


def reconcile(meta: Dataset | None, druid: Dataset | None) -> Dataset | None:
    """One view of a datasource: metadata-store facts, Druid's columns where it has them.

    Druid decides which columns are queryable; the metadata store keeps the logical types
    (e.g. BOOLEAN stored by Druid as VARCHAR) and the ingestion history.
    """
    if meta is None or druid is None:
        return meta or druid
    known = {c.name: c for c in meta.columns}
    columns = tuple(replace(c, type=kept_type(known.get(c.name), c)) for c in druid.columns)
    return replace(meta, columns=columns)


def kept_type(known: Column | None, served: Column) -> ColumnType:
    """The metadata store's logical type for a column Druid serves, while Druid still stores
    it as it did then; Druid's own once a later ingestion retyped it (LONG -> VARCHAR: the
    dataset page must not go on saying 'whole number')."""
    if known is None or (known.druid_type is not None and known.druid_type != served.druid_type):
        return served.type
    return known.type


def needs_druid(meta: Dataset | None) -> bool:
    """Whether the metadata store lacks this datasource or its Druid column types."""
    return meta is None or not meta.columns or any(c.druid_type is None for c in meta.columns)


async def load_datasets(
    db: Executor, broker: DruidBroker, names: Sequence[str]
) -> list[Dataset | None]:
    """Datasets for `names`, in order (None where unknown or being deleted): a DataLoader
    batch function."""
    deleting = await being_deleted(db)
    meta = await get_datasets(db, names)
    missing = [name for name in names if needs_druid(meta.get(name)) and name not in deleting]
    druid: dict[str, Dataset] = {}
    if missing:
        try:
            druid = await druid_datasets(broker, sorted(set(missing)))
        except DruidError as exc:
            # The metadata store alone still answers for datasets ingested through Sluice.
            log.warning("Druid catalog lookup failed, using the metadata store only: %s", exc)
    return [
        None if name in deleting else reconcile(meta.get(name), druid.get(name)) for name in names
    ]


async def current_columns(
    db: Executor, broker: DruidBroker, name: str
) -> tuple[Column, ...] | None:
    """The columns Druid serves for `name` now, with the metadata store's logical types; the
    metadata store alone when Druid cannot be asked. None: no such dataset yet.

    Druid's view is exact for the latest data (a rollback or a retyped upload changes it
    before the metadata store is refreshed); it costs one SQL query."""
    meta = await get_dataset(db, name)
    try:
        druid = (await druid_datasets(broker, [name])).get(name)
    except DruidError as exc:
        log.warning("Druid catalog lookup failed, using the metadata store only: %s", exc)
        druid = None
    dataset = reconcile(meta, druid)
    return None if dataset is None else dataset.columns


async def list_all_datasets(db: Executor, broker: DruidBroker) -> list[Dataset]:
    """Every dataset Sluice tracks, plus datasources that exist only in Druid; none that is
    being deleted (Druid may serve it for a few seconds more)."""
    meta = await get_datasets(db)
    try:
        druid = await druid_datasets(broker)
    except DruidError as exc:
        log.warning("Druid catalog listing failed, using the metadata store only: %s", exc)
        druid = {}
    names = sorted((set(meta) | set(druid)) - await being_deleted(db))
    merged = [reconcile(meta.get(n), druid.get(n)) for n in names]
    return [d for d in merged if d is not None]


_DELETING = """
SELECT datasource, id FROM tasks
WHERE kind = 'DELETE' AND status <> ALL('{SUCCEEDED,FAILED,CANCELLED}'::text[])
  AND ($1::text IS NULL OR datasource = $1)
"""


async def being_deleted(db: Executor) -> set[str]:
    """Datasources a DELETE task is working on (core/delete.py)."""
    return {row["datasource"] for row in await db.fetch(_DELETING, None)}


async def deletion_of(db: Executor, datasource: str) -> str | None:
    """The id of the unfinished DELETE task of `datasource`, if any."""
    rows = await db.fetch(_DELETING, datasource)
    return str(rows[0]["id"]) if rows else None


async def forget_dataset(pool: asyncpg.Pool, datasource: str) -> None:
    """Remove the dataset's catalog entry (its columns and facts)."""
    async with pool.acquire() as conn, conn.transaction():
        await conn.execute("DELETE FROM dataset_columns WHERE dataset = $1", datasource)
        await conn.execute("DELETE FROM datasets WHERE name = $1", datasource)


class DatasourceNotInDruid(DruidError):
    """Druid's SQL layer does not (yet) list the datasource."""

    def __init__(self, datasource: str) -> None:
        self.datasource = datasource
        super().__init__(
            f"Druid does not list datasource {datasource!r}: its segments are not loaded on "
            "the broker yet, or it was dropped."
        )


def _parse_druid_time(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


async def refresh_dataset_from_druid(
    pool: asyncpg.Pool,
    broker: DruidBroker,
    datasource: str,
    *,
    task_id: str | None,
    has_time_column: bool | None = None,
) -> Dataset:
    """Record what Druid now serves for `datasource`: rows, time range, size and columns.

    The worker calls this after an ingestion succeeded and its segments are loaded, with the
    Sluice task id (`task_id=None` refreshes without recording an ingestion). Column logical
    types already in the metadata store are kept unless Druid retyped the column (`kept_type`);
    Druid decides which columns exist.
    """
    druid = (await druid_datasets(broker, [datasource])).get(datasource)
    if druid is None:
        raise DatasourceNotInDruid(datasource)
    quoted = '"' + datasource.replace('"', '""') + '"'
    # The name is quoted, not a parameter: Druid cannot bind identifiers.
    totals = await broker.sql(f"SELECT COUNT(*), MIN(__time), MAX(__time) FROM {quoted}")
    row_count, time_min, time_max = totals.rows[0]
    async with pool.acquire() as conn, conn.transaction():
        await conn.execute(
            """
            INSERT INTO datasets (name, row_count, size_bytes, time_min, time_max,
                                  has_time_column, last_task_id, last_ingested_at)
            VALUES ($1, $2, $3, $4, $5, COALESCE($6, true), $7,
                    CASE WHEN $7::text IS NULL THEN NULL ELSE now() END)
            ON CONFLICT (name) DO UPDATE SET
                row_count = EXCLUDED.row_count, size_bytes = EXCLUDED.size_bytes,
                time_min = EXCLUDED.time_min, time_max = EXCLUDED.time_max,
                has_time_column = COALESCE($6, datasets.has_time_column),
                last_task_id = COALESCE($7, datasets.last_task_id),
                last_ingested_at = CASE WHEN $7::text IS NULL THEN datasets.last_ingested_at
                                        ELSE now() END,
                updated_at = now()
            """,
            datasource,
            int(row_count),
            int(druid.size_bytes or 0),
            _parse_druid_time(time_min),
            _parse_druid_time(time_max),
            has_time_column,
            task_id,
        )
        known = await get_dataset(conn, datasource)
        served = reconcile(known, druid) or druid  # the logical types, retyped ones Druid's
        await conn.execute("DELETE FROM dataset_columns WHERE dataset = $1", datasource)
        await conn.executemany(
            "INSERT INTO dataset_columns (dataset, name, position, type, druid_type) "
            "VALUES ($1, $2, $3, $4, $5)",
            [(datasource, c.name, c.position, c.type.value, c.druid_type) for c in served.columns],
        )
    refreshed = await get_dataset(pool, datasource)
    assert refreshed is not None
    return refreshed


async def datasource_known(db: asyncpg.Pool, name: str) -> bool:
    """Whether Sluice already has a dataset, or any task, under this datasource name."""
    return bool(
        await db.fetchval(
            "SELECT EXISTS (SELECT 1 FROM datasets WHERE name = $1)"
            " OR EXISTS (SELECT 1 FROM tasks WHERE datasource = $1)",
            name,
        )
    )
