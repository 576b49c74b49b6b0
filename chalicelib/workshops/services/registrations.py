"""Registration use cases: register, fill freed places, cancel, leave the waiting list, decline, substitute.

Every change of places is one DynamoDB transaction that also queues the email
it causes. Each transaction is conditioned on the state the decision was made
from (the place counters and waiting counts on the workshop item, the
organisation's count, the registration's status), so concurrent requests can
never overbook, give one place twice or lose one: a transaction whose
conditions no longer hold is cancelled, and the use case reads again and
decides again (a bounded number of times, with jittered backoff).
"""

from __future__ import annotations

import random
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from typing import Any, TypeVar

from pynamodb.exceptions import DoesNotExist, TransactGetError, TransactWriteError
from pynamodb.transactions import TransactGet, TransactWrite

from chalicelib.core.addresses import normalise_address
from chalicelib.core.auth.caller import Caller, Role
from chalicelib.core.dynamo.model import connection
from chalicelib.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from chalicelib.core.observability import count, logger
from chalicelib.mail.domain import OutgoingEmail
from chalicelib.mail.services.email import queue
from chalicelib.workshops import mail as mail
from chalicelib.workshops.domain.rules import (
    Group,
    Placement,
    RegistrationStatus,
    WaitingEntry,
    Workshop,
    WorkshopStatus,
    decide,
    next_to_promote,
)
from chalicelib.workshops.store import registrations as regs
from chalicelib.workshops.store import workshops as store
from chalicelib.workshops.store.registrations import (
    GuardRecord,
    OrgCountRecord,
    RegistrationRecord,
    WaitingRecord,
)
from chalicelib.workshops.store.workshops import WorkshopRecord, attr

MAX_ATTEMPTS = 400
# Inside the function's 25 s timeout and API Gateway's 29 s: past it the client is told to try again (409).
RETRY_BUDGET_SECONDS = 15.0
MAX_BACKOFF_SECONDS = 0.1  # short: a contended join succeeds for one contender per round, so rounds are cheap
T = TypeVar("T")


class AlreadyRegistered(Conflict):
    """The person already has an active registration for this workshop (returned with the 409)."""

    code = "already_registered"

    def __init__(self, record: RegistrationRecord) -> None:
        super().__init__("You are already registered for this workshop.", code="already_registered",
                         field="email")
        self.record = record


@dataclass(frozen=True)
class Registrant:
    """Who is registering."""

    name: str
    email: str
    organisation: str
    group: Group
    job_title: str
    access_needs: str | None = None
    dietary_needs: str | None = None


@dataclass(frozen=True)
class Outcome:
    """A registration after a use case, with the person's waiting-list position if waiting."""

    record: RegistrationRecord
    position: int | None = None
    reason: str | None = None  # why the person waits: full, group_full, org_cap or others_waiting


def groups_for(caller: Caller) -> set[Group]:
    """The attendee groups a caller may register themselves in, from their roles and organisation."""
    groups: set[Group] = set()
    if Role.LA_SOCIAL_WORKER in caller.roles:
        groups.add(Group.LA_SOCIAL_WORKER)
    if caller.has_any((Role.ADCS_PARTNER, Role.ADCS_ADMIN)):
        groups.add(Group.ADCS_PARTNER)
    if caller.organisation in ("CAFCASS", "CAFCASS-CYMRU") and caller.has_any((Role.CAFCASS_ADMIN,
                                                                                 Role.CAFCASS_REVIEWER)):
        groups.add(Group.CAFCASS)
    return groups


def _check_self_registration(caller: Caller, who: Registrant) -> None:
    if caller.is_cafcass_admin:
        return  # admins register anyone, on their behalf
    if not caller.email or normalise_address(caller.email) != normalise_address(who.email):
        raise PermissionDenied("You can only register yourself; ask an admin to register someone else.",
                               code="not_yourself")
    if who.organisation != caller.organisation:
        raise InvalidInput("The organisation must be your own.", code="organisation_mismatch", field="organisation")
    if who.group not in groups_for(caller):
        raise InvalidInput("This group does not match your account.", code="group_mismatch", field="group")


def _retrying(action: Callable[[int], T | None]) -> T:
    """Run ``action(attempt)`` until it returns a value; it returns ``None`` to ask for another attempt."""
    deadline = time.monotonic() + RETRY_BUDGET_SECONDS
    for attempt in range(MAX_ATTEMPTS):
        result = action(attempt)
        if result is not None:
            return result
        count("RegistrationRetry")
        if time.monotonic() >= deadline:
            break
        time.sleep(random.uniform(0, min(MAX_BACKOFF_SECONDS, 0.005 * (2 ** min(attempt, 5)))))
    raise Conflict("The workshop is very busy right now; please try again.", code="try_again")


def _read(workshop_id: str, org: str) -> tuple[Workshop, int]:
    """The workshop and the organisation's places, read together and consistently (one call)."""
    with TransactGet(connection=connection()) as tg:
        w_future = tg.get(WorkshopRecord, workshop_id)
        o_future = tg.get(OrgCountRecord, workshop_id, regs.org_sk(org))
    try:
        workshop = store._to_domain(w_future.get())  # noqa: SLF001 - same package's mapper
    except (DoesNotExist, TransactGetError):
        raise NotFound("No workshop has this id.", code="workshop_not_found", field="workshop_id") from None
    try:
        org_confirmed = int(o_future.get().confirmed)
    except DoesNotExist:
        org_confirmed = 0
    return workshop, org_confirmed


def _check_open(workshop: Workshop, now: datetime) -> None:
    if workshop.status is not WorkshopStatus.PUBLISHED:
        raise Conflict("Registration is not open for this workshop.", code="registration_closed")
    if now < workshop.registration_opens_at:
        raise Conflict("Registration has not opened yet.", code="registration_not_open")
    if now >= workshop.registration_closes_at:
        raise Conflict("Registration has closed.", code="registration_closed")


_last_joined_ns = 0


def _joined_key(registration_id: str) -> str:
    """Orders the waiting list by arrival: the real clock in nanoseconds (never the business ``now``, which
    tests and jobs set), strictly increasing within a process; a retried join gets a new, later key."""
    global _last_joined_ns
    _last_joined_ns = max(time.time_ns(), _last_joined_ns + 1)
    return f"{_last_joined_ns:020d}#{registration_id}"


def _new_record(workshop: Workshop, who: Registrant, caller: Caller, registration_id: str, status: RegistrationStatus,
                now: datetime, joined_key: str | None = None, substitute_for: str | None = None) -> RegistrationRecord:
    return RegistrationRecord(
        workshop_id=workshop.id, sk=regs.reg_sk(registration_id), registration_id=registration_id,
        status=status.value, group=who.group.value, organisation=who.organisation, name=who.name,
        email=who.email.strip(), job_title=who.job_title, access_needs=who.access_needs,
        dietary_needs=who.dietary_needs, person_key=regs.person_key(who.email),
        created_key=f"{now.isoformat()}#{registration_id}", created_at=now, created_by=caller.id,
        on_behalf=caller.id if caller.is_cafcass_admin and normalise_address(caller.email or "") !=
        normalise_address(who.email) else None,
        confirmed_at=now if status is RegistrationStatus.CONFIRMED else None,
        waiting_key=joined_key, waiting_since=now if joined_key else None,
        notified_sequence=workshop.sequence, substitute_for=substitute_for,
    )


def _guard(t: TransactWrite, workshop_id: str, email: str, registration_id: str,
           previous: RegistrationRecord | None) -> None:
    """One active registration per person: a new guard, or taking over the guard of an ended registration."""
    guard = GuardRecord(workshop_id=workshop_id, sk=regs.guard_sk(email), registration_id=registration_id)
    if previous is None:
        t.save(guard, condition=GuardRecord.sk.does_not_exist())
    else:
        t.save(guard, condition=GuardRecord.registration_id == previous.registration_id)
        t.condition_check(RegistrationRecord, workshop_id, range_key=previous.sk,
                          condition=RegistrationRecord.status == previous.status)


def _placement_condition(workshop: Workshop, group: Group, now: datetime) -> Any:
    """On the workshop item: a place of ``group`` is free and nobody eligible for it is waiting."""
    condition = (WorkshopRecord.status == WorkshopStatus.PUBLISHED.value) & \
        (WorkshopRecord.confirmed_total < WorkshopRecord.capacity)
    if workshop.released(now):
        return condition & (WorkshopRecord.waiting_total == 0)
    return condition & (attr("confirmed", group) < attr("alloc", group)) & (attr("waiting", group) == 0)


def _org_place(t: TransactWrite, workshop: Workshop, org: str, delta: int) -> None:
    """Change an organisation's place count; taking a place is conditioned on its cap."""
    record = OrgCountRecord(workshop_id=workshop.id, sk=regs.org_sk(org))
    cap = workshop.places.cap_for(org)
    condition = None
    if delta > 0 and cap is not None:
        condition = OrgCountRecord.confirmed.does_not_exist() | (OrgCountRecord.confirmed <= cap - delta)
    t.update(record, actions=[OrgCountRecord.confirmed.add(delta)], condition=condition)


def _cancelled(exc: TransactWriteError) -> bool:
    return exc.cause_response_code == "TransactionCanceledException"


def register(caller: Caller, workshop_id: str, who: Registrant, now: datetime | None = None) -> Outcome:
    """Register ``who``: a place if one is free and nobody eligible waits for it, else the waiting list.

    One consistent read and one transaction in the usual case.
    """
    _check_self_registration(caller, who)
    now = now or datetime.now(timezone.utc)

    def attempt(n: int) -> Outcome | None:
        workshop, org_confirmed = _read(workshop_id, who.organisation)
        _check_open(workshop, now)
        previous = None
        if n:  # a cancelled attempt may mean the person registered meanwhile (a double submit)
            previous = regs.existing_for(workshop_id, who.email)
            if previous is not None and regs.is_active(previous):
                raise AlreadyRegistered(previous)
        decision = decide(workshop, who.group, who.organisation, org_confirmed, now)
        registration_id = uuid.uuid4().hex
        try:
            if decision.placement is Placement.CONFIRM:
                return _confirm(caller, workshop, who, registration_id, previous, now)
            return _wait(caller, workshop, who, registration_id, previous, decision.reason or "full", now)
        except TransactWriteError as exc:
            if not _cancelled(exc):
                raise
            return None  # the next attempt looks for a registration of this person first

    outcome = _retrying(attempt)
    if outcome.reason in ("org_cap", "others_waiting"):
        # A place may be free but held for people waiting (or out of reach of this organisation): fill it from
        # the list in order, which may well be this person.
        fill_freed_places(outcome.record.workshop_id, now)
        refreshed = regs.get(workshop_id, outcome.record.registration_id)
        if refreshed.status == RegistrationStatus.CONFIRMED.value:
            return Outcome(refreshed)
    return outcome


def _confirm(caller: Caller, workshop: Workshop, who: Registrant, registration_id: str,
             previous: RegistrationRecord | None, now: datetime) -> Outcome:
    record = _new_record(workshop, who, caller, registration_id, RegistrationStatus.CONFIRMED, now)
    with TransactWrite(connection=connection()) as t:
        t.update(WorkshopRecord(workshop_id=workshop.id),
                 actions=[WorkshopRecord.confirmed_total.add(1), attr("confirmed", who.group).add(1)],
                 condition=_placement_condition(workshop, who.group, now))
        _org_place(t, workshop, who.organisation, +1)
        _guard(t, workshop.id, who.email, registration_id, previous)
        t.save(record, condition=RegistrationRecord.sk.does_not_exist())
        queue([mail.confirmation(workshop, who.email, who.name)], t, now)
    count("RegistrationConfirmed")
    logger.info("registration confirmed", extra={"workshop_id": workshop.id, "registration_id": registration_id,
                                                 "group": who.group.value})
    return Outcome(record)


def _wait_condition(workshop: Workshop, group: Group, reason: str, now: datetime) -> Any:
    """On the workshop item: the reason to wait still holds when the join is written (so nobody joins the
    list while a place they could take is free). Joins do not condition on each other: that would make
    every simultaneous join to a group's list retry, and nothing needs it (order is by arrival time)."""
    condition = WorkshopRecord.status == WorkshopStatus.PUBLISHED.value
    if reason == "full":
        return condition & (WorkshopRecord.confirmed_total >= WorkshopRecord.capacity)
    if reason == "group_full":
        return condition & (attr("confirmed", group) >= attr("alloc", group))
    if reason == "others_waiting":
        return condition & ((WorkshopRecord.waiting_total > 0) if workshop.released(now)
                            else (attr("waiting", group) > 0))
    return condition  # org_cap: checked on the organisation's item


def _wait(caller: Caller, workshop: Workshop, who: Registrant, registration_id: str,
          previous: RegistrationRecord | None, reason: str, now: datetime) -> Outcome:
    joined = _joined_key(registration_id)
    # The position when joining, as read: exact unless several people join this group's list at the same
    # instant (then two may be told the same number). GET on the registration always gives the exact one.
    position = workshop.waiting.get(who.group, 0) + 1
    record = _new_record(workshop, who, caller, registration_id, RegistrationStatus.WAITING, now, joined_key=joined)
    with TransactWrite(connection=connection()) as t:
        t.update(WorkshopRecord(workshop_id=workshop.id),
                 actions=[WorkshopRecord.waiting_total.add(1), attr("waiting", who.group).add(1)],
                 condition=_wait_condition(workshop, who.group, reason, now))
        cap = workshop.places.cap_for(who.organisation)
        if reason == "org_cap" and cap is not None:
            t.condition_check(OrgCountRecord, workshop.id, range_key=regs.org_sk(who.organisation),
                              condition=OrgCountRecord.confirmed >= cap)
        _guard(t, workshop.id, who.email, registration_id, previous)
        t.save(record, condition=RegistrationRecord.sk.does_not_exist())
        t.save(WaitingRecord(workshop_id=workshop.id, sk=regs.wait_sk(joined), registration_id=registration_id,
                             group=who.group.value, organisation=who.organisation))
        queue([mail.waiting(workshop, who.email, who.name, position)], t, now)
    count("RegistrationWaiting")
    logger.info("registration waiting", extra={"workshop_id": workshop.id, "registration_id": registration_id,
                                               "group": who.group.value, "reason": reason, "position": position})
    return Outcome(record, position=position, reason=reason)


def _promote_into(t: TransactWrite, workshop: Workshop, entry: WaitingEntry, record: RegistrationRecord,
                  now: datetime) -> OutgoingEmail:
    """Add to ``t`` the promotion of ``entry`` (the caller adds the counter changes)."""
    t.update(RegistrationRecord(workshop_id=workshop.id, sk=regs.reg_sk(entry.registration_id)),
             actions=[RegistrationRecord.status.set(RegistrationStatus.CONFIRMED.value),
                      RegistrationRecord.confirmed_at.set(now), RegistrationRecord.waiting_until.set(now),
                      RegistrationRecord.waiting_key.remove(),
                      RegistrationRecord.notified_sequence.set(workshop.sequence)],
             condition=RegistrationRecord.status == RegistrationStatus.WAITING.value)
    t.delete(WaitingRecord(workshop_id=workshop.id, sk=regs.wait_sk(entry.joined_key)),
             condition=WaitingRecord.sk.exists())
    return mail.promoted(workshop, record.email, record.name, entry.registration_id)


def _counter_actions(deltas: dict[str, int]) -> list[Any]:
    return [getattr(WorkshopRecord, name).add(delta) for name, delta in deltas.items() if delta]


def _exact(workshop: Workshop) -> Any:
    """The workshop's place and waiting counts are still the ones the decision was made from."""
    return (WorkshopRecord.confirmed_total == workshop.confirmed_total) & \
        (WorkshopRecord.waiting_total == workshop.waiting_total)


def fill_freed_places(workshop_id: str, now: datetime | None = None, limit: int = 100) -> int:
    """Give free places to the first eligible people waiting, one transaction each. Returns how many."""
    now = now or datetime.now(timezone.utc)
    promoted = 0
    for _ in range(limit):
        def attempt(n: int) -> bool | None:
            workshop = store.get(workshop_id, consistent=True)
            if workshop.status not in (WorkshopStatus.PUBLISHED, WorkshopStatus.CLOSED) or now >= workshop.starts_at:
                return False
            waiting = regs.waiting_list(workshop_id)
            entry = next_to_promote(workshop, waiting, regs.org_counts(workshop_id), now)
            if entry is None:
                return False
            record = regs.get(workshop_id, entry.registration_id)
            try:
                with TransactWrite(connection=connection()) as t:
                    email = _promote_into(t, workshop, entry, record, now)
                    t.update(WorkshopRecord(workshop_id=workshop_id), actions=_counter_actions({
                        "confirmed_total": 1, f"confirmed_{store.GROUP_KEY[entry.group]}": 1,
                        "waiting_total": -1, f"waiting_{store.GROUP_KEY[entry.group]}": -1}),
                        condition=_exact(workshop))
                    _org_place(t, workshop, entry.organisation, +1)
                    queue([email], t, now)
            except TransactWriteError as exc:
                if not _cancelled(exc):
                    raise
                return None
            count("RegistrationPromoted")
            logger.info("promoted from waiting list", extra={"workshop_id": workshop_id,
                                                              "registration_id": entry.registration_id})
            return True

        if not _retrying(attempt):
            break
        promoted += 1
    return promoted


def _authorise_person(caller: Caller, record: RegistrationRecord) -> None:
    """The registered person themselves, or a Cafcass admin."""
    if caller.is_cafcass_admin:
        return
    if not caller.email or normalise_address(caller.email) != normalise_address(record.email):
        raise NotFound("No registration has this id.", code="registration_not_found", field="registration_id")


def get_registration(caller: Caller, workshop_id: str, registration_id: str) -> Outcome:
    """One registration, for its person or an admin, with the waiting-list position if waiting."""
    record = regs.get(workshop_id, registration_id)
    _authorise_person(caller, record)
    position = None
    if record.status == RegistrationStatus.WAITING.value:
        from chalicelib.workshops.domain.rules import position as position_in

        position = position_in(regs.waiting_list(workshop_id), registration_id)
    return Outcome(record, position)


def cancel(caller: Caller, workshop_id: str, registration_id: str, now: datetime | None = None,
           reason: str = "cancelled") -> Outcome:
    """Cancel a place (its freed place goes to the first eligible person waiting, in the same transaction)
    or leave the waiting list. People may cancel until the deadline; admins at any time."""
    now = now or datetime.now(timezone.utc)
    record = regs.get(workshop_id, registration_id)
    _authorise_person(caller, record)
    workshop = store.get(workshop_id)
    if not caller.is_cafcass_admin and reason == "cancelled" and now >= workshop.cancellation_deadline:
        raise Conflict("The deadline for cancelling has passed; contact the organisers.",
                       code="cancellation_deadline_passed")
    return _end(workshop_id, registration_id, reason, now)


def decline(workshop_id: str, registration_id: str, token: str, now: datetime | None = None) -> Outcome:
    """A promoted person gives the place back through the signed link in their email."""
    from chalicelib.core import links

    data = links.read_token(token, mail.DECLINE_PURPOSE)
    if data.get("w") != workshop_id or data.get("r") != registration_id:
        raise links.InvalidLink("This link is not for this registration.", field="token")
    return _end(workshop_id, registration_id, "declined", now or datetime.now(timezone.utc))


def _end(workshop_id: str, registration_id: str, reason: str, now: datetime) -> Outcome:
    def attempt(n: int) -> Outcome | None:
        record = regs.get(workshop_id, registration_id)
        if record.status == RegistrationStatus.WAITING.value:
            return _leave_waiting_list(record, now)
        if record.status != RegistrationStatus.CONFIRMED.value:
            raise Conflict("This registration is no longer active.", code="registration_not_active")
        workshop = store.get(workshop_id, consistent=True)
        if now >= workshop.ends_at:
            raise Conflict("The workshop has finished.", code="workshop_finished")
        group = Group(record.group)
        after = replace(workshop, confirmed={**workshop.confirmed, group: workshop.confirmed[group] - 1})
        orgs = regs.org_counts(workshop_id)
        orgs[record.organisation] = orgs.get(record.organisation, 0) - 1
        entry = None
        if now < workshop.starts_at and workshop.status in (WorkshopStatus.PUBLISHED, WorkshopStatus.CLOSED):
            entry = next_to_promote(after, regs.waiting_list(workshop_id), orgs, now)
        deltas = {"confirmed_total": -1, f"confirmed_{store.GROUP_KEY[group]}": -1}
        org_deltas = {record.organisation: -1}
        try:
            with TransactWrite(connection=connection()) as t:
                t.update(RegistrationRecord(workshop_id=workshop_id, sk=record.sk), actions=[
                    RegistrationRecord.status.set(RegistrationStatus.CANCELLED.value),
                    RegistrationRecord.ended_at.set(now), RegistrationRecord.end_reason.set(reason)],
                    condition=RegistrationRecord.status == RegistrationStatus.CONFIRMED.value)
                messages = [mail.place_cancelled(workshop, record.email, record.name, reason)]
                if entry is not None:
                    promoted = regs.get(workshop_id, entry.registration_id)
                    messages.append(_promote_into(t, workshop, entry, promoted, now))
                    key = store.GROUP_KEY[entry.group]
                    deltas["confirmed_total"] += 1
                    deltas[f"confirmed_{key}"] = deltas.get(f"confirmed_{key}", 0) + 1
                    deltas["waiting_total"] = -1
                    deltas[f"waiting_{key}"] = -1
                    org_deltas[entry.organisation] = org_deltas.get(entry.organisation, 0) + 1
                t.update(WorkshopRecord(workshop_id=workshop_id), actions=_counter_actions(deltas),
                         condition=_exact(workshop))
                for org, delta in org_deltas.items():
                    if delta:
                        _org_place(t, workshop, org, delta)
                queue(messages, t, now)
        except TransactWriteError as exc:
            if not _cancelled(exc):
                raise
            return None
        count("RegistrationCancelled")
        logger.info("registration cancelled", extra={"workshop_id": workshop_id, "registration_id": registration_id,
                                                     "reason": reason, "promoted": entry is not None})
        return Outcome(regs.get(workshop_id, registration_id))

    return _retrying(attempt)


def _leave_waiting_list(record: RegistrationRecord, now: datetime) -> Outcome | None:
    workshop = store.get(record.workshop_id)
    group = Group(record.group)
    try:
        with TransactWrite(connection=connection()) as t:
            t.update(RegistrationRecord(workshop_id=record.workshop_id, sk=record.sk), actions=[
                RegistrationRecord.status.set(RegistrationStatus.LEFT_WAITING_LIST.value),
                RegistrationRecord.ended_at.set(now), RegistrationRecord.waiting_until.set(now),
                RegistrationRecord.waiting_key.remove(), RegistrationRecord.end_reason.set("left_waiting_list")],
                condition=RegistrationRecord.status == RegistrationStatus.WAITING.value)
            t.delete(WaitingRecord(workshop_id=record.workshop_id, sk=regs.wait_sk(record.waiting_key or "")),
                     condition=WaitingRecord.sk.exists())
            t.update(WorkshopRecord(workshop_id=record.workshop_id), actions=[
                WorkshopRecord.waiting_total.add(-1), attr("waiting", group).add(-1)])
            queue([mail.left_waiting_list(workshop, record.email, record.name)], t, now)
    except TransactWriteError as exc:
        if not _cancelled(exc):
            raise
        return None
    count("RegistrationLeftWaitingList")
    # Fewer people ahead can unblock newcomers; free places (if any) go to whoever is next.
    fill_freed_places(record.workshop_id, now)
    return Outcome(regs.get(record.workshop_id, record.registration_id))


def substitute(caller: Caller, workshop_id: str, registration_id: str, colleague: Registrant,
               now: datetime | None = None) -> Outcome:
    """Hand a confirmed place to a colleague from the same organisation, before the workshop starts."""
    now = now or datetime.now(timezone.utc)
    record = regs.get(workshop_id, registration_id)
    _authorise_person(caller, record)
    if record.status != RegistrationStatus.CONFIRMED.value:
        raise Conflict("Only a confirmed place can be handed on.", code="registration_not_confirmed")
    if colleague.organisation != record.organisation:
        raise InvalidInput("The colleague must be from the same organisation.", code="organisation_mismatch",
                           field="organisation")
    if colleague.group.value != record.group:
        raise InvalidInput("The colleague takes the place in the same group.", code="group_mismatch", field="group")
    if normalise_address(colleague.email) == normalise_address(record.email):
        raise InvalidInput("The colleague must be someone else.", code="same_person", field="email")
    workshop = store.get(workshop_id)
    if now >= workshop.starts_at or workshop.status not in (WorkshopStatus.PUBLISHED, WorkshopStatus.CLOSED):
        raise Conflict("Places can only be handed on before the workshop starts.", code="too_late_to_substitute")
    previous = regs.existing_for(workshop_id, colleague.email)
    if previous is not None and regs.is_active(previous):
        raise AlreadyRegistered(previous)
    new_id = uuid.uuid4().hex
    new_record = _new_record(workshop, colleague, caller, new_id, RegistrationStatus.CONFIRMED, now,
                             substitute_for=registration_id)
    try:
        with TransactWrite(connection=connection()) as t:
            t.update(RegistrationRecord(workshop_id=workshop_id, sk=record.sk), actions=[
                RegistrationRecord.status.set(RegistrationStatus.CANCELLED.value),
                RegistrationRecord.ended_at.set(now), RegistrationRecord.end_reason.set("substituted"),
                RegistrationRecord.substituted_by.set(new_id)],
                condition=RegistrationRecord.status == RegistrationStatus.CONFIRMED.value)
            t.condition_check(WorkshopRecord, workshop_id, condition=WorkshopRecord.status.is_in(
                WorkshopStatus.PUBLISHED.value, WorkshopStatus.CLOSED.value))
            _guard(t, workshop_id, colleague.email, new_id, previous)
            t.save(new_record, condition=RegistrationRecord.sk.does_not_exist())
            queue([mail.confirmation(workshop, colleague.email, colleague.name),
                   mail.place_cancelled(workshop, record.email, record.name, "substituted")], t, now)
    except TransactWriteError as exc:
        if not _cancelled(exc):
            raise
        raise Conflict("The registration changed meanwhile; read it again.", code="edit_conflict") from None
    count("RegistrationSubstituted")
    logger.info("place handed on", extra={"workshop_id": workshop_id, "registration_id": registration_id,
                                          "substitute_id": new_id})
    return Outcome(new_record)
