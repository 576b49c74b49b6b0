"""Rules of the email outbox: message states, retry schedule, and how SES errors are classified.

A message moves ``pending -> sending -> sent``, or ends ``failed`` or
``suppressed``. ``sending`` is a lease: a sender that dies mid-send leaves the
message to be claimed again once the lease runs out. Delivery events from SES
(delivered, bounced...) are recorded beside the send status, not instead of it.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum

from chalicelib.core.addresses import is_deliverable


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
# The whole account cannot send for now (sending paused, daily quota used up): retried like throttling, and
# a drain stops at the first one rather than spending every queued message's attempt on it.
ACCOUNT_LEVEL_ERRORS = frozenset({"SendingPausedException", "AccountSendingPausedException",
                                  "LimitExceededException"})
# 4xx codes that are nevertheless transient. Everything else that is not a 4xx (throttling, 5xx, time-outs,
# connection errors) is transient too, and retried with backoff until the retry horizon has passed.
TRANSIENT_4XX = frozenset({"TooManyRequestsException", "ThrottlingException", "Throttling", "RequestTimeout",
                           "RequestTimeoutException"}) | ACCOUNT_LEVEL_ERRORS

LEASE_SECONDS = 120
BASE_DELAY_SECONDS = 2.0
MAX_DELAY_SECONDS = 15 * 60.0


@dataclass(frozen=True)
class SendFailure:
    """Why one attempt failed, as far as the retry policy cares."""

    code: str
    permanent: bool
    account_level: bool = False


def classify(code: str, http_status: int | None = None) -> SendFailure:
    """Sort an SES error into permanent (give up) or transient (retry later), and say whether it concerns the
    whole account rather than this message."""
    permanent = code in PERMANENT_ERRORS or (http_status is not None and 400 <= http_status < 500
                                              and code not in TRANSIENT_4XX)
    return SendFailure(code=code, permanent=permanent, account_level=code in ACCOUNT_LEVEL_ERRORS)


def retry_delay(attempt: int, rng: random.Random | None = None) -> float:
    """Seconds to wait before attempt ``attempt + 1``: exponential backoff, capped, with jitter
    (uniform over the upper half) so that messages throttled together do not retry together."""
    ceiling = min(MAX_DELAY_SECONDS, BASE_DELAY_SECONDS * (2 ** min(max(attempt - 1, 0), 30)))
    return (rng or random).uniform(ceiling / 2, ceiling)


def horizon_passed(retrying_since: datetime | None, now: datetime, horizon: timedelta) -> bool:
    """True when a message has been retried for as long as the retry horizon allows. The horizon is a time
    measured from the first failed attempt of the current run (an admin's re-drive starts a new run), not a
    number of attempts: an SES outage of hours loses nothing, and time spent queued is not held against it."""
    return retrying_since is not None and now - retrying_since >= horizon


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
        if not is_deliverable(self.to):  # the API's rule: such an address never reaches the outbox
            raise ValueError("recipient is not an email address the service can deliver to")


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
    retrying_since: datetime | None = None  # the first failed attempt of the current run (``None``: none yet)

    @property
    def message_id(self) -> str:
        """Our identifier of the message."""
        return self.message.message_id
