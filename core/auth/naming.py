"""Druid datasource names per workspace: `{slug}__{name}`.

Two workspaces can each have a `sales` dataset: in Druid they are `acme__sales` and
`globex__sales`, and each workspace sees only its own, under the name it chose. Slugs never
contain `_`, so the first `__` of a Druid name ends the prefix. Data from before accounts
lives in the `default` workspace with an empty prefix (its Druid names are unchanged).
"""

from __future__ import annotations

import re

SEPARATOR = "__"
LEGACY_SLUG = "default"  # the workspace of data from before accounts (migration 0005)
_SLUG = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?$")


def slug_problem(slug: str) -> str | None:
    """Why `slug` cannot name a workspace, or None when it can."""
    if _SLUG.match(slug):
        return None
    return (
        f"'{slug}' cannot name a workspace: use 1 to 40 lower-case letters, digits and '-' "
        "(not at either end), e.g. 'sales-team'."
    )


def druid_prefix(slug: str) -> str:
    return f"{slug}{SEPARATOR}"


def druid_name(prefix: str, name: str) -> str:
    """The Druid datasource behind a workspace's dataset `name`."""
    return f"{prefix}{name}"


def owns(prefix: str, druid_datasource: str) -> bool:
    """Whether a Druid datasource belongs to the workspace with this prefix."""
    if prefix:
        return druid_datasource.startswith(prefix)
    return SEPARATOR not in druid_datasource


def visible_name(druid_datasource: str) -> str:
    """The name a workspace's members see for a Druid datasource."""
    prefix, sep, rest = druid_datasource.partition(SEPARATOR)
    return rest if sep and _SLUG.match(prefix) else druid_datasource


def workspace_slug(druid_datasource: str) -> str:
    """The slug of the workspace a Druid datasource belongs to (for log lines: workers know
    datasources, not workspaces); `default` for the unprefixed names from before accounts."""
    prefix, sep, _ = druid_datasource.partition(SEPARATOR)
    return prefix if sep and _SLUG.match(prefix) else LEGACY_SLUG


def name_problem(prefix: str, name: str) -> str | None:
    """Why a workspace cannot use `name` for a dataset (beyond Druid's own rules)."""
    if not prefix and SEPARATOR in name:
        # An unprefixed name with "__" could land in another workspace's Druid datasource.
        return f"The datasource name contains '{SEPARATOR}', which is reserved. Use one '_'."
    return None
