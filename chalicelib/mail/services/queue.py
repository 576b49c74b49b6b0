"""What the other capabilities use of mail: the message types, and queueing in their own transactions.

A use case builds ``OutgoingEmail`` values (with an ``Invitation`` when a calendar file goes with
them) and passes :func:`queued` writes to its store, which adds them to the transaction that makes
the change: a message exists if and only if the change does, and the outbox sends it later.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from chalicelib.core.dynamo.transactions import Write
from chalicelib.mail.adapters.calendar import CalendarSession, Invitation
from chalicelib.mail.domain import MailKind, OutgoingEmail
from chalicelib.mail.store import outbox

__all__ = ["CalendarSession", "Invitation", "MailKind", "OutgoingEmail", "queued"]


def queued(messages: Iterable[OutgoingEmail], now: datetime) -> list[Write]:
    """The outbox writes for ``messages``, to go into the caller's transaction."""
    return [outbox.queued(message, now) for message in messages]
