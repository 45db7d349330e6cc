"""Catalog queries: `datasources` and `datasource(name)`."""

from __future__ import annotations

import strawberry

from core.auth.naming import visible_name
from schema.context import Info
from schema.datasets.loaders import dataset_loader, workspace_datasets
from schema.datasets.types import Dataset
from schema.permissions import Viewer


@strawberry.type
class DatasetsQuery:
    @strawberry.field(
        permission_classes=[Viewer], description="Every queryable datasource, by name."
    )
    async def datasources(self, info: Info) -> list[Dataset]:
        found = await workspace_datasets(info.context)
        loader = dataset_loader(info.context)
        for dataset in found:
            loader.prime(visible_name(dataset.name), dataset)  # later lookups are free
        return [Dataset.from_catalog(d) for d in found]

    @strawberry.field(
        permission_classes=[Viewer],
        description="One datasource, or null when there is none by that name.",
    )
    async def datasource(self, info: Info, name: str) -> Dataset | None:
        dataset = await dataset_loader(info.context).load(name)
        return Dataset.from_catalog(dataset) if dataset else None
