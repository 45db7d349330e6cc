"""The stage shown while Druid runs an ingestion task (workers/tracking.py)."""

from __future__ import annotations

from workers.tracking import running_message


def test_the_stage_follows_the_rows_druid_has_read() -> None:
    assert running_message(0, 30_000, progress=0.0) == "Druid task is starting"
    assert running_message(5_825, 30_000, progress=0.0) == (
        "Druid is ingesting: 5,825 of 30,000 rows read"
    )


def test_after_every_row_is_read_it_never_says_starting_again() -> None:
    # Druid reports no row counts while it writes segments; the task's progress remembers.
    message = running_message(0, 30_000, progress=0.99)
    assert message == "Druid has read the rows and is writing its segments"
