"""Druid maintenance is scheduled one kill at a time, only when it cannot delay an upload."""

from __future__ import annotations

from types import SimpleNamespace

from core.settings import Settings
from workers.maintenance import datasource_to_clean, kill_unused_segments, may_start_maintenance


def test_a_kill_starts_only_when_nothing_waits_and_a_slot_stays_free() -> None:
    assert may_start_maintenance(pending=[], running=[], free_slots=2)
    assert not may_start_maintenance(pending=["index_parallel"], running=[], free_slots=2)
    assert not may_start_maintenance(pending=[], running=["index_parallel"], free_slots=1)
    assert not may_start_maintenance(pending=[], running=["kill"], free_slots=3)
    assert not may_start_maintenance(pending=[], running=[], free_slots=None)


def test_dropped_datasources_are_cleaned_first_then_each_in_turn() -> None:
    assert datasource_to_clean(used=["b", "a"], known=["a", "b", "gone"], turn=5) == "gone"
    assert [datasource_to_clean(used=["b", "a"], known=["a", "b"], turn=t) for t in range(3)] == [
        "a",
        "b",
        "a",
    ]
    assert datasource_to_clean(used=[], known=[], turn=0) is None


async def test_no_kill_task_is_submitted_when_kills_are_off() -> None:
    """The stack `make test` starts turns kills off (Settings.druid_kill_unused): Druid is
    not even asked whether it is idle."""

    class NoDruid:
        def __getattr__(self, name: str) -> object:
            raise AssertionError(f"Druid was asked ({name})")

    svc = SimpleNamespace(settings=Settings(druid_kill_unused=False), druid=NoDruid())
    assert await kill_unused_segments({"services": svc}) == "kill tasks are off (druid_kill_unused)"
