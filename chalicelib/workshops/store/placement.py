"""The transactions that move places: confirm, join the waiting list, promote, cancel, leave, substitute.

Each is one DynamoDB transaction that also carries the ``writes`` of other capabilities: the emails it
causes (from mail) and the checks it needs (that the organisation is in the directory). Each is
conditioned on the state the decision was made from: the place counters and waiting counts on the
workshop item, the organisation's count, the registration's status and the person's guard. So concurrent
requests can never overbook, give one place twice or lose one: a transaction whose conditions no longer
hold raises ``ConditionFailed`` (naming the operations) and the use case reads again and decides again.

Operation labels: ``workshop`` (counters), ``org`` (an organisation's count), ``guard`` and
``previous`` (one active registration per person), ``registration``, ``waiting`` (list entries),
``promoted``, ``replaced`` (the substituted registration), ``outbox``, ``organisation`` (the directory).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pynamodb.exceptions import DoesNotExist, TransactGetError
from pynamodb.transactions import TransactGet

from chalicelib.core.dynamo.model import connection
from chalicelib.core.dynamo.transactions import Transaction, Write
from chalicelib.workshops.domain.errors import WorkshopNotFound
from chalicelib.workshops.domain.registrations import Registration
from chalicelib.workshops.domain.rules import (
    EndReason,
    Group,
    RegistrationStatus,
    WaitingEntry,
    WaitReason,
    Workshop,
    WorkshopStatus,
)
from chalicelib.workshops.store.registrations import (
    GuardRecord,
    OrgCountRecord,
    RegistrationRecord,
    WaitingRecord,
    guard_sk,
    key_of,
    new_record,
    org_sk,
    reg_sk,
    wait_sk,
)
from chalicelib.workshops.store.workshops import GROUP_KEY, WorkshopRecord, to_domain

ONGOING = (WorkshopStatus.PUBLISHED.value, WorkshopStatus.CLOSED.value)


def _attr(kind: str, group: Group) -> Any:
    """The counter or allocation attribute of ``group`` (``kind``: confirmed, waiting or alloc)."""
    return getattr(WorkshopRecord, f"{kind}_{GROUP_KEY[group]}")


def read(workshop_id: str, organisation: str) -> tuple[Workshop, int]:
    """The workshop and the organisation's places, read together and consistently (one TransactGetItems)."""
    with TransactGet(connection=connection()) as tg:
        w_future = tg.get(WorkshopRecord, workshop_id)
        o_future = tg.get(OrgCountRecord, workshop_id, org_sk(organisation))
    try:
        workshop = to_domain(w_future.get())
    except (DoesNotExist, TransactGetError):
        raise WorkshopNotFound() from None
    try:
        org_confirmed = int(o_future.get().confirmed)
    except DoesNotExist:
        org_confirmed = 0
    return workshop, org_confirmed


def _guard(tx: Transaction, workshop_id: str, email: str, registration_id: str,
           previous: Registration | None) -> None:
    """One active registration per person: a new guard, or taking over the guard of an ended registration."""
    guard = GuardRecord(workshop_id=workshop_id, sk=guard_sk(email), registration_id=registration_id)
    if previous is None:
        tx.put(guard, condition=GuardRecord.sk.does_not_exist(), label="guard")
    else:
        tx.put(guard, condition=GuardRecord.registration_id == previous.id, label="guard")
        tx.check(RegistrationRecord, workshop_id, reg_sk(previous.id),
                 condition=RegistrationRecord.status == previous.status.value, label="previous")


def _org_place(tx: Transaction, workshop: Workshop, org: str, delta: int) -> None:
    """Change an organisation's place count; taking a place is conditioned on its cap."""
    record = OrgCountRecord(workshop_id=workshop.id, sk=org_sk(org))
    cap = workshop.places.cap_for(org)
    condition = None
    if delta > 0 and cap is not None:
        condition = OrgCountRecord.confirmed.does_not_exist() | (OrgCountRecord.confirmed <= cap - delta)
    tx.update(record, [OrgCountRecord.confirmed.add(delta)], condition=condition, label="org")


def _place_free(workshop: Workshop, group: Group, now: datetime) -> Any:
    """On the workshop item: a place of ``group`` is free and nobody eligible for it is waiting."""
    condition = (WorkshopRecord.status == WorkshopStatus.PUBLISHED.value) & \
        (WorkshopRecord.confirmed_total < WorkshopRecord.capacity)
    if workshop.released(now):
        return condition & (WorkshopRecord.waiting_total == 0)
    return condition & (_attr("confirmed", group) < _attr("alloc", group)) & (_attr("waiting", group) == 0)


def _still_waiting_for(workshop: Workshop, group: Group, reason: WaitReason, now: datetime) -> Any:
    """On the workshop item: the reason to wait still holds when the join is written (so nobody joins the
    list while a place they could take is free). Joins do not condition on each other: that would make
    every simultaneous join to a group's list retry, and nothing needs it (order is by arrival time)."""
    condition = WorkshopRecord.status == WorkshopStatus.PUBLISHED.value
    if reason is WaitReason.FULL:
        return condition & (WorkshopRecord.confirmed_total >= WorkshopRecord.capacity)
    if reason is WaitReason.GROUP_FULL:
        return condition & (_attr("confirmed", group) >= _attr("alloc", group))
    if reason is WaitReason.OTHERS_WAITING:
        return condition & ((WorkshopRecord.waiting_total > 0) if workshop.released(now)
                            else (_attr("waiting", group) > 0))
    return condition  # org_cap: checked on the organisation's item


def _unchanged(workshop: Workshop) -> Any:
    """The workshop's place and waiting counts are still the ones the decision was made from."""
    return (WorkshopRecord.confirmed_total == workshop.confirmed_total) & \
        (WorkshopRecord.waiting_total == workshop.waiting_total)


def _counters(workshop: Workshop, deltas: dict[str, int], condition: Any) -> tuple[WorkshopRecord, list[Any], Any]:
    actions = [getattr(WorkshopRecord, name).add(delta) for name, delta in deltas.items() if delta]
    return WorkshopRecord(workshop_id=workshop.id), actions, condition


def _promotion(tx: Transaction, workshop: Workshop, entry: WaitingEntry, now: datetime) -> None:
    """The promoted person's registration and list entry (the caller adds the counter changes)."""
    tx.update(RegistrationRecord(workshop_id=workshop.id, sk=reg_sk(entry.registration_id)),
              [RegistrationRecord.status.set(RegistrationStatus.CONFIRMED.value),
               RegistrationRecord.confirmed_at.set(now), RegistrationRecord.waiting_until.set(now),
               RegistrationRecord.waiting_key.remove(), RegistrationRecord.notified_sequence.set(workshop.sequence)],
              condition=RegistrationRecord.status == RegistrationStatus.WAITING.value, label="promoted")
    tx.delete(WaitingRecord(workshop_id=workshop.id, sk=wait_sk(entry.joined_key)),
              condition=WaitingRecord.sk.exists(), label="waiting")


def _group_deltas(group: Group, confirmed: int, waiting: int) -> dict[str, int]:
    key = GROUP_KEY[group]
    return {"confirmed_total": confirmed, f"confirmed_{key}": confirmed,
            "waiting_total": waiting, f"waiting_{key}": waiting}


def confirm(workshop: Workshop, reg: Registration, previous: Registration | None, writes: Sequence[Write],
            now: datetime) -> None:
    """Write a new confirmed registration if its place is still free (one transaction)."""
    tx = Transaction()
    record, actions, condition = _counters(workshop, _group_deltas(reg.group, 1, 0),
                                           _place_free(workshop, reg.group, now))
    tx.update(record, actions, condition=condition, label="workshop")
    _org_place(tx, workshop, reg.organisation, +1)
    _guard(tx, workshop.id, reg.email, reg.id, previous)
    tx.put(new_record(reg), condition=RegistrationRecord.sk.does_not_exist(), label="registration")
    tx.include(writes)
    tx.commit()


def wait(workshop: Workshop, reg: Registration, reason: WaitReason, previous: Registration | None,
         writes: Sequence[Write], now: datetime) -> None:
    """Write a new waiting registration and its list entry if the reason to wait still holds."""
    tx = Transaction()
    record, actions, condition = _counters(workshop, _group_deltas(reg.group, 0, 1),
                                           _still_waiting_for(workshop, reg.group, reason, now))
    tx.update(record, actions, condition=condition, label="workshop")
    cap = workshop.places.cap_for(reg.organisation)
    if reason is WaitReason.ORG_CAP and cap is not None:
        tx.check(OrgCountRecord, workshop.id, org_sk(reg.organisation), condition=OrgCountRecord.confirmed >= cap,
                 label="org")
    _guard(tx, workshop.id, reg.email, reg.id, previous)
    tx.put(new_record(reg), condition=RegistrationRecord.sk.does_not_exist(), label="registration")
    tx.put(WaitingRecord(workshop_id=workshop.id, sk=wait_sk(reg.waiting_key or ""), registration_id=reg.id,
                         group=reg.group.value, organisation=reg.organisation), label="waiting")
    tx.include(writes)
    tx.commit()


def promote(workshop: Workshop, entry: WaitingEntry, writes: Sequence[Write], now: datetime) -> None:
    """Give a free place to ``entry`` if the counts are still those read (one transaction)."""
    tx = Transaction()
    _promotion(tx, workshop, entry, now)
    record, actions, condition = _counters(workshop, _group_deltas(entry.group, 1, -1), _unchanged(workshop))
    tx.update(record, actions, condition=condition, label="workshop")
    _org_place(tx, workshop, entry.organisation, +1)
    tx.include(writes)
    tx.commit()


def _end_key(end_key: str | None) -> list[Any]:
    return [RegistrationRecord.end_key.set(end_key)] if end_key else []


def cancel(workshop: Workshop, reg: Registration, reason: EndReason, promotion: WaitingEntry | None,
           writes: Sequence[Write], now: datetime, end_key: str | None = None) -> None:
    """End a confirmed registration and, in the same transaction, give its place to ``promotion``."""
    tx = Transaction()
    tx.update(key_of(reg), [RegistrationRecord.status.set(RegistrationStatus.CANCELLED.value),
                            RegistrationRecord.ended_at.set(now), RegistrationRecord.end_reason.set(reason.value),
                            *_end_key(end_key)],
              condition=RegistrationRecord.status == RegistrationStatus.CONFIRMED.value, label="registration")
    deltas = _group_deltas(reg.group, -1, 0)
    org_deltas = {reg.organisation: -1}
    if promotion is not None:
        _promotion(tx, workshop, promotion, now)
        for name, delta in _group_deltas(promotion.group, 1, -1).items():
            deltas[name] = deltas.get(name, 0) + delta
        org_deltas[promotion.organisation] = org_deltas.get(promotion.organisation, 0) + 1
    record, actions, condition = _counters(workshop, deltas, _unchanged(workshop))
    tx.update(record, actions, condition=condition, label="workshop")
    for org, delta in org_deltas.items():
        if delta:
            _org_place(tx, workshop, org, delta)
    tx.include(writes)
    tx.commit()


@dataclass(frozen=True)
class LeaveWaitingList:
    """A waiting registration ends and its list entry and counts go (a :class:`Write` of three operations,
    for a use case's transaction or for mark-once-and-send: the status condition makes it happen once)."""

    reg: Registration
    now: datetime
    reason: EndReason = EndReason.LEFT_WAITING_LIST
    end_key: str | None = None

    def add_to(self, tx: Transaction) -> None:
        """Add the three operations to ``tx``."""
        reg = self.reg
        tx.update(key_of(reg), [RegistrationRecord.status.set(RegistrationStatus.LEFT_WAITING_LIST.value),
                                RegistrationRecord.ended_at.set(self.now),
                                RegistrationRecord.waiting_until.set(self.now),
                                RegistrationRecord.waiting_key.remove(),
                                RegistrationRecord.end_reason.set(self.reason.value), *_end_key(self.end_key)],
                  condition=RegistrationRecord.status == RegistrationStatus.WAITING.value, label="registration")
        tx.delete(WaitingRecord(workshop_id=reg.workshop_id, sk=wait_sk(reg.waiting_key or "")),
                  condition=WaitingRecord.sk.exists(), label="waiting")
        tx.update(WorkshopRecord(workshop_id=reg.workshop_id),
                  [WorkshopRecord.waiting_total.add(-1), _attr("waiting", reg.group).add(-1)], label="workshop")


def leave_waiting_list(reg: Registration, writes: Sequence[Write], now: datetime, end_key: str | None = None) -> None:
    """End a waiting registration and remove its list entry (one transaction)."""
    tx = Transaction()
    tx.include([LeaveWaitingList(reg, now, end_key=end_key), *writes])
    tx.commit()


def substitute(workshop: Workshop, original: Registration, replacement: Registration,
               previous: Registration | None, writes: Sequence[Write]) -> None:
    """Hand a confirmed place to ``replacement`` while the workshop is still on (one transaction)."""
    tx = Transaction()
    tx.update(key_of(original), [
        RegistrationRecord.status.set(RegistrationStatus.CANCELLED.value),
        RegistrationRecord.ended_at.set(replacement.created_at),
        RegistrationRecord.end_reason.set(EndReason.SUBSTITUTED.value),
        RegistrationRecord.substituted_by.set(replacement.id)],
        condition=RegistrationRecord.status == RegistrationStatus.CONFIRMED.value, label="replaced")
    tx.check(WorkshopRecord, workshop.id, condition=WorkshopRecord.status.is_in(*ONGOING), label="workshop")
    _guard(tx, workshop.id, replacement.email, replacement.id, previous)
    tx.put(new_record(replacement), condition=RegistrationRecord.sk.does_not_exist(), label="registration")
    tx.include(writes)
    tx.commit()
