"""One way to change several items atomically: build, run, say which condition failed, retry contention.

A use case's store builds a :class:`Transaction` from labelled operations, some of them contributed by
other capabilities as :class:`Write` objects (an email for the outbox, say), and commits it. A
cancelled transaction is read from DynamoDB's ``CancellationReasons``:

* a condition did not hold: :class:`ConditionFailed`, naming the labels of the operations whose
  condition failed. That is the only failure that means "not allowed now" or "already done";
* DynamoDB cancelled it because another transaction was writing the same items:
  :class:`Contended`, which :func:`retrying` retries with jittered backoff inside a bounded budget;
* anything else (throttling, an outage, a validation error) propagates unchanged.

PynamoDB sends a transaction's operations grouped as condition checks, deletes, puts, then updates,
and DynamoDB answers with one reason per operation in that order; labels are kept in the same order.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar

from pynamodb.exceptions import TransactWriteError
from pynamodb.transactions import TransactWrite

from chalicelib.core.dynamo.model import connection

T = TypeVar("T")
CONDITION_FAILED = "ConditionalCheckFailed"
CONFLICT = "TransactionConflict"
_KINDS = ("check", "delete", "put", "update")  # PynamoDB's order of operations in the request


class ConditionFailed(Exception):
    """A condition of the transaction did not hold; ``failed`` names the operations (their labels)."""

    def __init__(self, failed: tuple[str, ...]) -> None:
        super().__init__(", ".join(failed))
        self.failed = failed


class Contended(Exception):
    """DynamoDB cancelled the transaction because another one was changing the same items: try again."""


class Write(Protocol):
    """An operation that a store (of any capability) contributes to someone else's transaction."""

    def add_to(self, tx: Transaction) -> None:
        """Add this operation to ``tx``."""


@dataclass
class Transaction:
    """Labelled operations to be written together, or not at all (at most 100)."""

    _ops: dict[str, list[tuple[str, Callable[[TransactWrite], None]]]] = field(
        default_factory=lambda: {kind: [] for kind in _KINDS})

    def check(self, model: Any, hash_key: Any, range_key: Any = None, *, condition: Any, label: str) -> None:
        """Require ``condition`` of an item without changing it."""
        self._ops["check"].append((label, lambda tw: tw.condition_check(model, hash_key, range_key=range_key,
                                                                        condition=condition)))

    def put(self, record: Any, *, condition: Any = None, label: str) -> None:
        """Write a whole item."""
        self._ops["put"].append((label, lambda tw: tw.save(record, condition=condition)))

    def update(self, record: Any, actions: list[Any], *, condition: Any = None, label: str) -> None:
        """Change attributes of an item."""
        self._ops["update"].append((label, lambda tw: tw.update(record, actions=actions, condition=condition)))

    def delete(self, record: Any, *, condition: Any = None, label: str) -> None:
        """Remove an item."""
        self._ops["delete"].append((label, lambda tw: tw.delete(record, condition=condition)))

    def include(self, writes: Iterable[Write]) -> None:
        """Add operations contributed by other stores (an email to queue, for example)."""
        for write in writes:
            write.add_to(self)

    def labels(self) -> list[str]:
        """The operations' labels in the order DynamoDB reports their cancellation reasons."""
        return [label for kind in _KINDS for label, _ in self._ops[kind]]

    def commit(self) -> None:
        """Run the transaction (one TransactWriteItems); see the module docstring for its failures."""
        try:
            with TransactWrite(connection=connection()) as tw:
                for kind in _KINDS:
                    for _, add in self._ops[kind]:
                        add(tw)
        except TransactWriteError as exc:
            failure = _failure(exc, self.labels())
            if failure is exc:
                raise  # an outage or a bug: keep the whole chain for the log
            raise failure from None


def _failure(exc: TransactWriteError, labels: list[str]) -> Exception:
    """What a failed TransactWriteItems means (the original error when it is not a cancellation we know)."""
    if exc.cause_response_code != "TransactionCanceledException":
        return exc
    reasons = [reason.code if reason is not None else None for reason in exc.cancellation_reasons]
    failed = tuple(label for label, code in zip(labels, reasons, strict=False) if code == CONDITION_FAILED)
    if failed:
        return ConditionFailed(failed)
    given = [code for code in reasons if code not in (None, "None")]
    if given and all(code == CONFLICT for code in given):
        return Contended()
    return exc


@dataclass(frozen=True)
class RetryPolicy:
    """How long a use case keeps trying when its transaction keeps being refused by concurrent changes."""

    max_attempts: int = 400
    budget_seconds: float = 15.0  # inside a function's timeout and API Gateway's 29 s
    max_backoff_seconds: float = 0.1
    clock: Callable[[], float] = time.monotonic
    sleep: Callable[[float], None] = time.sleep


def retrying(attempt: Callable[[int], T], policy: RetryPolicy, exhausted: Callable[[], Exception],
             on_retry: Callable[[], None] | None = None) -> T:
    """Run ``attempt(n)`` until it returns. It is tried again (after a jittered backoff) when it raises
    :class:`ConditionFailed` (the state it decided from changed: read and decide again) or
    :class:`Contended`; past the budget, ``exhausted()`` is raised. Any other error propagates."""
    deadline = policy.clock() + policy.budget_seconds
    for n in range(policy.max_attempts):
        try:
            return attempt(n)
        except (ConditionFailed, Contended):
            pass
        if on_retry is not None:
            on_retry()
        if policy.clock() >= deadline or n + 1 == policy.max_attempts:
            break
        policy.sleep(random.uniform(0, min(policy.max_backoff_seconds, 0.005 * (2 ** min(n, 5)))))
    raise exhausted()


@dataclass(frozen=True)
class Update:
    """A :class:`Write` that changes attributes of one item (a marker, a counter, a status)."""

    record: Any
    actions: list[Any]
    condition: Any
    label: str

    def add_to(self, tx: Transaction) -> None:
        """Add this update to ``tx``."""
        tx.update(self.record, self.actions, condition=self.condition, label=self.label)


@dataclass(frozen=True)
class Put:
    """A :class:`Write` that writes one whole item (a queued email, a new record)."""

    record: Any
    condition: Any
    label: str

    def add_to(self, tx: Transaction) -> None:
        """Add this put to ``tx``."""
        tx.put(self.record, condition=self.condition, label=self.label)


@dataclass(frozen=True)
class Check:
    """A :class:`Write` that only requires a condition of one item (that a referenced record exists)."""

    model: Any
    hash_key: Any
    condition: Any
    label: str
    range_key: Any = None

    def add_to(self, tx: Transaction) -> None:
        """Add this check to ``tx``."""
        tx.check(self.model, self.hash_key, self.range_key, condition=self.condition, label=self.label)
