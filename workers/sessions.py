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
    expired = await resumable.expire(svc)
    if expired:
        log.info("cancelled %d abandoned upload session(s)", expired)
    return expired


async def abort_orphan_uploads(ctx: dict[str, Any]) -> int:
    """Abort S3 multipart uploads no session owns (an API killed mid-upload): frees parts."""
    aborted = await resumable.abort_orphans(services(ctx))
    if aborted:
        log.info("aborted %d orphaned multipart upload(s)", aborted)
    return aborted
