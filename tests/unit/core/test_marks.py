"""Mark once and send (chalicelib.core.dynamo.marks), with the transaction's outcome scripted: no AWS."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from chalicelib.core.dynamo import marks
from chalicelib.core.dynamo.transactions import ConditionFailed, Contended, Transaction


class Op:
    def add_to(self, tx: Transaction) -> None:
        pass


@pytest.fixture()
def outcomes(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[Exception | None]]:
    """Each commit takes the next outcome: ``None`` commits, an exception is raised."""
    script: list[Exception | None] = []

    def commit(self: Transaction) -> None:
        outcome = script.pop(0)
        if outcome is not None:
            raise outcome

    monkeypatch.setattr(Transaction, "commit", commit)
    monkeypatch.setattr(marks.time, "sleep", lambda seconds: None)
    yield script
    assert script == []  # every scripted commit happened


def test_each_committed_marker_counts_its_emails(outcomes: list[Exception | None]) -> None:
    outcomes += [None, None, None]
    assert marks.mark_once_and_send([(Op(), [Op()]), (Op(), [Op(), Op()]), (Op(), [])]) == 3


def test_a_marker_set_already_is_skipped(outcomes: list[Exception | None]) -> None:
    outcomes += [ConditionFailed(("registration",)), None]
    assert marks.mark_once_and_send([(Op(), [Op()]), (Op(), [Op()])]) == 1


def test_contention_is_retried_then_committed(outcomes: list[Exception | None]) -> None:
    outcomes += [Contended(), Contended(), None]
    assert marks.mark_once_and_send([(Op(), [Op()])]) == 1


def test_contention_that_does_not_clear_propagates(outcomes: list[Exception | None]) -> None:
    outcomes += [Contended()] * marks.CONTENDED_ATTEMPTS
    with pytest.raises(Contended):
        marks.mark_once_and_send([(Op(), [Op()])])


def test_any_other_error_propagates_at_once(outcomes: list[Exception | None]) -> None:
    outcomes += [RuntimeError("DynamoDB is down")]
    with pytest.raises(RuntimeError):
        marks.mark_once_and_send([(Op(), [Op()]), (Op(), [Op()])])
