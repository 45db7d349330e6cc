"""Logging for the API and the workers: readable text in a terminal, JSON lines for machines
(`SLUICE_LOG_FORMAT=json`).

Every line carries the ids of what it is about, taken from context variables: the request id
(API), the task id and the Druid task id (worker), the workspace (API: the caller's; worker: the
task's). An
asyncio task inherits the variables of the code that created it, so setting them at the start
of a request or a job is enough; nothing passes ids around by hand.

No secret reaches a log line: the configured secrets and any `Bearer …` token are replaced by
`***` in the finished line (message and traceback alike), whatever logged them.
"""

from __future__ import annotations

import contextlib
import json
import logging
import re
import sys
from collections.abc import Iterable, Iterator
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from core.settings import Settings

request_id: ContextVar[str | None] = ContextVar("request_id", default=None)
task_id: ContextVar[str | None] = ContextVar("task_id", default=None)
druid_task_id: ContextVar[str | None] = ContextVar("druid_task_id", default=None)
workspace: ContextVar[str | None] = ContextVar("workspace", default=None)

CONTEXT: dict[str, ContextVar[str | None]] = {
    "request_id": request_id,
    "task_id": task_id,
    "druid_task_id": druid_task_id,
    "workspace": workspace,
}

# Libraries that log request bodies or URLs with signatures at DEBUG/INFO: warnings only.
QUIET = ("botocore", "aiobotocore", "boto3", "s3transfer", "httpx", "httpcore", "asyncio")
# Loggers that come with their own handlers (uvicorn's and arq's CLIs): ours take over.
ADOPTED = ("uvicorn", "uvicorn.error", "uvicorn.access", "arq")
_BEARER = re.compile(r"(Bearer\s+)[^\s\"',;]+", re.IGNORECASE)
_MARK = "_sluice_handler"


def bind(
    *,
    task: str | None = None,
    druid_task: str | None = None,
    request: str | None = None,
    space: str | None = None,
) -> None:
    """Set ids for every following line of the current asyncio task (a job, a request).
    Only the ids given are changed."""
    for var, value in (
        (task_id, task),
        (druid_task_id, druid_task),
        (request_id, request),
        (workspace, space),
    ):
        if value is not None:
            var.set(value)


@contextlib.contextmanager
def scope() -> Iterator[None]:
    """Ids bound inside the block are forgotten after it (a job that handles several tasks
    one after the other, such as the watchdog)."""
    saved = {var: var.get() for var in CONTEXT.values()}
    try:
        yield
    finally:
        for var, value in saved.items():
            var.set(value)


def current_ids() -> dict[str, str]:
    return {name: value for name, var in CONTEXT.items() if (value := var.get()) is not None}


class _Redactor:
    def __init__(self, secrets: Iterable[str]) -> None:
        # Short values would blank ordinary words; a real secret is never this short.
        self.secrets = sorted({s for s in secrets if len(s) >= 6}, key=len, reverse=True)

    def __call__(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, "***")
        return _BEARER.sub(r"\1***", text)


class TextFormatter(logging.Formatter):
    """`2026-11-30 08:00:00 INFO workers.pipeline [task=… druid=…] message`."""

    def __init__(self, redact: _Redactor) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s %(ids)s%(message)s")
        self.redact = redact

    def format(self, record: logging.LogRecord) -> str:
        ids = current_ids()
        record.ids = f"[{' '.join(f'{k}={v}' for k, v in ids.items())}] " if ids else ""
        return self.redact(super().format(record))


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, the ids, and `exc` (traceback)."""

    def __init__(self, redact: _Redactor) -> None:
        super().__init__()
        self.redact = redact

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            **current_ids(),
        }
        if record.exc_info:
            line["exc"] = self.formatException(record.exc_info)
        return self.redact(json.dumps(line, ensure_ascii=False, default=str))


def secrets_of(settings: Settings) -> list[str]:
    """The configured values that must never appear in a log line."""
    values = [settings.s3_secret_key]
    if settings.metrics_token is not None:
        values.append(settings.metrics_token.get_secret_value())
    return values


def configure(settings: Settings, *, stream: object = None) -> logging.Handler:
    """Install Sluice's handler on the root logger (replacing a previous one of ours, leaving
    others such as pytest's alone) and route uvicorn's and arq's loggers through it."""
    redact = _Redactor(secrets_of(settings))
    formatter: logging.Formatter = (
        JsonFormatter(redact) if settings.log_format == "json" else TextFormatter(redact)
    )
    handler = logging.StreamHandler(stream or sys.stderr)  # type: ignore[arg-type]
    handler.setFormatter(formatter)
    setattr(handler, _MARK, True)
    root = logging.getLogger()
    for old in [h for h in root.handlers if getattr(h, _MARK, False)]:
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(settings.log_level.upper())
    for name in ADOPTED:
        adopted = logging.getLogger(name)
        if adopted.handlers:  # (a logger switched off, as `--no-access-log` does, stays off)
            adopted.handlers.clear()
            adopted.propagate = True
    for name in QUIET:
        logging.getLogger(name).setLevel(logging.WARNING)
    return handler
