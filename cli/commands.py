"""The `sluice` commands. Exit codes: 0 success; 1 a file was rejected or a task did not
succeed; 2 the request could not be made (server unreachable, refused, bad arguments)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape

from cli import config as client_config
from cli import operations as ops
from cli import render
from cli.client import SluiceClient, SluiceError
from cli.follow import follow
from cli.transfer import RESUMABLE_ABOVE, Outcome, send_file

app = typer.Typer(
    help="Load files into Apache Druid through Sluice, and look at what is there.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
query_app = typer.Typer(help="Ask a datasource a question (the dashboard queries).")
app.add_typer(query_app, name="query")
console = Console(highlight=False, soft_wrap=True)  # lines a script can read whole

URL = Annotated[
    str | None,
    typer.Option(
        "--url",
        help="Sluice's address (default: SLUICE_URL, the config file, or http://localhost:8000).",
        show_default=False,
    ),
]
AS_JSON = Annotated[bool, typer.Option("--json", help="Print the answer as JSON.")]


@app.callback()
def main(ctx: typer.Context, url: URL = None) -> None:
    """The token comes from SLUICE_TOKEN or `token = "…"` in ~/.config/sluice/config.toml."""
    ctx.obj = url


def _run(ctx: typer.Context, work: Callable[[SluiceClient], Awaitable[int]]) -> None:
    """Run `work` with a client, turning expected failures into a message and exit code 2."""

    async def main() -> int:
        async with SluiceClient(client_config.load(ctx.obj)) as client:
            return await work(client)

    try:
        code = asyncio.run(main())
    except (SluiceError, client_config.ConfigError) as exc:
        Console(stderr=True, highlight=False).print(f"[red]Error:[/red] {escape(str(exc))}")
        code = 2
    except KeyboardInterrupt:
        Console(stderr=True).print(
            "Interrupted. Run the same command again: a large file's upload resumes where it "
            "stopped."
        )
        code = 130
    raise typer.Exit(code)


@app.command()
def upload(
    ctx: typer.Context,
    files: Annotated[
        list[Path], typer.Argument(exists=True, dir_okay=False, readable=True, show_default=False)
    ],
    datasource: Annotated[str, typer.Option("--datasource", "-d", help="Where the rows go.")],
    replace: Annotated[
        bool, typer.Option("--replace", help="Overwrite the time range each file covers.")
    ] = False,
    follow_tasks: Annotated[
        bool, typer.Option("--follow", "-f", help="Follow each task live until it finishes.")
    ] = False,
    timestamp_column: Annotated[
        str | None, typer.Option(help="Use this column as time instead of the detected one.")
    ] = None,
    column_types: Annotated[
        list[str] | None,
        typer.Option(
            "--type",
            help="COLUMN=LONG, DOUBLE or STRING: that column's type instead of the inferred "
            "one (numbers may then round or lose leading zeros). Repeat for more columns.",
            show_default=False,
        ),
    ] = None,
    resumable_above: Annotated[
        int, typer.Option(help="Files of this many bytes and more go as resumable sessions.")
    ] = RESUMABLE_ABOVE,
    fixes: Annotated[
        str | None,
        typer.Option(
            "--fixes",
            metavar="TASK_ID",
            help="The file fixes this task's quarantined rows (same datasource): links them.",
        ),
    ] = None,
    allow_type_change: Annotated[
        bool,
        typer.Option(
            "--allow-type-change",
            help="Ingest even when a column's type change would lose values (SCHEMA_CONFLICT).",
        ),
    ] = False,
) -> None:
    """Upload FILE(s) into a datasource.

    With --follow, exit code 0 only if every task SUCCEEDED. A large file whose upload was
    interrupted resumes when the same command is run again."""
    options: dict[str, Any] = {
        "mode": "REPLACE" if replace else "APPEND",
        "timestampColumn": timestamp_column,
        "fixesTask": fixes,
        "allowTypeChange": allow_type_change,
    }
    if column_types:
        options["columnTypes"] = [_column_type(text) for text in column_types]

    async def work(client: SluiceClient) -> int:
        outcomes = await _send_all(client, files, datasource, options, resumable_above)
        tasks = [o.task for o in outcomes if o.task is not None]
        rejected = len(outcomes) - len(tasks)
        if not follow_tasks:
            return 1 if rejected else 0
        names = {task["id"]: task["filename"] for task in tasks}
        final = await follow(client, tasks, render.update_printer(console, names))
        succeeded = sum(task["status"] == "SUCCEEDED" for task in final.values())
        console.print(f"{succeeded} of {len(outcomes)} file(s) landed in '{escape(datasource)}'.")
        return 0 if succeeded == len(outcomes) else 1

    _run(ctx, work)


def _column_type(text: str) -> dict[str, str]:
    """`zip=LONG` as a ColumnTypeInput; the server checks the column and the type."""
    column, equals, kind = text.rpartition("=")
    if not equals or not column or not kind:
        raise typer.BadParameter(
            f"'{text}' is not COLUMN=TYPE, e.g. --type zip=STRING", param_hint="--type"
        )
    return {"column": column, "type": kind.strip().upper()}


async def _send_all(
    client: SluiceClient,
    files: list[Path],
    datasource: str,
    options: dict[str, Any],
    resumable_above: int,
) -> list[Outcome]:
    outcomes = []
    with render.transfer_progress() as progress:
        for path in files:
            bar = progress.add_task(path.name, total=path.stat().st_size)
            outcome = await send_file(
                client,
                path,
                datasource=datasource,
                options=options,
                on_bytes=lambda n, bar=bar: progress.advance(bar, n),  # type: ignore[misc]
                resumable_above=resumable_above,
            )
            _report(outcome)
            outcomes.append(outcome)
    return outcomes


def _report(outcome: Outcome) -> None:
    name = escape(outcome.path.name)
    if outcome.parts_kept:
        console.print(
            f"{name}: resumed; {outcome.parts_kept} part(s) were already uploaded, sent "
            f"{len(outcome.parts_sent)}"
        )
    if outcome.task is not None:
        console.print(f"{name}: task {outcome.task['id']} {outcome.task['status']}")
    elif outcome.rejected is not None:
        rejected = outcome.rejected
        console.print(
            f"{name}: [red]rejected[/red] {rejected['code']}: {escape(rejected['message'])}"
        )


@app.command()
def tasks(
    ctx: typer.Context,
    status: Annotated[
        list[str] | None, typer.Option(help="Only tasks in this status (repeatable).")
    ] = None,
    datasource: Annotated[str | None, typer.Option(help="Only tasks into this datasource.")] = None,
    limit: Annotated[int, typer.Option(help="How many, newest first.")] = 20,
    as_json: AS_JSON = False,
) -> None:
    """List ingestion tasks, newest first."""

    async def work(client: SluiceClient) -> int:
        statuses = [s.upper() for s in status] if status else None
        data = await client.execute(ops.TASKS, status=statuses, datasource=datasource, first=limit)
        page = data["tasks"]
        if page["__typename"] != "TaskPage":
            raise SluiceError(f"{page['code']}: {page['message']}")
        items = page["items"]
        _show(items, as_json, lambda: console.print(render.tasks_table(items)))
        return 0

    _run(ctx, work)


@app.command()
def task(
    ctx: typer.Context,
    task_id: Annotated[str, typer.Argument(metavar="ID")],
    events: Annotated[bool, typer.Option(help="Also list every step.")] = False,
    as_json: AS_JSON = False,
) -> None:
    """Show one task: status, rows, error, validation report."""

    async def work(client: SluiceClient) -> int:
        found = (await client.execute(ops.TASK, id=task_id))["task"]
        if found is None:
            Console(stderr=True).print(f"There is no task {escape(task_id)}. Check the id.")
            return 1
        _show(found, as_json, lambda: render.task_details(console, found, events=events))
        return 0

    _run(ctx, work)


@app.command()
def datasets(ctx: typer.Context, as_json: AS_JSON = False) -> None:
    """List the queryable datasources."""

    async def work(client: SluiceClient) -> int:
        items = (await client.execute(ops.DATASETS))["datasources"]
        _show(items, as_json, lambda: console.print(render.datasets_table(items)))
        return 0

    _run(ctx, work)


@query_app.command("topN")
def top_n(
    ctx: typer.Context,
    datasource: Annotated[str, typer.Argument()],
    dimension: Annotated[str, typer.Argument()],
    metric: Annotated[
        str,
        typer.Option(
            help="count, or AGGREGATE:COLUMN with sum, avg, min, max, count, approx_distinct."
        ),
    ] = "count",
    limit: Annotated[int, typer.Option(help="How many values.")] = 10,
    interval: Annotated[
        str | None, typer.Option(help="e.g. 'last 7 days', or START/END in ISO-8601.")
    ] = None,
    as_json: AS_JSON = False,
) -> None:
    """The LIMIT values of DIMENSION with the largest METRIC."""

    async def work(client: SluiceClient) -> int:
        result = (
            await client.execute(
                ops.TOP_N,
                datasource=datasource,
                dimension=dimension,
                metric=_metric(metric),
                limit=limit,
                interval=_interval(interval),
            )
        )["topN"]
        if result["__typename"] != "TopN":
            Console(stderr=True).print(
                f"[red]{result['__typename']}[/red]: {escape(result['message'])}"
            )
            return 1
        _show(result, as_json, lambda: console.print(render.top_n_table(result)))
        return 0

    _run(ctx, work)


def _metric(text: str) -> dict[str, Any]:
    aggregate, _, column = text.partition(":")
    return {"aggregate": aggregate.strip().upper(), "column": column.strip() or None}


def _interval(text: str | None) -> dict[str, Any] | None:
    if text is None:
        return None
    start, slash, end = text.partition("/")
    if slash:
        return {"start": start or None, "end": end or None}
    return {"relative": text}


def _show(data: Any, as_json: bool, pretty: Callable[[], None]) -> None:
    if as_json:
        print(json.dumps(data, indent=2))
    else:
        pretty()
