"""Housekeeping of uploads that never finished, hourly."""

from __future__ import annotations

import logging
from typing import Any

from core import resumable
from workers.jobs import services

log = logging.getLogger(__name__)


async def expire_upload_sessions(ctx: dict[str, Any]) -> int:
    """Cancel resumable sessions left unfinished for `upload_session_expire_hours` (frees
    their parts)."""
    svc = services(ctx)
    expired = await resumable.expire(
        svc.db, svc.store, hours=svc.settings.upload_session_expire_hours
    )
    if expired:
        log.info("cancelled %d abandoned upload session(s)", expired)
    return expired
