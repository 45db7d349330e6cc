"""On a reconciliation mismatch, name the first differing row of each column.

The files Druid read (staged parts or the upload) and the quarantined row numbers are
fetched again from S3 into the worker's work directory and compared with Druid's values
(core/reconcile_rows.py). This runs only when a task is about to fail, and never decides
the outcome: if it cannot finish, the task still fails with the statistics that differ.
"""

from __future__ import annotations

import dataclasses
import logging
import shutil

import polars as pl

from core.model import Task
from core.quarantine import ROW_COLUMN
from core.reconcile import Reconciliation
from core.reconcile_rows import SentRows, first_differences
from core.services import Services

log = logging.getLogger(__name__)


async def with_first_rows(svc: Services, task: Task, verdict: Reconciliation) -> Reconciliation:
    """`verdict` with the first differing row of each differing column, when found."""
    if not verdict.columns or task.staged is None or task.profile is None:
        return verdict
    work = svc.settings.work_dir / task.id / "mismatch"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    try:
        paths = []
        for number, uri in enumerate(task.staged.uris):
            path = work / f"{number:04d}.csv"
            await svc.store.download(_key(uri), path)
            paths.append(path)
        quarantined: tuple[int, ...] = ()
        if task.quarantine_key is not None:
            path = work / "quarantine.csv"
            await svc.store.download(task.quarantine_key, path)
            rows = pl.read_csv(path, columns=[ROW_COLUMN], infer_schema=False)
            quarantined = tuple(int(r) for r in rows.get_column(ROW_COLUMN))
        sent = SentRows(
            paths=tuple(paths),
            columns=task.staged.columns,
            header_rows=task.staged.header_rows,
            reads_upload=task.staged.reads_upload,
            quarantined=quarantined,
            delimiter=task.staged.delimiter,
        )
        rows_found = await first_differences(
            svc.broker,
            datasource=task.datasource,
            upload_id=task.upload_id,
            profile=task.profile,
            sent=sent,
            columns=verdict.columns,
        )
    except Exception:  # the mismatch stands without its rows; say why in the log only
        log.exception("could not find the first differing rows of task %s", task.id)
        return verdict
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return dataclasses.replace(verdict, rows=tuple(rows_found))


def _key(uri: str) -> str:
    """The object key of an `s3://bucket/key` URI."""
    return uri.removeprefix("s3://").partition("/")[2]
