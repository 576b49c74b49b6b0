"""Mark once and send: the one way a job mails a list of people exactly once each.

For each recipient, one small transaction sets a marker on their record (reminder sent, schedule
version told, feedback requested, ...) under a condition that fails once the marker is set, and queues
their email beside it. Run it twice, or in two overlapping invocations, and each person gets one email.
A failed condition means "already done" and is skipped; contention is retried; any other error (an
outage) propagates, so a job never mistakes a DynamoDB failure for work already done.
"""

from __future__ import annotations

import random
import time
from collections.abc import Iterable, Sequence

from chalicelib.core.dynamo.transactions import ConditionFailed, Contended, Transaction, Write

CONTENDED_ATTEMPTS = 5  # a marker is one small item: contention on it is rare and short


def mark_once_and_send(items: Iterable[tuple[Write, Sequence[Write]]]) -> int:
    """For each ``(marker, emails)``, commit the marker with its emails (one transaction each).

    Returns how many emails went into the outbox (a marker may come with none: set, but nothing sent).
    """
    sent = 0
    for marker, emails in items:
        tx = Transaction()
        tx.include([marker, *emails])
        if _commit_unless_marked(tx):
            sent += len(emails)
    return sent


def _commit_unless_marked(tx: Transaction) -> bool:
    """Commit ``tx``; ``False`` when its marker was set already. Contention is retried briefly."""
    for attempt in range(CONTENDED_ATTEMPTS):
        try:
            tx.commit()
            return True
        except ConditionFailed:
            return False  # marked already, by an earlier or concurrent run
        except Contended:
            if attempt + 1 == CONTENDED_ATTEMPTS:
                raise
            time.sleep(random.uniform(0, 0.01 * 2 ** attempt))
    return False
