"""Druid's deletion of dropped data: one kill task at a time, only while Druid is idle.

Issue 13: with `druid.coordinator.kill.on` the Coordinator submits one kill task per
datasource with unused segments each period, all at once; after the test suite dropped its
datasources 27 queued, and a 34 MB upload waited 79 s for a slot (each kill forks a peon JVM,
seconds each on this machine). Druid 25 neither caps the slots kill tasks take (the
Coordinator's `maxKillTaskSlots` arrived in Druid 28) nor orders pending tasks by priority (a
task's `priority` only decides who wins a lock), so Sluice schedules the kills itself and the
Coordinator's are off (druid/conf/coordinator-overlord/runtime.properties).

Every minute the worker submits at most one kill task, and only when no task is pending, no
maintenance task runs and at least two slots are free, so an upload arriving meanwhile still
finds a free slot (a kill takes seconds here: up to ~60 datasources an hour are cleaned, while
the shared Druid of this project had 139 dropped ones waiting). Datasources whose segments are
all unused (dropped) go first; then every datasource in turn, for the segments a REPLACE
overshadowed.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from core import logs
from core.auth.naming import workspace_slug
from core.druid.client import ALL_TIME, DruidClient
from core.druid.errors import DruidError
from core.druid.failures import MAINTENANCE_TASK_TYPES
from workers.jobs import services

log = logging.getLogger(__name__)

KILL_EVERY_S = 60


def may_start_maintenance(
    *, pending: Sequence[str], running: Sequence[str], free_slots: int | None
) -> bool:
    """Nothing waits for a slot, no maintenance runs, and one slot stays free for uploads
    while the kill runs."""
    busy_with_maintenance = any(kind in MAINTENANCE_TASK_TYPES for kind in running)
    return not pending and not busy_with_maintenance and (free_slots or 0) >= 2


def datasource_to_clean(*, used: Sequence[str], known: Sequence[str], turn: int) -> str | None:
    """A dropped datasource (in `known`, which includes unused ones, but not in `used`) first;
    otherwise the `turn`-th used one, round robin."""
    dropped = sorted(set(known) - set(used))
    if dropped:
        return dropped[0]
    ordered = sorted(used)
    return ordered[turn % len(ordered)] if ordered else None


async def kill_unused_segments(ctx: dict[str, Any]) -> str:
    """Submit one kill task if Druid is idle (and kills are on); say what was done."""
    svc = services(ctx)
    if not svc.settings.druid_kill_unused:
        return "kill tasks are off (druid_kill_unused)"
    return await kill_when_idle(svc.druid)


async def kill_when_idle(druid: DruidClient, datasource: str | None = None) -> str:
    """Submit one kill task, of `datasource`'s unused segments (or of the next datasource to
    clean), if Druid is idle; say what was done."""
    try:
        if not may_start_maintenance(
            pending=await druid.pending_task_types(),
            running=await druid.running_task_types(),
            free_slots=await druid.free_slots(),
        ):
            return "Druid is busy: no kill task now"
        datasource = datasource or datasource_to_clean(
            used=await druid.datasource_names(),
            known=await druid.datasource_names(include_unused=True),
            turn=int(time.time() // KILL_EVERY_S),
        )
        if datasource is None:
            return "no datasource"
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
        task_id = await druid.submit_task(
            {
                "type": "kill",
                "id": f"sluice_kill_{datasource}_{stamp}",
                "dataSource": datasource,
                "interval": ALL_TIME,
            }
        )
    except DruidError as exc:  # away or refusing: the next run tries again
        log.warning("no kill task this time: %s", exc)
        return "Druid did not answer"
    logs.bind(druid_task=task_id, space=workspace_slug(datasource))
    log.info("deleting unused segments of %s (Druid task %s)", datasource, task_id)
    return f"kill task {task_id}"
