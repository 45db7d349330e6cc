"""Per-request DataLoaders for catalog lookups, shared by the datasets and dashboards schema.

One page that asks for the same dataset several times (a dashboard of five charts on one
datasource) reads the catalog once.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from strawberry.dataloader import DataLoader

from core import catalog
from core.auth.naming import druid_name, owns, visible_name

if TYPE_CHECKING:
    from core.druid.broker import DruidBroker
    from schema.context import Context


def broker(context: Context) -> DruidBroker:
    """The shared Druid SQL client."""
    return context.services.broker


def dataset_loader(context: Context) -> DataLoader[str, catalog.Dataset | None]:
    """The caller's workspace's datasets by the name its members use (the Dataset found
    carries the Druid name): metadata store first, Druid INFORMATION_SCHEMA for the rest."""
    loader = context.loaders.get("dataset")
    if loader is None:
        db, druid = context.db, broker(context)
        prefix = context.member.workspace.druid_prefix

        async def load(names: list[str]) -> list[catalog.Dataset | None]:
            wanted = [druid_name(prefix, name) for name in names]
            found = await catalog.load_datasets(db, druid, wanted)
            return [d if d is not None and owns(prefix, d.name) else None for d in found]

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


async def workspace_datasets(context: Context) -> list[catalog.Dataset]:
    """Every dataset of the caller's workspace (Druid names)."""
    prefix = context.member.workspace.druid_prefix
    found = await catalog.list_all_datasets(context.db, broker(context))
    return [d for d in found if owns(prefix, d.name)]


class ContextDatasets:
    """`core.queries.DatasetLookup` over the request's loaders, in the caller's workspace."""

    def __init__(self, context: Context) -> None:
        self._context = context

    async def dataset(self, name: str) -> catalog.Dataset | None:
        return await dataset_loader(self._context).load(name)

    async def names(self) -> list[str]:
        return [visible_name(d.name) for d in await workspace_datasets(self._context)]
