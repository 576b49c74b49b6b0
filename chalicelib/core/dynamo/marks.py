"""Mark once and send: the one way a job mails a list of people exactly once each.

For each recipient, one small transaction sets a marker on their record (reminder sent, schedule
version told, feedback requested, ...) under a condition that fails once the marker is set, and queues
their email beside it. Run it twice, or in two overlapping invocations, and each person gets one email.
A failed condition means "already done" and is skipped; contention is retried; any other error (an
outage) propagates, so a job never mistakes a DynamoDB failure for work already done.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from chalicelib.core.dynamo.transactions import (
    ConditionFailed,
    Contended,
    RetryPolicy,
    Transaction,
    Write,
)

MARK_RETRY = RetryPolicy(max_attempts=5, budget_seconds=2.0)


def mark_once_and_send(items: Iterable[tuple[Write, Sequence[Write]]]) -> int:
    """For each ``(marker, emails)``, commit the marker with its emails (one transaction each).

    Returns how many emails went into the outbox (a marker may come with none: set, but nothing sent).
    """
    sent = 0
    for marker, emails in items:
        tx = Transaction()
        tx.include([marker, *emails])
        for attempt in range(MARK_RETRY.max_attempts):
            try:
                tx.commit()
            except ConditionFailed:
                break  # marked already, by an earlier or concurrent run
            except Contended:
                if attempt + 1 == MARK_RETRY.max_attempts:
                    raise
                continue
            sent += len(emails)
            break
    return sent
