"""The task store: uploads, tasks and their append-only events in PostgreSQL.

Every state change is one transaction that updates `tasks` and appends to `task_events`,
followed (after commit) by a pub/sub message. That order means a subscriber that reads
PostgreSQL after subscribing can never miss a change.
"""

from __future__ import annotations

import base64
import dataclasses
from collections.abc import Sequence
from datetime import datetime
from typing import Any, TypeAlias

import asyncpg
from redis.asyncio import Redis

from core.events import publish_task_changed
from core.model import (
    ColumnProfile,
    ColumnType,
    IngestOptions,
    Profile,
    StagedData,
    Task,
    TaskError,
    TaskStatus,
    TimestampInfo,
    WriteMode,
    check_transition,
)

Pool: TypeAlias = asyncpg.Pool | asyncpg.Connection


class TaskNotFound(Exception):
    def __init__(self, task_id: str) -> None:
        self.task_id = task_id
        super().__init__(f"no task with id {task_id!r}")


@dataclasses.dataclass(frozen=True, slots=True)
class TaskEvent:
    id: int
    task_id: str
    status: TaskStatus
    progress: float
    message: str | None
    at: datetime


# --- (de)serialisation of JSON columns -----------------------------------------------------


def options_to_json(options: IngestOptions) -> dict[str, Any]:
    return dataclasses.asdict(options)


def options_from_json(data: dict[str, Any] | None) -> IngestOptions:
    data = dict(data or {})
    data["mode"] = WriteMode(data.get("mode", WriteMode.APPEND))
    return IngestOptions(**data)


def profile_to_json(profile: Profile) -> dict[str, Any]:
    return dataclasses.asdict(profile)


def profile_from_json(data: dict[str, Any] | None) -> Profile | None:
    if not data:
        return None
    columns = tuple(
        ColumnProfile(
            **{
                **col,
                "type": ColumnType(col["type"]),
                "histogram": tuple(tuple(b) for b in col.get("histogram", ())),
                "null_tokens": tuple(col.get("null_tokens", ())),
            }
        )
        for col in data["columns"]
    )
    return Profile(
        **{
            **data,
            "columns": columns,
            "timestamp": TimestampInfo(**data["timestamp"]),
            "warnings": tuple(data.get("warnings", ())),
        }
    )


def staged_from_json(data: dict[str, Any] | None) -> StagedData | None:
    if not data:
        return None
    return StagedData(
        uris=tuple(data["uris"]),
        format=data["format"],
        columns=tuple(data["columns"]),
        rows=data["rows"],
        header_rows=data.get("header_rows", 1),
        reads_upload=data.get("reads_upload", False),
    )


def _task_from_row(row: asyncpg.Record) -> Task:
    error = None
    if row["error_code"]:
        error = TaskError(
            code=row["error_code"],
            message=row["error_message"],
            retryable=bool(row["error_retryable"]),
            stage=TaskStatus(row["error_stage"]) if row["error_stage"] else None,
        )
    return Task(
        id=row["id"],
        upload_id=row["upload_id"],
        datasource=row["datasource"],
        filename=row["filename"],
        size_bytes=row["size_bytes"],
        status=TaskStatus(row["status"]),
        options=options_from_json(row["options"]),
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        progress=row["progress"],
        rows_total=row["rows_total"],
        rows_ingested=row["rows_ingested"],
        rows_quarantined=row["rows_quarantined"],
        rows_thrown_away=row["rows_thrown_away"],
        rows_processed_with_error=row["rows_processed_with_error"],
        rows_unparseable=row["rows_unparseable"],
        druid_task_id=row["druid_task_id"],
        error=error,
        profile=profile_from_json(row["profile"]),
        staged=staged_from_json(row["staged"]),
        quarantine_key=row["quarantine_key"],
        attempt=row["attempt"],
        raw_key=row["raw_key"],
        last_message=row["last_message"],
    )


_SELECT = """
SELECT t.*, u.filename, u.size_bytes, u.raw_key,
       (SELECT e.message FROM task_events e WHERE e.task_id = t.id
        ORDER BY e.id DESC LIMIT 1) AS last_message
FROM tasks t JOIN uploads u ON u.id = t.upload_id
"""


# --- reads ---------------------------------------------------------------------------------


async def get_task(db: Pool, task_id: str) -> Task | None:
    row = await db.fetchrow(_SELECT + "WHERE t.id = $1", task_id)
    return _task_from_row(row) if row else None


async def get_tasks(db: Pool, task_ids: Sequence[str]) -> list[Task | None]:
    """Tasks in the order of `task_ids` (None where missing): the DataLoader batch function."""
    rows = await db.fetch(_SELECT + "WHERE t.id = ANY($1::text[])", list(task_ids))
    by_id = {row["id"]: _task_from_row(row) for row in rows}
    return [by_id.get(task_id) for task_id in task_ids]


def _encode_cursor(task: Task) -> str:
    raw = f"{task.created_at.isoformat()}|{task.id}"
    return base64.urlsafe_b64encode(raw.encode()).decode()


def _decode_cursor(cursor: str) -> tuple[datetime, str]:
    try:
        created, task_id = base64.urlsafe_b64decode(cursor.encode()).decode().split("|", 1)
        return datetime.fromisoformat(created), task_id
    except (ValueError, UnicodeDecodeError) as exc:
        raise ValueError(
            "The pagination cursor is not valid. Start again without `after`."
        ) from exc


async def list_tasks(
    db: Pool,
    *,
    statuses: Sequence[TaskStatus] = (),
    datasource: str | None = None,
    first: int = 50,
    after: str | None = None,
) -> tuple[list[Task], str | None]:
    """Newest first, keyset-paginated. Returns the page and the cursor of the next page."""
    where: list[str] = ["TRUE"]
    args: list[Any] = []
    if statuses:
        args.append([s.value for s in statuses])
        where.append(f"t.status = ANY(${len(args)}::text[])")
    if datasource:
        args.append(datasource)
        where.append(f"t.datasource = ${len(args)}")
    if after:
        created, task_id = _decode_cursor(after)
        args += [created, task_id]
        where.append(f"(t.created_at, t.id) < (${len(args) - 1}, ${len(args)})")
    args.append(first + 1)
    rows = await db.fetch(
        _SELECT + f"WHERE {' AND '.join(where)} ORDER BY t.created_at DESC, t.id DESC "
        f"LIMIT ${len(args)}",
        *args,
    )
    tasks = [_task_from_row(row) for row in rows[:first]]
    next_cursor = _encode_cursor(tasks[-1]) if len(rows) > first and tasks else None
    return tasks, next_cursor


async def list_events(db: Pool, task_id: str) -> list[TaskEvent]:
    rows = await db.fetch("SELECT * FROM task_events WHERE task_id = $1 ORDER BY id", task_id)
    return [
        TaskEvent(
            id=r["id"],
            task_id=r["task_id"],
            status=TaskStatus(r["status"]),
            progress=r["progress"],
            message=r["message"],
            at=r["created_at"],
        )
        for r in rows
    ]


async def unfinished_tasks(db: Pool) -> list[tuple[str, int, TaskStatus]]:
    """(task id, attempt, status) of every task not yet in a terminal state, oldest first."""
    rows = await db.fetch(
        "SELECT id, attempt, status FROM tasks WHERE status <> ALL($1::text[]) ORDER BY created_at",
        [TaskStatus.SUCCEEDED.value, TaskStatus.FAILED.value, TaskStatus.CANCELLED.value],
    )
    return [(r["id"], r["attempt"], TaskStatus(r["status"])) for r in rows]


# --- writes --------------------------------------------------------------------------------


async def create_upload_and_task(
    pool: asyncpg.Pool,
    redis: Redis,
    *,
    upload_id: str,
    task_id: str,
    filename: str,
    content_type: str | None,
    size_bytes: int,
    sha256: str | None,  # None: the bytes went straight to S3 (core/resumable.py)
    raw_key: str,
    datasource: str,
    options: IngestOptions,
) -> Task:
    """Record an upload and its QUEUED task in one transaction, then announce it."""
    async with pool.acquire() as conn, conn.transaction():
        await conn.execute(
            "INSERT INTO uploads (id, filename, content_type, size_bytes, sha256, raw_key)"
            " VALUES ($1, $2, $3, $4, $5, $6)",
            upload_id,
            filename,
            content_type,
            size_bytes,
            sha256,
            raw_key,
        )
        await conn.execute(
            "INSERT INTO tasks (id, upload_id, datasource, status, options)"
            " VALUES ($1, $2, $3, $4, $5)",
            task_id,
            upload_id,
            datasource,
            TaskStatus.QUEUED.value,
            options_to_json(options),
        )
        event_id = await conn.fetchval(
            "INSERT INTO task_events (task_id, status, message) VALUES ($1, $2, $3) RETURNING id",
            task_id,
            TaskStatus.QUEUED.value,
            "Upload received; waiting for a worker",
        )
        task = await get_task(conn, task_id)
    assert task is not None
    await publish_task_changed(redis, task_id=task_id, status=task.status, event_id=event_id)
    return task


_UPDATABLE = {
    "rows_total",
    "rows_ingested",
    "rows_quarantined",
    "rows_thrown_away",
    "rows_processed_with_error",
    "rows_unparseable",
    "druid_task_id",
    "profile",
    "staged",
    "quarantine_key",
    "attempt",
}


async def transition(
    pool: asyncpg.Pool,
    redis: Redis,
    task_id: str,
    status: TaskStatus,
    *,
    progress: float | None = None,
    message: str | None = None,
    error: TaskError | None = None,
    detail: dict[str, Any] | None = None,
    **fields: Any,
) -> Task:
    """Move a task to `status` (or record progress when the status is unchanged).

    One transaction updates the task row and appends the event; the pub/sub message follows
    the commit. Raises `IllegalTransition` for a move the state machine forbids (for example
    a worker finishing a step of a task that was cancelled meanwhile) and `TaskNotFound`.
    """
    unknown = set(fields) - _UPDATABLE
    if unknown:
        raise TypeError(f"not updatable: {sorted(unknown)}")
    if "profile" in fields and isinstance(fields["profile"], Profile):
        fields["profile"] = profile_to_json(fields["profile"])
    if "staged" in fields and isinstance(fields["staged"], StagedData):
        fields["staged"] = dataclasses.asdict(fields["staged"])
    async with pool.acquire() as conn, conn.transaction():
        current = await conn.fetchval("SELECT status FROM tasks WHERE id = $1 FOR UPDATE", task_id)
        if current is None:
            raise TaskNotFound(task_id)
        check_transition(TaskStatus(current), status)
        if progress is None:
            progress = 1.0 if status == TaskStatus.SUCCEEDED else 0.0
        sets = ["status = $2", "progress = $3", "updated_at = now()"]
        args: list[Any] = [task_id, status.value, progress]
        if error is not None or status == TaskStatus.QUEUED:
            args += [
                error and error.code,
                error and error.message,
                error and error.retryable,
                error and error.stage and error.stage.value,
            ]
            sets += [
                f"error_code = ${len(args) - 3}",
                f"error_message = ${len(args) - 2}",
                f"error_retryable = ${len(args) - 1}",
                f"error_stage = ${len(args)}",
            ]
        for name, value in fields.items():
            args.append(value)
            sets.append(f"{name} = ${len(args)}")
        await conn.execute(f"UPDATE tasks SET {', '.join(sets)} WHERE id = $1", *args)
        event_id = await conn.fetchval(
            "INSERT INTO task_events (task_id, status, progress, message, detail)"
            " VALUES ($1, $2, $3, $4, $5) RETURNING id",
            task_id,
            status.value,
            progress,
            message or (error and error.message),
            detail,
        )
        task = await get_task(conn, task_id)
    assert task is not None
    await publish_task_changed(redis, task_id=task_id, status=status, event_id=event_id)
    return task


async def in_status_since(db: Pool, task_id: str, status: TaskStatus) -> datetime | None:
    """When the task entered `status` this time (progress events in the same status don't
    count), or None when it is not in that status."""
    at: datetime | None = await db.fetchval(
        """
        SELECT min(created_at) FROM task_events
        WHERE task_id = $1 AND status = $2 AND id > (
            SELECT coalesce(max(id), 0) FROM task_events WHERE task_id = $1 AND status <> $2
        )
        """,
        task_id,
        status.value,
    )
    return at


async def fail(
    pool: asyncpg.Pool,
    redis: Redis,
    task_id: str,
    *,
    stage: TaskStatus,
    code: str,
    message: str,
    retryable: bool,
    detail: dict[str, Any] | None = None,
    **fields: Any,
) -> Task:
    """Move a task to FAILED with the reason a person will read (`message`: what happened,
    why, what to do) and the stage it failed in."""
    error = TaskError(code=code, message=message, retryable=retryable, stage=stage)
    return await transition(
        pool, redis, task_id, TaskStatus.FAILED, error=error, detail=detail, **fields
    )
