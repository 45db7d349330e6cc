"""One Redis subscription per process, fanned out in memory to every live subscriber.

Issue 13 measured one pub/sub connection and one PostgreSQL read per subscriber per change:
1,000 `taskFeed` subscribers saw a change at p99 3.8 s, 10,000 ran the API out of file
descriptors. Here a process holds one pub/sub connection (`Settings.task_events_channel`),
reads each changed task from PostgreSQL once, and hands the `Task` to every interested
`Watcher`. A watcher keeps only the latest state per task: a slow consumer never makes the
process buffer without limit.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import OrderedDict
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from redis.asyncio import Redis

from core.errors import ErrorCode, VisibleError
from core.events import FEED_CHANNEL, RESYNC, Subscription
from core.model import Task
from core.tasks import TaskStore

log = logging.getLogger(__name__)

# After messages may have been lost, tasks changed this long before the last one seen are read
# again (clock skew between API hosts and PostgreSQL); a task shown twice is harmless.
RESYNC_MARGIN = timedelta(seconds=5)
# Versions remembered to drop repeats when a resync re-reads tasks already handed out.
_KNOWN_VERSIONS = 4096
# Watchers woken per turn of the event loop. Each wakes a subscription that executes (or
# shares) its result and sends it before the loop sees any other I/O; handing out to 10,000
# at once kept a plain query waiting for all of them (p99 113 ms, bench/RESULTS.md). At
# ~0.08 ms per subscriber, 25 make a turn of ~2 ms, and a query needing ~8 turns waits ~16 ms.
HAND_OUT_BATCH = 25


class TooManySubscriptions(VisibleError):
    """A subscription cap from Settings is reached."""

    def __init__(self, message: str) -> None:
        super().__init__(message, code=ErrorCode.TOO_MANY_SUBSCRIPTIONS)


@dataclass(slots=True)
class Batch:
    """What a watcher gets: the latest state of each changed task, oldest change first, and
    whether it must re-read PostgreSQL itself (it fell too far behind)."""

    tasks: list[Task]
    resync: bool


@dataclass(eq=False, slots=True)
class Watcher:
    """One subscriber's mailbox: at most `max_pending` tasks, each in its latest state."""

    task_id: str | None  # None: every task of the workspace (a feed)
    workspace_id: str | None  # None: every workspace (the process itself, tests)
    max_pending: int
    _pending: dict[str, Task] = field(default_factory=dict)
    _resync: bool = False
    _wake: asyncio.Event = field(default_factory=asyncio.Event)

    def offer(self, task: Task, workspace_id: str) -> None:
        if self.workspace_id is not None and workspace_id != self.workspace_id:
            return
        self._pending.pop(task.id, None)  # re-inserted last: the order of the latest changes
        self._pending[task.id] = task
        if len(self._pending) > self.max_pending:
            # Too slow to keep up: forget the backlog, re-read PostgreSQL when it comes back.
            self._pending.clear()
            self._resync = True
        self._wake.set()

    async def next(self) -> Batch:
        """Wait for changes, then take all of them."""
        await self._wake.wait()
        self._wake.clear()
        batch = Batch(list(self._pending.values()), self._resync)
        self._pending, self._resync = {}, False
        return batch


class Broadcaster:
    """The process's single subscriber of the task events channel. Created with the services
    (`core.services.open_services`) and closed with them; it subscribes to Redis when the
    first watcher arrives, so a worker process, which has none, holds no pub/sub connection.

    Redis loss is handled by `core.events.Subscription` (back-off, then RESYNC). After a
    RESYNC, and after every `heartbeat_s` of silence (or failed reconnection try), the tasks
    changed meanwhile are read from PostgreSQL once for the process and handed out.
    """

    def __init__(
        self,
        redis: Redis,
        tasks: TaskStore,
        *,
        channel: str = FEED_CHANNEL,
        max_subscriptions: int,
        max_per_connection: int,
        max_pending: int = 1000,
        heartbeat_s: float = 15.0,
        retry_s: float = 1.0,
        hand_out_batch: int = HAND_OUT_BATCH,
    ) -> None:
        self._redis, self._tasks, self._channel = redis, tasks, channel
        self._max_subscriptions = max_subscriptions
        self._max_per_connection = max_per_connection
        self._max_pending = max_pending
        self._heartbeat_s, self._retry_s = heartbeat_s, retry_s
        self._hand_out_batch = hand_out_batch
        self._by_task: dict[str, set[Watcher]] = {}
        self._feed: set[Watcher] = set()
        self._per_connection: dict[int, int] = {}
        self._count = 0
        self._changed: dict[str, None] = {}  # task ids announced, not yet read (ordered set)
        self._wake_reader = asyncio.Event()
        self._versions: OrderedDict[str, datetime] = OrderedDict()
        self._seen_until = datetime.now(UTC)
        self._subscription: Subscription | None = None
        self._jobs: list[asyncio.Task[None]] = []
        self._starting = asyncio.Lock()
        self._resync_soon = False  # a message was lost: read PostgreSQL at the next one

    @property
    def subscriptions(self) -> int:
        return self._count

    async def _start(self) -> None:
        async with self._starting:
            if self._subscription is not None:
                return
            self._seen_until = datetime.now(UTC)
            subscription = Subscription(self._redis, self._channel, heartbeat_s=self._heartbeat_s)
            await subscription.__aenter__()  # Redis away: its messages() keeps trying
            self._subscription = subscription
            self._jobs = [
                asyncio.create_task(self._listen(subscription), name="broadcast-listen"),
                asyncio.create_task(self._read_changed(), name="broadcast-read"),
            ]

    async def close(self) -> None:
        for job in self._jobs:
            job.cancel()
        for job in self._jobs:
            with contextlib.suppress(asyncio.CancelledError):
                await job
        if self._subscription is not None:
            await self._subscription.__aexit__(None, None, None)

    @contextlib.asynccontextmanager
    async def watch(
        self,
        *,
        connection: object,
        task_id: str | None = None,
        workspace_id: str | None = None,
    ) -> AsyncIterator[Watcher]:
        """Register a watcher and unregister it on exit: a caller that reads PostgreSQL after
        entering misses no change. Raises `TooManySubscriptions` over a cap."""
        await self._start()
        key = id(connection)
        self._check_caps(key)
        watcher = Watcher(task_id=task_id, workspace_id=workspace_id, max_pending=self._max_pending)
        group = self._feed if task_id is None else self._by_task.setdefault(task_id, set())
        group.add(watcher)
        self._count += 1
        self._per_connection[key] = self._per_connection.get(key, 0) + 1
        try:
            yield watcher
        finally:
            group.discard(watcher)
            if task_id is not None and not group:
                del self._by_task[task_id]
            self._count -= 1
            self._per_connection[key] -= 1
            if not self._per_connection[key]:
                del self._per_connection[key]

    def _check_caps(self, key: int) -> None:
        if self._per_connection.get(key, 0) >= self._max_per_connection:
            raise TooManySubscriptions(
                f"This connection already has {self._max_per_connection} live subscriptions, "
                "the most one connection may hold. Stop one you no longer need (or open "
                "another connection) and subscribe again."
            )
        if self._count >= self._max_subscriptions:
            raise TooManySubscriptions(
                f"This Sluice server is serving its limit of {self._max_subscriptions} live "
                "subscriptions. Try again in a minute; if it keeps happening, ask the operator "
                "to add API processes or raise SLUICE_SUBSCRIPTIONS_MAX_PER_PROCESS."
            )

    async def _listen(self, subscription: Subscription) -> None:
        while True:  # an unreadable message ends one pass, never the fan-out
            try:
                async for message in subscription.messages():
                    await self._take(message)
            except Exception:
                log.exception("unreadable pub/sub message on %s; listening on", self._channel)
                self._resync_soon = True

    async def _take(self, message: dict[str, Any]) -> None:
        if self._resync_soon or not message or message == RESYNC:  # silence, or Redis was away
            try:
                await self._resync()
                self._resync_soon = False
            except Exception:  # PostgreSQL away: the next message or heartbeat tries again
                log.exception("could not read the tasks changed while messages were lost")
        if task_id := message.get("task_id"):
            self._changed[task_id] = None
            self._wake_reader.set()

    async def _read_changed(self) -> None:
        """Read announced tasks in batches: a burst of changes to one task is read once."""
        while True:
            await self._wake_reader.wait()
            self._wake_reader.clear()
            task_ids, self._changed = list(self._changed), {}
            try:
                tasks = await self._tasks.with_workspaces(task_ids=task_ids)
            except Exception:
                log.exception("could not read %d changed tasks; trying again", len(task_ids))
                self._changed = dict.fromkeys(task_ids) | self._changed
                await asyncio.sleep(self._retry_s)  # back-off while PostgreSQL is away
                self._wake_reader.set()
                continue
            for task, workspace_id in tasks:
                await self._hand_out(task, workspace_id)

    async def _resync(self) -> None:
        """Messages may have been lost: hand out what PostgreSQL says changed meanwhile."""
        since = self._seen_until - RESYNC_MARGIN
        for task, workspace_id in await self._tasks.with_workspaces(since=since):
            if self._versions.get(task.id) != task.updated_at:
                await self._hand_out(task, workspace_id)

    async def _hand_out(self, task: Task, workspace_id: str) -> None:
        """Offer the task to its watchers, `hand_out_batch` per turn of the event loop, so
        queries are served between the batches. A watcher that leaves meanwhile is offered
        it in vain; one that arrives meanwhile reads PostgreSQL itself."""
        self._seen_until = max(self._seen_until, task.updated_at)
        self._versions[task.id] = task.updated_at
        self._versions.move_to_end(task.id)
        if len(self._versions) > _KNOWN_VERSIONS:
            self._versions.popitem(last=False)
        watchers = [*self._by_task.get(task.id, ()), *self._feed]
        for start in range(0, len(watchers), self._hand_out_batch):
            if start:
                await asyncio.sleep(0)  # one turn: the woken subscriptions run, then I/O
            for watcher in watchers[start : start + self._hand_out_batch]:
                watcher.offer(task, workspace_id)
