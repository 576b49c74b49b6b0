"""Email use cases other than sending: a test message, unsubscribing, suppressions, SES delivery events."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from chalicelib.core import links
from chalicelib.core.auth.caller import Caller, Role
from chalicelib.core.errors import Conflict, NotFound
from chalicelib.core.ids import new_id
from chalicelib.core.observability import count, logger
from chalicelib.core.pages import Page
from chalicelib.core.settings import get_settings
from chalicelib.core.time import LONDON, utcnow
from chalicelib.mail.adapters.calendar import CalendarSession, Invitation
from chalicelib.mail.domain import DeliveryStatus, MailKind, OutgoingEmail, SendStatus
from chalicelib.mail.store import outbox, suppressions
from chalicelib.mail.store.suppressions import Suppression

TEST_LIST = "service-test"


def send_test_email(caller: Caller, with_invitation: bool, optional: bool, now: datetime | None = None) -> str:
    """Queue a test message to the calling admin, to check that email (and invitations) work end to end."""
    caller.require_any(Role.CAFCASS_ADMIN, Role.ADCS_ADMIN)
    address = caller.require_email(" to send the test to")
    now = now or utcnow()
    message_id = new_id()
    invitation = None
    if with_invitation:
        start = (now.astimezone(LONDON) + timedelta(days=7)).replace(hour=10, minute=0, second=0, microsecond=0)
        invitation = Invitation(
            sessions=(CalendarSession(uid=f"{message_id}-test@partnerships", starts_at=start,
                                      ends_at=start + timedelta(hours=1), summary="Partnerships service test",
                                      location="Online"),),
            organizer_email=get_settings().ses_sender, organizer_name=get_settings().ses_sender_name,
            attendee_email=address, attendee_name=None, sequence=0).to_dict()
    message = OutgoingEmail(
        message_id=message_id, to=address, template="service_test", capability="service",
        context={"recipient_name": "colleague", "recipient_email": address,
                 "requested_at": now.astimezone(LONDON).strftime("%d %B %Y at %H:%M"),
                 "has_invitation": with_invitation},
        kind=MailKind.OPTIONAL if optional else MailKind.SERVICE, list_id=TEST_LIST if optional else None,
        invitation=invitation)
    outbox.enqueue(message, now)
    count("EmailQueued")
    return message_id


@dataclass(frozen=True)
class MessageView:
    """What an admin may see of a message's journey (not its content)."""

    message_id: str
    template: str
    capability: str
    status: SendStatus
    attempts: int
    delivery_status: DeliveryStatus | None
    last_error: str | None
    created_at: datetime
    finished_at: datetime | None


def get_message(caller: Caller, message_id: str) -> MessageView:
    """Where a message is: queued, sent, failed, suppressed; and what SES reported."""
    caller.require_any(Role.CAFCASS_ADMIN)
    found = outbox.get(message_id)
    if found is None:
        raise NotFound("No message has this id.", code="message_not_found", field="message_id")
    return MessageView(message_id=found.message_id, template=found.message.template,
                       capability=found.message.capability, status=found.status, attempts=found.attempts,
                       delivery_status=found.delivery_status, last_error=found.last_error,
                       created_at=found.created_at, finished_at=found.finished_at)


class MessageNotFailed(Conflict):
    """Only a failed message can be re-driven."""

    def __init__(self) -> None:
        super().__init__("Only a failed message can be sent again; this one is not failed.",
                         code="message_not_failed", field="message_id")


REDRIVE_BATCH = 500  # messages re-driven by one request at most (the answer says whether more remain)


def retry_message(caller: Caller, message_id: str, now: datetime | None = None) -> MessageView:
    """Give one failed message back to the queue with a fresh retry horizon (the sender checks suppression
    again before sending it)."""
    caller.require_any(Role.CAFCASS_ADMIN)
    if not outbox.requeue_failed(message_id, now or utcnow()):
        if outbox.get(message_id) is None:
            raise NotFound("No message has this id.", code="message_not_found", field="message_id")
        raise MessageNotFailed()
    count("EmailRedriven")
    logger.info("email re-driven", extra={"message_id": message_id, "by": caller.id})
    return get_message(caller, message_id)


@dataclass(frozen=True)
class Redriven:
    """What a re-drive of failed messages did."""

    message_ids: list[str]
    more: bool  # more failed messages remain (send the same request again)


def retry_failed_since(caller: Caller, since: datetime, now: datetime | None = None) -> Redriven:
    """Give every message failed at or after ``since`` back to the queue (up to ``REDRIVE_BATCH``, oldest
    failure first: one Query of the failed messages' index, then one conditional write each)."""
    caller.require_any(Role.CAFCASS_ADMIN)
    now = now or utcnow()
    found = outbox.failed_since(since, REDRIVE_BATCH + 1)
    requeued = [message_id for message_id in found[:REDRIVE_BATCH] if outbox.requeue_failed(message_id, now)]
    count("EmailRedriven", len(requeued))
    logger.info("failed emails re-driven", extra={"count": len(requeued), "by": caller.id})
    return Redriven(message_ids=requeued, more=len(found) > REDRIVE_BATCH)


def unsubscribe(token: str, now: datetime | None = None) -> str:
    """Honour a one-click unsubscribe link: suppress that list for that address. Returns the list id."""
    data = links.read_token(token, "unsubscribe")
    address, list_id = data.get("a"), data.get("l")
    if not isinstance(address, str) or not isinstance(list_id, str):
        raise links.InvalidLink("This link is not valid.", field="token")
    suppressions.add(address, suppressions.list_scope(list_id), "unsubscribe", now or utcnow(),
                     source_message_id=data.get("m") if isinstance(data.get("m"), str) else None)
    count("EmailUnsubscribed")
    logger.info("unsubscribed", extra={"list_id": list_id})
    return list_id


def describe_unsubscribe(token: str) -> str:
    """Check an unsubscribe link without acting on it (a GET must not unsubscribe: link scanners follow
    links). Returns the list id."""
    data = links.read_token(token, "unsubscribe")
    list_id = data.get("l")
    if not isinstance(list_id, str):
        raise links.InvalidLink("This link is not valid.", field="token")
    return list_id


def list_suppressions(caller: Caller, limit: int, cursor: str | None) -> Page[Suppression]:
    """The suppression list, newest first (admins: it holds addresses)."""
    caller.require_any(Role.CAFCASS_ADMIN)
    return suppressions.list_page(limit, cursor)


def remove_suppression(caller: Caller, suppression_id: str) -> None:
    """Let mail reach an address again (for example after a mailbox was fixed)."""
    caller.require_any(Role.CAFCASS_ADMIN)
    suppressions.remove(suppression_id)
    count("SuppressionRemoved")
    logger.info("suppression removed", extra={"suppression_id": suppression_id, "by": caller.id})


_EVENT_STATUS = {
    "Delivery": DeliveryStatus.DELIVERED,
    "Complaint": DeliveryStatus.COMPLAINED,
    "Reject": DeliveryStatus.REJECTED,
    "DeliveryDelay": DeliveryStatus.DELAYED,
}


def _parse_time(value: Any, fallback: datetime) -> datetime:
    if isinstance(value, str):
        try:
            return datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            pass
    return fallback


def _object(value: Any) -> dict[str, Any]:
    """``value`` when it is a JSON object, else an empty one."""
    return value if isinstance(value, dict) else {}


def record_ses_event(event: dict[str, Any], now: datetime | None = None) -> str:
    """Apply one SES event (configuration set -> SNS). Returns what was done, for logs and tests.

    Permanent bounces and complaints put the recipient on the suppression list. Addresses in the
    payload are used, never logged.
    """
    now = now or utcnow()
    kind = event.get("eventType") or event.get("notificationType")
    mail = _object(event.get("mail"))
    tags = _object(mail.get("tags"))
    ids = tags.get("message_id") or []
    message_id = ids[0] if isinstance(ids, list) and ids and isinstance(ids[0], str) else None
    if kind == "Bounce":
        bounce = event.get("bounce") or {}
        permanent = bounce.get("bounceType") == "Permanent"
        status = DeliveryStatus.BOUNCED_PERMANENT if permanent else DeliveryStatus.BOUNCED_TRANSIENT
        detail, recipients_key = bounce, "bouncedRecipients"
    elif kind in _EVENT_STATUS:
        status = _EVENT_STATUS[kind]
        detail = event.get({"Delivery": "delivery", "Complaint": "complaint", "Reject": "reject",
                            "DeliveryDelay": "deliveryDelay"}[kind]) or {}
        recipients_key = "complainedRecipients" if kind == "Complaint" else ""
        permanent = kind == "Complaint"
    else:
        logger.info("ses event ignored", extra={"event_type": str(kind)[:40]})
        return "ignored"
    at = _parse_time(detail.get("timestamp"), now)
    if permanent and recipients_key:
        for recipient in detail.get(recipients_key) or []:
            address = recipient.get("emailAddress") if isinstance(recipient, dict) else None
            if isinstance(address, str) and "@" in address:
                suppressions.add(address, suppressions.ALL, "complaint" if kind == "Complaint" else "bounce", now,
                                 source_message_id=message_id)
                count("EmailSuppressionAdded")
    known = message_id is not None and outbox.record_delivery(message_id, status, at)
    count({"Delivery": "EmailDelivered", "Bounce": "EmailBounced", "Complaint": "EmailComplained",
           "Reject": "EmailRejected", "DeliveryDelay": "EmailDelayed"}[kind])
    logger.info("ses event recorded", extra={"event_type": kind, "status": status.value, "message_id": message_id,
                                             "known_message": known})
    return status.value if known else f"{status.value}:unknown_message"

