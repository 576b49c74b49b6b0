"""The email outbox table and its state transitions, each a single conditional write.

Table ``outbox``: hash key ``message_id``. The sparse index ``due_index``
(``queue``, ``due_at``) holds only messages waiting for a sender: pending ones
(``due_at`` = when they may next be tried) and leased ones (``due_at`` = when
the lease runs out). Sent, failed and suppressed messages drop out of it, so a
sender finds work with one Query. ``expires_at`` is the TTL: finished messages
(which hold personal data) are deleted by DynamoDB after the retention period.
The table's stream (keys only) triggers the sender for each new message in AWS.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from pynamodb.attributes import (
    NumberAttribute,
    TTLAttribute,
    UnicodeAttribute,
    UTCDateTimeAttribute,
)
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex, KeysOnlyProjection

from chalicelib.core.addresses import person_key
from chalicelib.core.dynamo.model import StoreMeta, StoreModel, setting, update_if
from chalicelib.core.dynamo.transactions import Put
from chalicelib.core.ids import new_id
from chalicelib.mail.domain import (
    LEASE_SECONDS,
    DeliveryStatus,
    MailKind,
    OutgoingEmail,
    QueuedMessage,
    SendStatus,
)

QUEUE = "due"
RETENTION = timedelta(days=90)


class DueIndex(GlobalSecondaryIndex["OutboxRecord"]):
    """Messages a sender should look at, oldest due first."""

    class Meta:
        index_name = "due_index"
        projection = AllProjection()

    queue = UnicodeAttribute(hash_key=True)
    due_at = UnicodeAttribute(range_key=True)


class PersonIndex(GlobalSecondaryIndex["OutboxRecord"]):
    """One person's messages (keys only: the index holds no copy of their content)."""

    class Meta:
        index_name = "person_index"
        projection = KeysOnlyProjection()

    person_key = UnicodeAttribute(hash_key=True)


class OutboxRecord(StoreModel):
    """One outgoing message."""

    class Meta(StoreMeta):
        table_name = setting("outbox_table")
        stream_view_type = "KEYS_ONLY"  # the stream trigger only needs the ids of new messages

    message_id = UnicodeAttribute(hash_key=True)
    status = UnicodeAttribute()
    queue = UnicodeAttribute(null=True)
    due_at = UnicodeAttribute(null=True)
    recipient = UnicodeAttribute()
    person_key = UnicodeAttribute(null=True)  # the recipient's ``core.addresses.person_key``
    template = UnicodeAttribute()
    capability = UnicodeAttribute()
    kind = UnicodeAttribute()
    list_id = UnicodeAttribute(null=True)
    context = UnicodeAttribute()  # JSON
    invitation = UnicodeAttribute(null=True)  # JSON
    attempts = NumberAttribute(default=0)
    claim = UnicodeAttribute(null=True)
    last_error = UnicodeAttribute(null=True)
    ses_message_id = UnicodeAttribute(null=True)
    delivery_status = UnicodeAttribute(null=True)
    delivery_at = UTCDateTimeAttribute(null=True)
    created_at = UTCDateTimeAttribute()
    finished_at = UTCDateTimeAttribute(null=True)
    expires_at = TTLAttribute(null=True)

    due_index = DueIndex()
    person_index = PersonIndex()


def _to_domain(rec: OutboxRecord) -> QueuedMessage:
    message = OutgoingEmail(
        message_id=rec.message_id, to=rec.recipient, template=rec.template, capability=rec.capability,
        context=json.loads(rec.context), kind=MailKind(rec.kind), list_id=rec.list_id,
        invitation=json.loads(rec.invitation) if rec.invitation else None)
    return QueuedMessage(
        message=message, status=SendStatus(rec.status), attempts=int(rec.attempts), created_at=rec.created_at,
        due_at=datetime.fromisoformat(rec.due_at.replace("Z", "+00:00")) if rec.due_at else None,
        last_error=rec.last_error, ses_message_id=rec.ses_message_id,
        delivery_status=DeliveryStatus(rec.delivery_status) if rec.delivery_status else None,
        delivery_at=rec.delivery_at, finished_at=rec.finished_at, expires_at=rec.expires_at)


def _iso(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def new_record(message: OutgoingEmail, now: datetime) -> OutboxRecord:
    """The outbox item for ``message``, due at once."""
    return OutboxRecord(
        message_id=message.message_id, status=SendStatus.PENDING.value, queue=QUEUE, due_at=_iso(now),
        recipient=message.to, person_key=person_key(message.to), template=message.template,
        capability=message.capability, kind=message.kind.value,
        list_id=message.list_id, context=json.dumps(message.context, separators=(",", ":"), sort_keys=True),
        invitation=json.dumps(message.invitation, separators=(",", ":")) if message.invitation else None,
        attempts=0, created_at=now,
    )


def queued(message: OutgoingEmail, now: datetime) -> Put:
    """``message`` as an operation of someone else's transaction: queued if and only if the change is made."""
    return Put(new_record(message, now), condition=OutboxRecord.message_id.does_not_exist(), label="outbox")


def enqueue(message: OutgoingEmail, now: datetime) -> None:
    """Queue a message on its own (when there is no business change to go with it)."""
    new_record(message, now).save(condition=OutboxRecord.message_id.does_not_exist())


def due(now: datetime, limit: int) -> list[str]:
    """Ids of messages that a sender may claim now: pending and due, or leased with the lease run out
    (one Query of the sparse index)."""
    return [r.message_id for r in OutboxRecord.due_index.query(QUEUE, OutboxRecord.due_at <= _iso(now),
                                                               limit=limit, page_size=limit,
                                                               attributes_to_get=["message_id"])]


def get(message_id: str) -> QueuedMessage | None:
    """One message, or ``None`` (one consistent GetItem)."""
    try:
        return _to_domain(OutboxRecord.get(message_id, consistent_read=True))
    except OutboxRecord.DoesNotExist:
        return None


@dataclass(frozen=True)
class Claimed:
    """A message this sender holds the lease on."""

    queued: QueuedMessage
    claim: str


def claim(message_id: str, now: datetime) -> Claimed | None:
    """Take the lease on a message that is due (one conditional UpdateItem). ``None`` if another sender has
    it, or it is finished, or not yet due: exactly one of two racing senders wins."""
    token = new_id()
    record = OutboxRecord(message_id=message_id)
    taken = update_if(record, [OutboxRecord.status.set(SendStatus.SENDING.value), OutboxRecord.claim.set(token),
                               OutboxRecord.due_at.set(_iso(now + timedelta(seconds=LEASE_SECONDS))),
                               OutboxRecord.attempts.add(1)],
                      condition=(OutboxRecord.queue == QUEUE) & (OutboxRecord.due_at <= _iso(now)))
    return Claimed(queued=_to_domain(record), claim=token) if taken else None


def _finish(claimed: Claimed, status: SendStatus, now: datetime, **fields: Any) -> bool:
    """Move a claimed message to a final state, only if we still hold the lease."""
    actions = [OutboxRecord.status.set(status.value), OutboxRecord.queue.remove(), OutboxRecord.due_at.remove(),
               OutboxRecord.claim.remove(), OutboxRecord.finished_at.set(now),
               OutboxRecord.expires_at.set(now + RETENTION)]
    actions += [getattr(OutboxRecord, name).set(value) for name, value in fields.items() if value is not None]
    # False: the lease ran out and another sender took over.
    return update_if(OutboxRecord(message_id=claimed.queued.message_id), actions, OutboxRecord.claim == claimed.claim)


def mark_sent(claimed: Claimed, ses_message_id: str, now: datetime) -> bool:
    """The message was accepted by SES."""
    return _finish(claimed, SendStatus.SENT, now, ses_message_id=ses_message_id)


def mark_failed(claimed: Claimed, reason: str, now: datetime) -> bool:
    """The message will not be sent (permanent error, or attempts exhausted)."""
    return _finish(claimed, SendStatus.FAILED, now, last_error=reason)


def mark_suppressed(claimed: Claimed, reason: str, now: datetime) -> bool:
    """The recipient is suppressed (bounced, complained or unsubscribed): recorded, not sent."""
    return _finish(claimed, SendStatus.SUPPRESSED, now, last_error=reason)


def retry_later(claimed: Claimed, reason: str, at: datetime) -> bool:
    """Give the message back to the queue, due again at ``at``."""
    return update_if(OutboxRecord(message_id=claimed.queued.message_id),
                     [OutboxRecord.status.set(SendStatus.PENDING.value), OutboxRecord.due_at.set(_iso(at)),
                      OutboxRecord.claim.remove(), OutboxRecord.last_error.set(reason)],
                     OutboxRecord.claim == claimed.claim)


def record_delivery(message_id: str, status: DeliveryStatus, at: datetime) -> bool:
    """Note what SES reported for a sent message; ``False`` if the message is unknown.

    Later events win over earlier ones (a delay followed by a delivery ends ``delivered``), but an event
    older than the one recorded does not overwrite it: SNS does not guarantee order.
    """
    recorded = update_if(OutboxRecord(message_id=message_id),
                         [OutboxRecord.delivery_status.set(status.value), OutboxRecord.delivery_at.set(at)],
                         OutboxRecord.message_id.exists()
                         & (OutboxRecord.delivery_at.does_not_exist() | (OutboxRecord.delivery_at <= at)))
    return recorded or get(message_id) is not None


def for_person(address: str) -> list[QueuedMessage]:
    """Every message to ``address`` (a Query of the person index, then one BatchGetItem per 100)."""
    ids = [r.message_id for r in OutboxRecord.person_index.query(person_key(address))]
    return [_to_domain(r) for r in OutboxRecord.batch_get(ids)] if ids else []


def delete(message_id: str) -> None:
    """Remove a message whatever its state (one DeleteItem): an erased person is sent nothing more."""
    OutboxRecord(message_id=message_id).delete()
