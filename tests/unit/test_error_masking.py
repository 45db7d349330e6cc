"""Unexpected failures reach clients as a plain sentence, never as internal exception text."""

from __future__ import annotations

from graphql import GraphQLError

from schema import UNEXPECTED_ERROR, _is_unexpected


def _error(original: Exception | None) -> GraphQLError:
    return GraphQLError("boom", original_error=original)


def test_bugs_and_infrastructure_faults_are_masked() -> None:
    assert _is_unexpected(_error(AttributeError("'Services' object has no attribute 'x'")))
    assert _is_unexpected(_error(ConnectionRefusedError("127.0.0.1:5433")))
    assert "unexpected error" in UNEXPECTED_ERROR


def test_actionable_errors_keep_their_words() -> None:
    assert not _is_unexpected(_error(None))  # validation: depth, aliases, unknown field
    assert not _is_unexpected(_error(ValueError("There is no task 42. Check the id.")))
