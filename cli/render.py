"""How the client shows things: tables, task details, a byte progress bar, live stage lines.

Human output goes to stdout; the progress bar to stderr, and only on a terminal, so a script
reading stdout gets plain lines.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    TextColumn,
    TimeRemainingColumn,
    TransferSpeedColumn,
)
from rich.table import Column, Table

STATUS_STYLE = {"SUCCEEDED": "green", "FAILED": "red", "CANCELLED": "yellow"}


def transfer_progress() -> Progress:
    err = Console(stderr=True)
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        DownloadColumn(),
        TransferSpeedColumn(),
        TimeRemainingColumn(),
        console=err,
        disable=not err.is_terminal,
        transient=True,
    )


def size(value: float | None) -> str:
    if value is None:
        return ""
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if value < 1024 or unit == "TB":
            return f"{value:,.0f} {unit}" if unit == "B" else f"{value:,.1f} {unit}"
        value /= 1024
    return ""


def number(value: float | None) -> str:
    return "" if value is None else f"{value:,.0f}"


def status(value: str) -> str:
    style = STATUS_STYLE.get(value)
    return f"[{style}]{value}[/{style}]" if style else value


def update_printer(console: Console, names: dict[str, str]) -> Callable[[dict[str, Any]], None]:
    """A callback that prints a line whenever a task's stage visibly changes."""
    shown: dict[str, tuple[str, str, int]] = {}

    def on_update(task: dict[str, Any]) -> None:
        step = int(task["progress"] * 10)  # a new line per 10 % within a stage, not per event
        key = (task["status"], task["stage"], step)
        if shown.get(task["id"]) == key:
            return
        shown[task["id"]] = key
        percent = f"{task['progress']:>4.0%}" if task["status"] not in STATUS_STYLE else "    "
        name = escape(names.get(task["id"], task["filename"]))
        console.print(f"{name}  {status(task['status'])}  {percent}  {escape(task['stage'])}")
        if task["status"] == "FAILED" and task.get("error"):
            error = task["error"]
            console.print(f"  [red]{error['code']}[/red]: {escape(error['message'])}")

    return on_update


Item = dict[str, Any]
# A table column: its header and the item's field it shows (a bare name: both the same).
Columns = tuple[str | tuple[str | Column, str], ...]


def _cell(field: str, value: Any) -> str:
    """How a field's value shows in a table: by what the field is; text is escaped."""
    if field == "status":
        return status(value)
    if field == "sizeBytes":
        return size(value)
    if field.endswith(("Count", "Ingested")):
        return number(value)
    if field.endswith(("At", "Min", "Max")):
        return _when(value)
    return escape(value or "")


def _table(columns: Columns, items: Iterable[Item], **options: Any) -> Table:
    named = [(c, c) if isinstance(c, str) else c for c in columns]
    table = Table(*(header for header, _ in named), **options)
    for item in items:
        table.add_row(*(_cell(field, item[field]) for _, field in named))
    return table


TASK_COLUMNS: Columns = (
    "status",
    "datasource",
    ("file", "filename"),
    ("size", "sizeBytes"),
    ("rows in", "rowsIngested"),
    ("updated", "updatedAt"),
    (Column("id", no_wrap=True, min_width=32), "id"),  # whole: the other commands take it
)
PROFILE_COLUMNS: Columns = (
    ("column", "name"),
    "type",
    ("nulls", "nullCount"),
    ("distinct", "distinctCount"),
    "min",
    "max",
)
DATASET_COLUMNS: Columns = (
    ("datasource", "name"),
    ("rows", "rowCount"),
    ("size", "sizeBytes"),
    ("from", "timeMin"),
    ("to", "timeMax"),
    ("last ingested", "lastIngestedAt"),
)


def tasks_table(tasks: list[Item]) -> Table:
    return _table(TASK_COLUMNS, tasks)


_ROW_COUNTS = (
    ("rowsTotal", "in the file"),
    ("rowsIngested", "ingested"),
    ("rowsQuarantined", "quarantined"),
    ("rowsThrownAway", "thrown away by Druid"),
)


def _row_counts(task: dict[str, Any]) -> str:
    """The counts known so far (a count is null until its stage has run)."""
    known = [f"{number(task[key])} {label}" for key, label in _ROW_COUNTS if task[key] is not None]
    return ", ".join(known) or "not counted yet"


def task_details(console: Console, task: dict[str, Any], *, events: bool) -> None:
    console.print(f"[bold]{task['id']}[/bold]  {status(task['status'])}  {escape(task['stage'])}")
    facts = {
        "file": f"{task['filename']} ({size(task['sizeBytes'])})",
        "datasource": f"{task['datasource']} ({task['mode']})",
        "rows": _row_counts(task),
        "druid task": task["druidTaskId"] or "",
        "created": _when(task["createdAt"]),
    }
    for label, value in facts.items():
        console.print(f"  {label:<11} {escape(value)}")
    if task.get("error"):
        error = task["error"]
        retry = " (retryable)" if error["retryable"] else ""
        console.print(f"  [red]{error['code']}[/red]{retry}: {escape(error['message'])}")
    profile = task.get("profile")
    if profile:
        console.print(_table(PROFILE_COLUMNS, profile["columns"], title="profile"))
    if events:
        for event in task.get("events", []):
            console.print(
                f"  {_when(event['at'])}  {event['status']:<10} {escape(event['message'] or '')}"
            )


def datasets_table(datasets: list[Item]) -> Table:
    return _table(DATASET_COLUMNS, datasets)


def top_n_table(result: dict[str, Any]) -> Table:
    table = Table(result["dimension"], result["metric"])
    for key, value in zip(result["keys"], result["values"], strict=True):
        table.add_row(escape("(null)" if key is None else key), _metric(value))
    return table


def _metric(value: float | None) -> str:
    if value is None:
        return ""
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.4g}"


def _when(value: str | None) -> str:
    if not value:
        return ""
    try:
        return datetime.fromisoformat(value).strftime("%Y-%m-%d %H:%M:%S")
    except ValueError:
        return value
