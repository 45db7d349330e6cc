"""Housekeeping of resumable upload sessions (core/resumable.py), hourly."""

from __future__ import annotations

import logging
from typing import Any

from core import resumable
from workers.context import services

log = logging.getLogger(__name__)


async def expire_upload_sessions(ctx: dict[str, Any]) -> int:
    """Cancel sessions left unfinished for `resumable.EXPIRE_AFTER_HOURS`: frees their parts."""
    svc = services(ctx)
    expired = await resumable.expire(svc.db, svc.store)
    if expired:
        log.info("cancelled %d abandoned upload session(s)", expired)
    return expired
