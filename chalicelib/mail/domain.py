"""Rules of the email outbox: message states, retry schedule, and how SES errors are classified.

A message moves ``pending -> sending -> sent``, or ends ``failed`` or
``suppressed``. ``sending`` is a lease: a sender that dies mid-send leaves the
message to be claimed again once the lease runs out. Delivery events from SES
(delivered, bounced...) are recorded beside the send status, not instead of it.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime
from enum import Enum


class SendStatus(str, Enum):
    """Where a message is in sending."""

    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    SUPPRESSED = "suppressed"


class DeliveryStatus(str, Enum):
    """What SES reported after sending (configuration set event destination)."""

    DELIVERED = "delivered"
    BOUNCED_PERMANENT = "bounced_permanent"
    BOUNCED_TRANSIENT = "bounced_transient"
    COMPLAINED = "complained"
    REJECTED = "rejected"
    DELAYED = "delayed"


class MailKind(str, Enum):
    """Service mail (about one's own business, e.g. a registration) cannot be unsubscribed from;
    optional mail (a subscription, e.g. practice note distribution) carries one-click unsubscribe."""

    SERVICE = "service"
    OPTIONAL = "optional"


TERMINAL = frozenset({SendStatus.SENT, SendStatus.FAILED, SendStatus.SUPPRESSED})

# SES error codes that will not succeed on retry: the message is failed with the code as reason.
PERMANENT_ERRORS = frozenset({
    "MessageRejected", "BadRequestException", "MailFromDomainNotVerifiedException", "InvalidParameterValue",
    "NotFoundException", "AccountSuspendedException",
})
# Everything else (throttling, 5xx, time-outs, connection errors) is retried with backoff.

LEASE_SECONDS = 120
BASE_DELAY_SECONDS = 2.0
MAX_DELAY_SECONDS = 15 * 60.0


@dataclass(frozen=True)
class SendFailure:
    """Why one attempt failed, as far as the retry policy cares."""

    code: str
    permanent: bool


def classify(code: str, http_status: int | None = None) -> SendFailure:
    """Sort an SES error into permanent (give up) or transient (retry later)."""
    permanent = code in PERMANENT_ERRORS or (http_status is not None and 400 <= http_status < 500
                                              and code not in {"TooManyRequestsException", "ThrottlingException",
                                                               "Throttling", "LimitExceededException",
                                                               "SendingPausedException", "RequestTimeout"})
    return SendFailure(code=code, permanent=permanent)


def retry_delay(attempt: int, rng: random.Random | None = None) -> float:
    """Seconds to wait before attempt ``attempt + 1``: exponential backoff, capped, with jitter
    (uniform over the upper half) so that messages throttled together do not retry together."""
    ceiling = min(MAX_DELAY_SECONDS, BASE_DELAY_SECONDS * (2 ** min(max(attempt - 1, 0), 30)))
    return (rng or random).uniform(ceiling / 2, ceiling)


def exhausted(attempts: int, max_attempts: int) -> bool:
    """True when no further attempt may be made."""
    return attempts >= max_attempts


@dataclass(frozen=True)
class OutgoingEmail:
    """A message a use case wants sent. Rendering happens in the sender, from ``template`` and ``context``.

    ``context`` must be JSON-serialisable; it is personal data and is stored, never logged.
    ``invitation`` is a serialised ``chalicelib.mail.adapters.calendar.Invitation`` when a calendar file goes with it.
    """

    message_id: str
    to: str
    template: str
    capability: str
    context: dict[str, object]
    kind: MailKind = MailKind.SERVICE
    list_id: str | None = None
    invitation: dict[str, object] | None = None

    def __post_init__(self) -> None:
        if self.kind is MailKind.OPTIONAL and not self.list_id:
            raise ValueError("optional mail needs a list_id for its unsubscribe link")
        if "@" not in self.to:
            raise ValueError("recipient is not an email address")


@dataclass(frozen=True)
class QueuedMessage:
    """A message in the outbox: what was queued and where it is in sending (not its rendered content)."""

    message: OutgoingEmail
    status: SendStatus
    attempts: int
    created_at: datetime
    due_at: datetime | None = None  # when a sender may next take it (``None`` once finished)
    last_error: str | None = None
    ses_message_id: str | None = None
    delivery_status: DeliveryStatus | None = None
    delivery_at: datetime | None = None
    finished_at: datetime | None = None
    expires_at: datetime | None = None  # when DynamoDB deletes it (finished messages hold personal data)

    @property
    def message_id(self) -> str:
        """Our identifier of the message."""
        return self.message.message_id
