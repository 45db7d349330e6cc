"""arq worker settings: `arq workers.settings.WorkerSettings`."""

from __future__ import annotations

from typing import Any, ClassVar

from arq import cron, func
from arq.connections import RedisSettings

from core.settings import Settings
from workers.context import shutdown, startup
from workers.pipeline import process_task
from workers.sessions import expire_upload_sessions
from workers.tracking import track_task

_settings = Settings()


class WorkerSettings:
    functions: ClassVar[list[Any]] = [
        func(process_task, max_tries=3, timeout=6 * 3600),
        # Tracking re-runs itself with Retry(defer) until Druid is done; allow many looks.
        func(track_task, max_tries=100_000, timeout=60),
    ]
    # Parts of resumable uploads nobody completed are freed (core/resumable.py).
    cron_jobs: ClassVar[list[Any]] = [cron(expire_upload_sessions, minute=17, run_at_startup=True)]
    on_startup = startup
    on_shutdown = shutdown
    redis_settings = RedisSettings.from_dsn(_settings.redis_url)
    queue_name = _settings.queue_name
    max_jobs = 4
    poll_delay = 0.1  # seconds between queue polls: a new upload starts within ~0.1 s
    allow_abort_jobs = True
    health_check_interval = 5
    keep_result = 3600
