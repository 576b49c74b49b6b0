"""Registering for a workshop: a place if one is free and nobody eligible waits for it, else the list.

One consistent read and one transaction in the usual case. The transaction is conditioned on the
state the decision was made from; when it is refused, the use case reads and decides again.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from chalicelib.core.auth.caller import Caller
from chalicelib.core.dynamo.transactions import ConditionFailed
from chalicelib.core.ids import derived_id, new_id
from chalicelib.core.observability import count, logger
from chalicelib.core.time import utcnow
from chalicelib.directory import service as directory
from chalicelib.mail.services.queue import queued
from chalicelib.workshops import mail
from chalicelib.workshops.domain.errors import AlreadyRegistered, Busy, UnknownOrganisation
from chalicelib.workshops.domain.registrations import (
    ArrivalClock,
    Outcome,
    Registrant,
    Registration,
    new_registration,
)
from chalicelib.workshops.domain.rules import (
    Placement,
    RegistrationStatus,
    WaitReason,
    check_registration_open,
    decide,
)
from chalicelib.workshops.domain.rules import position as position_in
from chalicelib.workshops.services import access
from chalicelib.workshops.services.contention import keep_trying
from chalicelib.workshops.services.promote import fill_freed_places
from chalicelib.workshops.store import placement
from chalicelib.workshops.store import registrations as regs

__all__ = ["AlreadyRegistered", "Outcome", "Registrant", "register"]

ARRIVALS = ArrivalClock()  # the process's arrival order; tests inject their own


class _Done(Exception):
    """An earlier try of this request had registered: stop trying and answer with it."""

    def __init__(self, outcome: Outcome) -> None:
        super().__init__("registered by an earlier try")
        self.outcome = outcome


def _written(write: Callable[[], None]) -> None:
    """Run a placement transaction; an organisation missing from the directory is the caller's error (422),
    any other refused condition means the state changed (read and decide again)."""
    try:
        write()
    except ConditionFailed as refused:
        if "organisation" in refused.failed:  # definitive, whatever else changed meanwhile
            raise UnknownOrganisation() from None
        raise


def registration_id_for(caller: Caller, workshop_id: str, idempotency_key: str | None) -> str:
    """The id this request writes its registration under: fixed for the whole request (so a try whose answer
    was lost is recognised as this request's own), and derived from the client's ``Idempotency-Key`` when it
    sends one (so a client's retry finds the registration the first request made)."""
    if idempotency_key is None:
        return new_id()
    return derived_id(caller.id, workshop_id, idempotency_key)


def _as_it_stands(reg: Registration) -> Outcome:
    """This request's registration, written by an earlier try or request: the answer it should have had."""
    position = position_in(regs.waiting_list(reg.workshop_id), reg.id) \
        if reg.status is RegistrationStatus.WAITING else None
    return Outcome(reg, position=position)


def register(caller: Caller, workshop_id: str, who: Registrant, now: datetime | None = None,
             arrivals: ArrivalClock = ARRIVALS, idempotency_key: str | None = None) -> Outcome:
    """Register ``who`` (see the module docstring); ``AlreadyRegistered`` for a second active registration.

    The answer is definitive and the same on a retry: a try that committed although its answer was lost (a
    botocore retry, this use case's own retry, or a client resending with the same ``Idempotency-Key``)
    answers with the registration it made; ``Busy`` only when nothing was written."""
    access.check_registration(caller, who)
    now = now or utcnow()
    registration_id = registration_id_for(caller, workshop_id, idempotency_key)
    if idempotency_key is not None:
        earlier = regs.find(workshop_id, registration_id)
        if earlier is not None:
            return _as_it_stands(earlier)
    behalf = access.on_behalf(caller, who)
    owner = access.owner_for(caller, who)
    organisation = directory.must_exist(who.organisation)

    def attempt(n: int) -> Outcome:
        workshop, org_confirmed = placement.read(workshop_id, who.organisation)
        check_registration_open(workshop, now)
        previous = None
        if n:  # a refused attempt may mean the person registered meanwhile (a double submit), or that our own
            previous = regs.existing_for(workshop_id, who.email)  # earlier try committed and its answer was lost
            if previous is not None and previous.id == registration_id:
                raise _Done(_as_it_stands(previous))
            if previous is not None and previous.active:
                raise AlreadyRegistered(previous)
        decision = decide(workshop, who.group, who.organisation, org_confirmed, now)
        if decision.placement is Placement.CONFIRM:
            reg = new_registration(workshop, who, registration_id, RegistrationStatus.CONFIRMED, caller.id, behalf,
                                   now, owner=owner)
            _written(lambda: placement.confirm(workshop, reg, previous, [
                organisation, *queued([mail.confirmation(workshop, who.email, who.name)], now)], now))
            count("RegistrationConfirmed")
            logger.info("registration confirmed", extra={"workshop_id": workshop_id,
                                                         "registration_id": registration_id, "group": who.group.value})
            return Outcome(reg)
        reason = decision.reason or WaitReason.FULL
        # The position when joining, as read: exact unless several people join this group's list at the same
        # instant (then two may be told the same number). GET on the registration always gives the exact one.
        position = workshop.waiting.get(who.group, 0) + 1
        reg = new_registration(workshop, who, registration_id, RegistrationStatus.WAITING, caller.id, behalf, now,
                               waiting_key=arrivals.key(registration_id), owner=owner)
        _written(lambda: placement.wait(workshop, reg, reason, previous, [
            organisation, *queued([mail.waiting(workshop, who.email, who.name, position)], now)], now))
        count("RegistrationWaiting")
        logger.info("registration waiting", extra={"workshop_id": workshop_id, "registration_id": registration_id,
                                                   "group": who.group.value, "reason": reason.value,
                                                   "position": position})
        return Outcome(reg, position=position, reason=reason)

    try:
        outcome = keep_trying(attempt)
    except _Done as done:
        return done.outcome
    except Busy:
        mine = regs.find(workshop_id, registration_id)  # written after all (an answer lost on the last try)
        if mine is None:
            raise
        return _as_it_stands(mine)
    if outcome.reason in (WaitReason.ORG_CAP, WaitReason.OTHERS_WAITING):
        # A place may be free but held for people waiting (or out of reach of this organisation): fill it from
        # the list in order, which may well be this person.
        fill_freed_places(workshop_id, now)
        refreshed = regs.get(workshop_id, outcome.registration.id)
        if refreshed.status is RegistrationStatus.CONFIRMED:
            return Outcome(refreshed)
    return outcome


