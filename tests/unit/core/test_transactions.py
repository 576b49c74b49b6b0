"""Reading a failed transaction (chalicelib.core.dynamo.transactions): which condition failed, contention,
anything else; and the bounded retry. No AWS: the errors are built as PynamoDB builds them."""

from __future__ import annotations

import pytest
from pynamodb.exceptions import CancellationReason, TransactWriteError, VerboseClientError

from chalicelib.core.dynamo.transactions import (
    ConditionFailed,
    Contended,
    RetryPolicy,
    Transaction,
    _failure,
    retrying,
)


def cancelled(*codes: str | None) -> TransactWriteError:
    reasons = [CancellationReason(code=c) if c else None for c in codes]
    cause = VerboseClientError({"Error": {"Code": "TransactionCanceledException", "Message": "cancelled"}},
                               "TransactWriteItems", cancellation_reasons=reasons)
    return TransactWriteError("Failed to write transaction items", cause=cause)


def other(code: str) -> TransactWriteError:
    cause = VerboseClientError({"Error": {"Code": code, "Message": "boom"}}, "TransactWriteItems")
    return TransactWriteError("Failed to write transaction items", cause=cause)


def test_labels_follow_pynamodbs_order_checks_deletes_puts_updates() -> None:
    tx = Transaction()
    tx.update(object(), [], label="u1")
    tx.put(object(), label="p1")
    tx.check(object, "k", condition=None, label="c1")
    tx.delete(object(), label="d1")
    tx.update(object(), [], label="u2")
    assert tx.labels() == ["c1", "d1", "p1", "u1", "u2"]


def test_a_failed_condition_names_the_operations_whose_condition_failed() -> None:
    failure = _failure(cancelled(None, "ConditionalCheckFailed", None, "ConditionalCheckFailed"),
                       ["guard", "registration", "outbox", "workshop"])
    assert isinstance(failure, ConditionFailed)
    assert failure.failed == ("registration", "workshop")


def test_contention_alone_is_contended() -> None:
    assert isinstance(_failure(cancelled("TransactionConflict", None), ["a", "b"]), Contended)
    assert isinstance(_failure(cancelled("None", "TransactionConflict"), ["a", "b"]), Contended)


def test_a_failed_condition_wins_over_contention() -> None:
    failure = _failure(cancelled("TransactionConflict", "ConditionalCheckFailed"), ["a", "b"])
    assert isinstance(failure, ConditionFailed) and failure.failed == ("b",)


@pytest.mark.parametrize("error", [
    other("InternalServerError"),  # an outage
    other("ProvisionedThroughputExceededException"),
    other("ValidationException"),  # a bug
    cancelled("ThrottlingError", None),  # cancelled, but not by a condition or contention
    cancelled("ValidationError"),
])
def test_anything_else_is_the_original_error(error: TransactWriteError) -> None:
    assert _failure(error, ["a", "b"]) is error


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += 1.0


class Exhausted(Exception):
    pass


def policy(clock: FakeClock, attempts: int = 100, budget: float = 5.0) -> RetryPolicy:
    return RetryPolicy(max_attempts=attempts, budget_seconds=budget, max_backoff_seconds=0.1, clock=clock,
                       sleep=clock.sleep)


def test_retrying_tries_again_after_a_refusal_and_returns_the_result() -> None:
    clock = FakeClock()
    seen: list[int] = []

    def attempt(n: int) -> str:
        seen.append(n)
        if n < 2:
            raise ConditionFailed(("workshop",)) if n == 0 else Contended()
        return "done"

    retries: list[None] = []
    assert retrying(attempt, policy(clock), Exhausted, on_retry=lambda: retries.append(None)) == "done"
    assert seen == [0, 1, 2] and len(retries) == 2
    assert all(0 <= s <= 0.1 for s in clock.slept)


def test_retrying_stops_at_the_time_budget() -> None:
    clock = FakeClock()
    calls: list[int] = []

    def attempt(n: int) -> None:
        calls.append(n)
        raise Contended()

    with pytest.raises(Exhausted):
        retrying(attempt, policy(clock, budget=3.0), Exhausted)
    assert len(calls) == 4  # at 0, 1, 2 and 3 seconds: the budget is spent after the fourth


def test_retrying_stops_at_the_attempt_bound() -> None:
    clock = FakeClock()
    with pytest.raises(Exhausted):
        retrying(lambda n: (_ for _ in ()).throw(Contended()), policy(clock, attempts=3, budget=1e9), Exhausted)
    assert len(clock.slept) == 2


def test_retrying_lets_other_errors_through_at_once() -> None:
    clock = FakeClock()

    def attempt(n: int) -> None:
        raise other("InternalServerError")

    with pytest.raises(TransactWriteError):
        retrying(attempt, policy(clock), Exhausted)
    assert clock.slept == []
