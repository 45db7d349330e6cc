from __future__ import annotations

from itertools import pairwise

import pytest

from core.model import PIPELINE, IllegalTransition, TaskStatus, check_transition

S = TaskStatus


@pytest.mark.parametrize("current,target", list(pairwise(PIPELINE)))
def test_each_step_forward_is_allowed(current: TaskStatus, target: TaskStatus) -> None:
    check_transition(current, target)


@pytest.mark.parametrize("current", [s for s in S if not s.is_terminal])
@pytest.mark.parametrize("target", [S.FAILED, S.CANCELLED])
def test_any_unfinished_task_can_fail_or_be_cancelled(
    current: TaskStatus, target: TaskStatus
) -> None:
    check_transition(current, target)


@pytest.mark.parametrize("current", [s for s in S if not s.is_terminal])
def test_progress_updates_keep_the_state(current: TaskStatus) -> None:
    check_transition(current, current)


@pytest.mark.parametrize(
    "current,target",
    [
        (S.INGESTING, S.VALIDATING),
        (S.STAGING, S.QUEUED),
        (S.SUCCEEDED, S.FAILED),
        (S.SUCCEEDED, S.QUEUED),
        (S.FAILED, S.INGESTING),
        (S.CANCELLED, S.SUCCEEDED),
        (S.FAILED, S.FAILED),
    ],
)
def test_backwards_and_out_of_terminal_states_are_refused(
    current: TaskStatus, target: TaskStatus
) -> None:
    with pytest.raises(IllegalTransition) as info:
        check_transition(current, target)
    assert info.value.current == current and info.value.target == target


@pytest.mark.parametrize("current", [S.FAILED, S.CANCELLED])
def test_failed_or_cancelled_tasks_can_be_requeued(current: TaskStatus) -> None:
    check_transition(current, S.QUEUED)


def test_terminal_states() -> None:
    assert {s for s in S if s.is_terminal} == {S.SUCCEEDED, S.FAILED, S.CANCELLED}
