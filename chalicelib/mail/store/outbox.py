"""The email outbox table and its state transitions, each a single conditional write.

Table ``outbox``: hash key ``message_id``. The sparse index ``due_index``
(``queue``, ``due_at``) holds only messages waiting for a sender: pending ones
(``due_at`` = when they may next be tried) and leased ones (``due_at`` = when
the lease runs out). Sent, failed and suppressed messages drop out of it, so a
sender finds work with one Query. The sparse index ``failed_index`` (``failed_queue``, ``failed_at``)
holds only failed messages, so admins re-drive them without a Scan. ``expires_at`` is the TTL: finished messages
(which hold personal data) are deleted by DynamoDB after the retention period.
The table's stream (keys only) triggers the sender for each new message in AWS.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError
from pynamodb.attributes import (
    NumberAttribute,
    TTLAttribute,
    UnicodeAttribute,
    UTCDateTimeAttribute,
)
from pynamodb.exceptions import PynamoDBException
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
FAILED = "failed"
RETENTION = timedelta(days=90)


class DueIndex(GlobalSecondaryIndex["OutboxRecord"]):
    """Messages a sender should look at, oldest due first."""

    class Meta:
        index_name = "due_index"
        projection = AllProjection()

    queue = UnicodeAttribute(hash_key=True)
    due_at = UnicodeAttribute(range_key=True)


class FailedIndex(GlobalSecondaryIndex["OutboxRecord"]):
    """Failed messages, oldest failure first (keys only: re-driving reads nothing but the ids)."""

    class Meta:
        index_name = "failed_index"
        projection = KeysOnlyProjection()

    failed_queue = UnicodeAttribute(hash_key=True)
    failed_at = UnicodeAttribute(range_key=True)


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
    claimed_from = UnicodeAttribute(null=True)  # the status the last claim found (``sending``: a lease ran out)
    failed_queue = UnicodeAttribute(null=True)  # ``failed`` while failed: the sparse ``failed_index``
    failed_at = UnicodeAttribute(null=True)
    retrying_since = UTCDateTimeAttribute(null=True)  # the first failed attempt since queued or re-driven
    last_error = UnicodeAttribute(null=True)
    ses_message_id = UnicodeAttribute(null=True)
    delivery_status = UnicodeAttribute(null=True)
    delivery_at = UTCDateTimeAttribute(null=True)
    created_at = UTCDateTimeAttribute()
    finished_at = UTCDateTimeAttribute(null=True)
    expires_at = TTLAttribute(null=True)

    due_index = DueIndex()
    failed_index = FailedIndex()
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
        delivery_at=rec.delivery_at, finished_at=rec.finished_at, expires_at=rec.expires_at,
        retrying_since=rec.retrying_since)


class UnreadableMessage(Exception):
    """A stored message that is not a valid ``OutgoingEmail`` (queued before today's rules, or edited by
    hand). When it was just claimed, ``claim`` is the lease, so the sender can record it as failed."""

    def __init__(self, message_id: str, claim: str | None = None) -> None:
        super().__init__(message_id)
        self.message_id = message_id
        self.claim = claim


def storage_error(exc: BaseException) -> bool:
    """True for a DynamoDB or transport error (an outage, throttling, a time-out), as opposed to a bug."""
    return isinstance(exc, (PynamoDBException, BotoCoreError, ClientError))


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
    lease_ran_out: bool = False  # the previous sender's lease ran out mid-send: it may have reached SES

    @property
    def message_id(self) -> str:
        """Our id of the message."""
        return self.queued.message_id


def claim(message_id: str, now: datetime) -> Claimed | None:
    """Take the lease on a message that is due (one conditional UpdateItem). ``None`` if another sender has
    it, or it is finished, or not yet due: exactly one of two racing senders wins. Raises
    ``UnreadableMessage`` (with the lease) for a stored message that is not a valid one."""
    token = new_id()
    record = OutboxRecord(message_id=message_id)
    taken = update_if(record, [OutboxRecord.claimed_from.set(OutboxRecord.status),
                               OutboxRecord.status.set(SendStatus.SENDING.value), OutboxRecord.claim.set(token),
                               OutboxRecord.due_at.set(_iso(now + timedelta(seconds=LEASE_SECONDS))),
                               OutboxRecord.attempts.add(1)],
                      condition=(OutboxRecord.queue == QUEUE) & (OutboxRecord.due_at <= _iso(now)))
    if not taken:
        return None
    try:
        queued = _to_domain(record)
    except (ValueError, TypeError, KeyError) as exc:
        raise UnreadableMessage(message_id, token) from exc
    return Claimed(queued=queued, claim=token, lease_ran_out=record.claimed_from == SendStatus.SENDING.value)


def _finish(message_id: str, claim_token: str, status: SendStatus, now: datetime, extra_actions: tuple[Any, ...] = (),
            alternative: Any = None, **fields: Any) -> bool:
    """Move a claimed message to a final state, only if we still hold the lease (or ``alternative`` holds)."""
    actions = [OutboxRecord.status.set(status.value), OutboxRecord.queue.remove(), OutboxRecord.due_at.remove(),
               OutboxRecord.claim.remove(), OutboxRecord.finished_at.set(now),
               OutboxRecord.expires_at.set(now + RETENTION), *extra_actions]
    actions += [getattr(OutboxRecord, name).set(value) for name, value in fields.items() if value is not None]
    condition = OutboxRecord.claim == claim_token
    if alternative is not None:
        condition = condition | alternative
    # False: the lease ran out and another sender took over.
    return update_if(OutboxRecord(message_id=message_id), actions, condition)


def mark_sent(claimed: Claimed, ses_message_id: str, now: datetime) -> bool:
    """The message was accepted by SES. Idempotent: repeating it after a write whose answer was lost (a
    time-out) finds the same SES id recorded and answers ``True``."""
    return _finish(claimed.message_id, claimed.claim, SendStatus.SENT, now,
                   alternative=OutboxRecord.ses_message_id == ses_message_id, ses_message_id=ses_message_id)


def _failed_actions(now: datetime) -> tuple[Any, ...]:
    return (OutboxRecord.failed_queue.set(FAILED), OutboxRecord.failed_at.set(_iso(now)))


def mark_failed(claimed: Claimed, reason: str, now: datetime) -> bool:
    """The message will not be sent (permanent error, retry horizon passed, or it cannot be built)."""
    return _finish(claimed.message_id, claimed.claim, SendStatus.FAILED, now, _failed_actions(now),
                   last_error=reason)


def mark_unreadable(error: UnreadableMessage, reason: str, now: datetime) -> bool:
    """Fail a claimed message that could not be read (see ``UnreadableMessage``)."""
    if error.claim is None:
        return False
    return _finish(error.message_id, error.claim, SendStatus.FAILED, now, _failed_actions(now), last_error=reason)


def mark_suppressed(claimed: Claimed, reason: str, now: datetime) -> bool:
    """The recipient is suppressed (bounced, complained or unsubscribed): recorded, not sent."""
    return _finish(claimed.message_id, claimed.claim, SendStatus.SUPPRESSED, now, last_error=reason)


def failed_since(since: datetime, limit: int) -> list[str]:
    """Ids of messages failed at or after ``since``, oldest failure first (one Query of the sparse
    ``failed_index``, up to ``limit``)."""
    return [r.message_id for r in OutboxRecord.failed_index.query(FAILED, OutboxRecord.failed_at >= _iso(since),
                                                                  limit=limit, page_size=limit)]


def requeue_failed(message_id: str, now: datetime) -> bool:
    """Give a failed message back to the queue, due now, with a fresh retry horizon (one conditional
    UpdateItem). ``False`` if it is not failed (or does not exist)."""
    return update_if(OutboxRecord(message_id=message_id),
                     [OutboxRecord.status.set(SendStatus.PENDING.value), OutboxRecord.queue.set(QUEUE),
                      OutboxRecord.due_at.set(_iso(now)), OutboxRecord.retrying_since.remove(),
                      OutboxRecord.failed_queue.remove(), OutboxRecord.failed_at.remove(),
                      OutboxRecord.finished_at.remove(), OutboxRecord.expires_at.remove()],
                     OutboxRecord.status == SendStatus.FAILED.value)


def retry_later(claimed: Claimed, reason: str, at: datetime, now: datetime) -> bool:
    """Give the message back to the queue, due again at ``at`` (``now`` starts the retry horizon if this is
    the first failure of the run)."""
    return update_if(OutboxRecord(message_id=claimed.message_id),
                     [OutboxRecord.status.set(SendStatus.PENDING.value), OutboxRecord.due_at.set(_iso(at)),
                      OutboxRecord.retrying_since.set(OutboxRecord.retrying_since | now),
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
