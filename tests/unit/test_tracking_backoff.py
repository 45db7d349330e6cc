from __future__ import annotations

from workers.tracking import backoff


def test_backoff_starts_fast_and_slows_down_for_long_tasks() -> None:
    delays = [backoff(n) for n in range(1, 200)]
    assert delays[:3] == [0.25, 0.5, 1.0]
    assert delays == sorted(delays)
    assert delays[:59] == [0.25, 0.5] + [1.0] * 57  # the first minute is watched closely
    assert max(delays) == 3.0
