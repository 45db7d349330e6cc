"""`python -m workers`: run the arq worker, and run it again when Redis goes away.

arq's worker exits when its Redis connection drops (a Redis restart, a failover). This
launcher starts it again with back-off (1 s doubling to 30 s, back to 1 s after a minute of
good running), so a worker outlives a Redis restart without a supervisor. SIGINT or SIGTERM
stop it for good.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import sys
import time

from arq.worker import create_worker
from redis.exceptions import RedisError

from core import logs
from core.settings import Settings
from workers.context import shutdown
from workers.settings import WorkerSettings

log = logging.getLogger("workers")

FIRST_DELAY_S = 1.0
MAX_DELAY_S = 30.0
HEALTHY_AFTER_S = 60.0


def run_forever() -> int:
    delay = FIRST_DELAY_S
    while True:
        started = time.monotonic()
        worker = create_worker(WorkerSettings)  # type: ignore[arg-type]  # a plain class, as arq documents
        try:
            worker.run()  # returns when SIGINT or SIGTERM stopped it
            return 0
        except (RedisError, OSError) as exc:
            # Close what the worker opened (its shutdown hook did not run), then start again.
            worker.loop.run_until_complete(shutdown(worker.ctx))
            if time.monotonic() - started > HEALTHY_AFTER_S:
                delay = FIRST_DELAY_S
            log.warning("worker lost Redis (%s); starting again in %.0f s", exc, delay)
        _restore_default_signals(worker.loop)
        time.sleep(delay)  # back-off; SIGTERM now ends the process at once
        delay = min(delay * 2, MAX_DELAY_S)


def _restore_default_signals(loop: asyncio.AbstractEventLoop) -> None:
    """arq's handlers only act while its loop runs; between runs a signal must stop us."""
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.remove_signal_handler(sig)
        signal.signal(sig, signal.SIG_DFL)


def main() -> int:
    # Ours from the first line (not logging.basicConfig: its handler stayed beside ours and
    # wrote every line twice, the second time without ids and not as JSON).
    logs.configure(Settings())
    return run_forever()


if __name__ == "__main__":
    sys.exit(main())
