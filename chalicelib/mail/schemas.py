"""Request and response models of the email routes."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import ConfigDict, Field, StringConstraints

from chalicelib.core.http.schemas import Instant, ResponseModel, StrictModel
from chalicelib.mail.domain import DeliveryStatus, SendStatus

MessageId = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{32}$")]
SuppressionId = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{32}$")]
LinkToken = Annotated[str, StringConstraints(min_length=20, max_length=2048, pattern=r"^[A-Za-z0-9_=-]+$")]


class TestEmailRequest(StrictModel):
    """Send yourself a test message."""

    model_config = ConfigDict(extra="forbid", frozen=True,
                              json_schema_extra={"examples": [{"with_invitation": True, "optional": False}]})

    with_invitation: bool = Field(default=False, description="Attach a calendar invitation.")
    optional: bool = Field(default=False, description="Send it as optional mail, with one-click unsubscribe.")


class QueuedOut(ResponseModel):
    """A message was queued."""

    model_config = ConfigDict(extra="forbid", json_schema_serialization_defaults_required=True)

    message_id: str = Field(description="Follow it with GET /email/messages/{message_id}.")


class MessageOut(ResponseModel):
    """Where a message is in its journey (not what it says)."""

    model_config = ConfigDict(extra="forbid", json_schema_serialization_defaults_required=True)

    message_id: str
    template: str
    capability: str
    status: SendStatus = Field(description="pending, sending, sent, failed or suppressed.")
    attempts: int
    delivery_status: DeliveryStatus | None = Field(description="What SES reported: delivered, bounced_permanent, "
                                                    "bounced_transient, complained, rejected, delayed.")
    last_error: str | None = Field(description="An error code, for failed or retried messages.")
    created_at: datetime
    finished_at: datetime | None


class MessagePath(StrictModel):
    """Path of one message."""

    message_id: MessageId


class SuppressionOut(ResponseModel):
    """An address that mail is not sent to."""

    model_config = ConfigDict(extra="forbid", json_schema_serialization_defaults_required=True)

    id: str
    address: str
    scope: str = Field(description="'all', or 'list:<id>' for an unsubscribe from one list.")
    reason: str = Field(description="bounce, complaint or unsubscribe.")
    created_at: datetime
    source_message_id: str | None


class SuppressionPage(ResponseModel):
    """One page of the suppression list."""

    model_config = ConfigDict(extra="forbid", json_schema_serialization_defaults_required=True)

    items: list[SuppressionOut]
    next_cursor: str | None


class SuppressionPath(StrictModel):
    """Path of one suppression."""

    id: SuppressionId


class UnsubscribeLinkPath(StrictModel):
    """An unsubscribe link's token, as the last segment of its path."""

    token: LinkToken


class UnsubscribeQuery(StrictModel):
    """The signed token of a one-click unsubscribe link."""

    token: LinkToken


class UnsubscribeOut(ResponseModel):
    """The result of an unsubscribe link."""

    model_config = ConfigDict(extra="forbid", json_schema_serialization_defaults_required=True)

    list_id: str
    unsubscribed: bool
    message: str




class RetryFailedRequest(StrictModel):
    """Send again the messages that failed since a time."""

    model_config = ConfigDict(extra="forbid", frozen=True,
                              json_schema_extra={"examples": [{"failed_since": "2026-11-23T09:00:00Z"}]})

    failed_since: Instant = Field(description="RFC 3339 date-time with an offset: messages failed at or after it.")


class RetriedOut(ResponseModel):
    """Failed messages given back to the queue."""

    model_config = ConfigDict(extra="forbid", json_schema_serialization_defaults_required=True)

    requeued: int
    message_ids: list[str]
    more: bool = Field(description="More failed messages remain: send the same request again.")
