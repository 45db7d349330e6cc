"""Catalog queries: `datasources` and `datasource(name)`."""

from __future__ import annotations

import strawberry

from core import catalog
from schema.context import Context
from schema.datasets.loaders import broker, dataset_loader
from schema.datasets.types import Dataset


@strawberry.type
class DatasetsQuery:
    @strawberry.field(description="Every queryable datasource, by name.")
    async def datasources(self, info: strawberry.Info[Context, None]) -> list[Dataset]:
        found = await catalog.list_all_datasets(info.context.db, broker(info.context))
        loader = dataset_loader(info.context)
        for dataset in found:
            loader.prime(dataset.name, dataset)  # later lookups on this page are free
        return [Dataset.from_catalog(d) for d in found]

    @strawberry.field(description="One datasource, or null when there is none by that name.")
    async def datasource(self, info: strawberry.Info[Context, None], name: str) -> Dataset | None:
        dataset = await dataset_loader(info.context).load(name)
        return Dataset.from_catalog(dataset) if dataset else None
