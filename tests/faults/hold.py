"""Holding a task at a point of the pipeline, deterministically, not by timing.

`hold_on_leaving(status)` installs a trigger in the layer's own database that makes the
transaction moving a task out of `status` wait for an advisory lock the test holds. The task
is then committed in `status`, the step's work is done (validated, staged, submitted,
ingested...), and the worker is blocked just before recording it: the worst moment to die.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass

from core.model import TaskStatus
from core.services import Services
from tests.faults.conftest import until

HOLD_LOCK = 7_211_011  # advisory lock key of `hold_on_leaving`


HOLD_SQL = f"""
CREATE TABLE IF NOT EXISTS fault_holds (status text PRIMARY KEY);
CREATE OR REPLACE FUNCTION fault_hold() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF OLD.status <> NEW.status AND EXISTS (SELECT 1 FROM fault_holds WHERE status = OLD.status)
  THEN PERFORM pg_advisory_xact_lock({HOLD_LOCK});
  END IF;
  RETURN NEW;
END $$;
DROP TRIGGER IF EXISTS fault_hold ON tasks;
CREATE TRIGGER fault_hold BEFORE UPDATE ON tasks FOR EACH ROW EXECUTE FUNCTION fault_hold();
"""


@dataclass
class Hold:
    svc: Services

    async def reached(self, task_id: str, status: TaskStatus) -> None:
        """Wait until the task is committed in `status` and a worker waits to leave it."""

        async def blocked() -> bool:
            task = await self.svc.tasks.get(task_id)
            waiting = await self.svc.db.fetchval(
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"
                " AND objid = $1",
                HOLD_LOCK,
            )
            return task is not None and task.status == status and waiting > 0

        await until(blocked)


@contextlib.asynccontextmanager
async def hold_on_leaving(svc: Services, status: TaskStatus) -> AsyncIterator[Hold]:
    """While the block runs, a transaction moving any task out of `status` waits."""
    await svc.db.execute(HOLD_SQL)
    async with svc.db.acquire() as conn:
        await conn.execute("SELECT pg_advisory_lock($1)", HOLD_LOCK)
        await conn.execute("INSERT INTO fault_holds VALUES ($1)", status.value)
        try:
            yield Hold(svc)
        finally:
            await conn.execute("DELETE FROM fault_holds")
            await conn.execute("SELECT pg_advisory_unlock($1)", HOLD_LOCK)
