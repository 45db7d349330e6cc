"""GraphQL types for the dataset catalog."""

from __future__ import annotations

from datetime import datetime

import strawberry

from core import catalog, model
from core.auth.naming import visible_name
from schema.context import Info
from schema.datasets.loaders import recent_tasks_loader
from schema.enums import ColumnType
from schema.tasks.loaders import task_loader
from schema.tasks.types import IngestionTask, TaskPage


@strawberry.type(description="A column that can be used in dashboard queries.")
class DatasetColumn:
    name: str
    type: ColumnType = strawberry.field(description="Sluice's type (BOOLEAN kept as profiled).")
    druid_type: str | None = strawberry.field(
        description="The SQL type Druid reports (VARCHAR, BIGINT, DOUBLE, TIMESTAMP...)."
    )
    position: int


@strawberry.type(description="A queryable Druid datasource.")
class Dataset:
    name: str
    columns: list[DatasetColumn] = strawberry.field(
        description="Druid's columns, `__time` first; use these names in dashboard queries."
    )
    row_count: float | None = strawberry.field(description="Rows (a Float: can exceed 2^31).")
    size_bytes: float | None = strawberry.field(description="Segment bytes in Druid.")
    time_min: datetime | None
    time_max: datetime | None
    has_time_column: bool = strawberry.field(
        description="False when the files had no time column (rows share a constant time)."
    )
    last_ingested_at: datetime | None
    last_task_id: strawberry.ID | None
    tracked: bool = strawberry.field(
        description="False: the datasource exists only in Druid, not ingested through Sluice."
    )
    druid_name: strawberry.Private[str]

    @strawberry.field(description="The latest ingestion tasks into this datasource, newest first.")
    async def tasks(self, info: Info, limit: int = 10) -> list[IngestionTask]:
        limit = max(1, min(limit, 100))
        ids = await recent_tasks_loader(info.context, limit=limit).load(self.druid_name)
        tasks = await task_loader(info.context).load_many(ids)
        return [IngestionTask.from_model(task) for task in tasks if task is not None]

    @strawberry.field(
        description="Every upload into this dataset, newest first, paged (`after`: nextCursor)."
    )
    async def uploads(self, info: Info, first: int = 20, after: str | None = None) -> TaskPage:
        items, next_cursor = await info.context.tasks.page(
            workspace_id=info.context.member.workspace_id,
            datasource=self.druid_name,
            kinds=[model.TaskKind.INGEST],
            first=max(1, min(first, 100)),
            after=after,
            current_dataset_only=True,
        )
        return TaskPage(items=[IngestionTask.from_model(t) for t in items], next_cursor=next_cursor)

    @classmethod
    def from_catalog(cls, dataset: catalog.Dataset) -> Dataset:
        return cls(
            name=visible_name(dataset.name),
            druid_name=dataset.name,
            columns=[
                DatasetColumn(
                    name=c.name, type=c.type, druid_type=c.druid_type, position=c.position
                )
                for c in dataset.columns
            ],
            row_count=None if dataset.row_count is None else float(dataset.row_count),
            size_bytes=None if dataset.size_bytes is None else float(dataset.size_bytes),
            time_min=dataset.time_min,
            time_max=dataset.time_max,
            has_time_column=dataset.has_time_column,
            last_ingested_at=dataset.last_ingested_at,
            last_task_id=strawberry.ID(dataset.last_task_id) if dataset.last_task_id else None,
            tracked=dataset.in_metadata,
        )
