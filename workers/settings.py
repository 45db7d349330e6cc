"""arq worker settings: `arq workers.settings.WorkerSettings` (or `python -m workers`)."""

from __future__ import annotations

from typing import Any, ClassVar

from arq import cron, func
from arq.connections import RedisSettings

from core.settings import Settings
from workers.context import shutdown, startup
from workers.delete import delete_task
from workers.jobs import job_started
from workers.maintenance import kill_unused_segments
from workers.pipeline import process_task
from workers.retention import remove_expired_files
from workers.rollback import rollback_task
from workers.sessions import abort_orphan_uploads, expire_upload_sessions
from workers.tracking import TRACK_JOB_TIMEOUT_S, track_task, track_tries, tries_within
from workers.watchdog import watch_tasks

_settings = Settings()
_delete_budget_s = _settings.druid_handoff_timeout_s + _settings.delete_kill_timeout_s


def watchdog_seconds(settings: Settings) -> set[int]:
    """The seconds of each minute the watchdog runs at: :05 and :35 for the default 30 s."""
    every = settings.watchdog_interval_s
    return set(range(5 % every, 60, every))


class WorkerSettings:
    functions: ClassVar[list[Any]] = [
        # A dead worker's in-progress lock does not block anything: the watchdog resumes a
        # stalled task under a new job id (workers/watchdog.py), so the timeout can be long.
        func(process_task, max_tries=3, timeout=_settings.process_timeout_s),
        # Tracking re-runs itself with Retry(defer) until Druid is done or its deadline
        # passes (Settings.tracking_timeout_s); max_tries only backs that deadline up.
        func(track_task, max_tries=track_tries(_settings), timeout=TRACK_JOB_TIMEOUT_S),
        # Waits (bounded by the hand-off timeout) until Druid stops serving the rows.
        func(rollback_task, max_tries=3, timeout=_settings.druid_handoff_timeout_s + 120),
        # Looks once and re-runs itself (Retry(defer)) while Druid drops and kills the
        # segments; its own deadlines (hand-off, delete_kill_timeout_s) decide, not max_tries.
        func(delete_task, max_tries=tries_within(_delete_budget_s), timeout=TRACK_JOB_TIMEOUT_S),
    ]
    cron_jobs: ClassVar[list[Any]] = [
        # Resume or fail tasks nobody is moving (also right after start-up).
        cron(watch_tasks, second=watchdog_seconds(_settings), run_at_startup=True),
        # Parts of resumable uploads nobody completed are freed (core/resumable.py).
        cron(expire_upload_sessions, minute=17, run_at_startup=True),
        # Multipart uploads an API process left behind when it was killed mid-upload.
        cron(abort_orphan_uploads, minute=17, run_at_startup=True),
        # Druid's deletion of dropped data, one kill task at a time while Druid is idle (the
        # Coordinator's own kills are off: they queued ahead of uploads).
        cron(kill_unused_segments, second=50),  # every minute
        # Raw uploads past retention, a deleted dataset's files past its grace period.
        cron(remove_expired_files, minute=23, run_at_startup=True),
    ]
    on_startup = startup
    on_shutdown = shutdown
    on_job_start = job_started  # log lines of a task's job name the task and its workspace
    redis_settings = RedisSettings.from_dsn(_settings.redis_url)
    queue_name = _settings.queue_name
    max_jobs = 4
    poll_delay = 0.1  # seconds between queue polls: a new upload starts within ~0.1 s
    allow_abort_jobs = True
    health_check_interval = 5
    keep_result = 3600
