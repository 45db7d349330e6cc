"""The rate limiter's warning when Redis does not answer is written sparsely in a burst."""

from __future__ import annotations

from core.auth.ratelimit import Sparse


def test_first_is_logged_then_at_most_one_per_period_with_the_count_held_back() -> None:
    now = [100.0]
    sparse = Sparse(every_s=10.0, clock=lambda: now[0])

    assert sparse.due() == 0  # the first one: nothing held back
    assert [sparse.due() for _ in range(3)] == [None, None, None]
    now[0] += 9.9
    assert sparse.due() is None
    now[0] += 0.1
    assert sparse.due() == 4  # ten seconds on: the four in between are counted
    assert sparse.due() is None
    now[0] += 60
    assert sparse.due() == 1
