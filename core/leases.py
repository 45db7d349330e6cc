"""Leases on tasks: which arq job runs a task right now, and until when.

A job takes the lease before it works on a task and renews it while it runs (workers/jobs.py);
a lease that ran out means its worker is gone. Only one job holds a live lease, so a task
resumed by the watchdog (with a new job id) is never run twice at once. The owner is the arq
job id: a tracking job deferred by `Retry` comes back under the same id and takes its lease
again, wherever it runs.
"""

from __future__ import annotations

from collections.abc import Mapping

import asyncpg

from core.model import TaskStatus


class Leases:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self.pool = pool

    async def take(self, task_id: str, owner: str, *, ttl_s: float) -> bool:
        """Take or renew the lease for `ttl_s`; False when another owner's lease is live."""
        taken = await self.pool.fetchval(
            "UPDATE tasks SET lease_owner = $2, lease_until = now() + make_interval(secs => $3)"
            " WHERE id = $1 AND (lease_owner IS NULL OR lease_owner = $2"
            " OR lease_until < now()) RETURNING true",
            task_id,
            owner,
            ttl_s,
        )
        return bool(taken)

    async def hand_over(self, task_id: str, owner: str, *, to: str, ttl_s: float) -> bool:
        """Pass the lease from `owner` to the job `to` (queued next), so the next step never
        finds the task held by the step that queued it."""
        moved = await self.pool.fetchval(
            "UPDATE tasks SET lease_owner = $3, lease_until = now() + make_interval(secs => $4)"
            " WHERE id = $1 AND lease_owner = $2 RETURNING true",
            task_id,
            owner,
            to,
            ttl_s,
        )
        return bool(moved)

    async def release(self, task_id: str, owner: str, *, hold_s: float = 0.0) -> None:
        """Give the lease up, or (`hold_s` > 0) keep it that long for the owner's deferred
        re-run, so the watchdog does not take a waiting tracker for a dead one."""
        if hold_s > 0:
            await self.take(task_id, owner, ttl_s=hold_s)
            return
        await self.pool.execute(
            "UPDATE tasks SET lease_owner = NULL, lease_until = NULL"
            " WHERE id = $1 AND lease_owner = $2",
            task_id,
            owner,
        )

    async def stalled(self, deadlines_s: Mapping[TaskStatus, float]) -> list[str]:
        """Ids of unfinished tasks with no live lease and no change for longer than their
        status's deadline, oldest change first."""
        statuses = list(deadlines_s)
        rows = await self.pool.fetch(
            "SELECT t.id FROM tasks t"
            " JOIN unnest($1::text[], $2::float8[]) AS d(status, secs) ON d.status = t.status"
            " WHERE (t.lease_until IS NULL OR t.lease_until < now())"
            " AND t.updated_at < now() - make_interval(secs => d.secs)"
            " ORDER BY t.updated_at",
            [s.value for s in statuses],
            [deadlines_s[s] for s in statuses],
        )
        return [row["id"] for row in rows]
