"""The hourly job that removes uploaded files past retention, and a deleted dataset's files
past its grace period (core/retention.py)."""

from __future__ import annotations

from typing import Any

from core.retention import remove_due_files
from workers.jobs import services


async def remove_expired_files(ctx: dict[str, Any]) -> int:
    """arq cron job: returns how many tasks' files were removed."""
    return await remove_due_files(services(ctx))
