"""Per-request DataLoaders for catalog lookups, shared by the datasets and dashboards schema.

One page that asks for the same dataset several times (a dashboard of five charts on one
datasource) reads the catalog once.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from strawberry.dataloader import DataLoader

from core import catalog

if TYPE_CHECKING:
    from core.druid.broker import DruidBroker
    from schema.context import Context


def broker(context: Context) -> DruidBroker:
    """The shared Druid SQL client."""
    return context.services.broker


def dataset_loader(context: Context) -> DataLoader[str, catalog.Dataset | None]:
    """Datasets by name: metadata store first, Druid INFORMATION_SCHEMA for the rest."""
    loader = context.loaders.get("dataset")
    if loader is None:
        db, druid = context.db, broker(context)

        async def load(names: list[str]) -> list[catalog.Dataset | None]:
            return await catalog.load_datasets(db, druid, names)

        loader = context.loaders["dataset"] = DataLoader(load_fn=load)
    return loader


def recent_tasks_loader(context: Context, *, limit: int) -> DataLoader[str, list[str]]:
    """Latest task ids per datasource; one query for every dataset on the page."""
    key = f"recent_tasks:{limit}"
    loader = context.loaders.get(key)
    if loader is None:
        db = context.db

        async def load(names: list[str]) -> list[list[str]]:
            found = await catalog.recent_task_ids(db, names, limit=limit)
            return [found[name] for name in names]

        loader = context.loaders[key] = DataLoader(load_fn=load)
    return loader


class ContextDatasets:
    """`core.queries.DatasetLookup` over the request's loaders."""

    def __init__(self, context: Context) -> None:
        self._context = context

    async def dataset(self, name: str) -> catalog.Dataset | None:
        return await dataset_loader(self._context).load(name)

    async def names(self) -> list[str]:
        found = await catalog.list_all_datasets(self._context.db, broker(self._context))
        return [d.name for d in found]
