"""Ending a registration: cancelling a place (its place goes to the next person waiting, in the same
transaction), leaving the waiting list, or declining a promotion through the signed link."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from chalicelib.core import links
from chalicelib.core.auth.caller import Caller
from chalicelib.core.errors import Conflict
from chalicelib.core.ids import derived_id
from chalicelib.core.observability import count, logger
from chalicelib.core.time import utcnow
from chalicelib.mail.services.queue import queued
from chalicelib.workshops import mail
from chalicelib.workshops.domain.registrations import Outcome, Registration
from chalicelib.workshops.domain.rules import (
    EndReason,
    RegistrationStatus,
    Workshop,
    WorkshopStatus,
    next_to_promote,
)
from chalicelib.workshops.services import access
from chalicelib.workshops.services.contention import keep_trying
from chalicelib.workshops.services.promote import fill_freed_places
from chalicelib.workshops.store import placement
from chalicelib.workshops.store import registrations as regs
from chalicelib.workshops.store import workshops as store

ONGOING = (WorkshopStatus.PUBLISHED, WorkshopStatus.CLOSED)


class DeadlinePassed(Conflict):
    """People cannot give a place back (by cancelling or through a decline link) after the deadline."""

    code = "cancellation_deadline_passed"

    def __init__(self) -> None:
        super().__init__("The deadline for cancelling has passed; contact the organisers.")


def cancel(caller: Caller, workshop_id: str, registration_id: str, now: datetime | None = None,
           reason: EndReason = EndReason.CANCELLED, idempotency_key: str | None = None) -> Outcome:
    """Cancel a place or leave the waiting list: people until the deadline, admins at any time. A request
    resent with the same ``Idempotency-Key`` answers with the cancellation the first one made."""
    now = now or utcnow()
    reg = access.check_person(caller, regs.get(workshop_id, registration_id))
    end_key = None
    if idempotency_key is not None:
        end_key = derived_id(caller.id, registration_id, idempotency_key)
        if reg.end_key == end_key:
            return Outcome(reg)
    workshop = store.get(workshop_id)
    if not caller.is_cafcass_admin and reason is EndReason.CANCELLED and now >= workshop.cancellation_deadline:
        raise DeadlinePassed()
    return _end(workshop_id, registration_id, reason, now, end_key)


def decline(workshop_id: str, registration_id: str, token: str, now: datetime | None = None) -> Outcome:
    """A promoted person gives the place back through the signed link in their email (the JSON route)."""
    if _read_decline_link(token, now)[:2] != (workshop_id, registration_id):
        raise links.InvalidLink("This link is not for this registration.", field="token")
    return decline_by_link(token, now)


def decline_offer(token: str, now: datetime | None = None) -> str:
    """Check a decline link without acting on it (what the link's page shows): the workshop's title."""
    return _declinable(token, now or utcnow())[0].title


def decline_by_link(token: str, now: datetime | None = None) -> Outcome:
    """Decline the promotion a link was sent for: within ``DECLINE_LINK_DAYS`` of the email, before the
    cancellation deadline (as for a person's own cancellation), and only for that promotion."""
    now = now or utcnow()
    workshop_id, registration_id, promotion = _read_decline_link(token, now)
    reg = regs.get(workshop_id, registration_id)
    if reg.status is RegistrationStatus.CANCELLED and reg.end_reason is EndReason.DECLINED and \
            reg.confirmed_at is not None and mail.promotion_stamp(reg.confirmed_at) == promotion:
        return Outcome(reg)  # declined already with this very link (a resent click): the same answer
    workshop, registration_id = _declinable(token, now)
    return _end(workshop.id, registration_id, EndReason.DECLINED, now)


def _declinable(token: str, now: datetime) -> tuple[Workshop, str]:
    workshop_id, registration_id, promotion = _read_decline_link(token, now)
    reg = regs.get(workshop_id, registration_id)
    if reg.status is RegistrationStatus.WAITING or (reg.status is RegistrationStatus.CONFIRMED and (
            reg.confirmed_at is None or mail.promotion_stamp(reg.confirmed_at) != promotion)):
        raise links.InvalidLink("This link is from an earlier offer of a place.", field="token")
    if reg.status is not RegistrationStatus.CONFIRMED:
        raise Conflict("This registration is no longer active.", code="registration_not_active")
    workshop = store.get(workshop_id)
    if now >= workshop.cancellation_deadline:
        raise DeadlinePassed()
    return workshop, registration_id


def _read_decline_link(token: str, now: datetime | None) -> tuple[str, str, int]:
    data = links.read_token(token, mail.DECLINE_PURPOSE, max_age_seconds=mail.DECLINE_LINK_DAYS * 86400,
                            now=(now or utcnow()).timestamp())
    workshop_id, registration_id, promotion = data.get("w"), data.get("r"), data.get("c")
    if not isinstance(workshop_id, str) or not isinstance(registration_id, str) or not isinstance(promotion, int):
        raise links.InvalidLink("This link is not valid.", field="token")
    return workshop_id, registration_id, promotion


def _end(workshop_id: str, registration_id: str, reason: EndReason, now: datetime,
         end_key: str | None = None) -> Outcome:
    def attempt(n: int) -> Outcome:
        reg = regs.get(workshop_id, registration_id)
        if reg.ended_at == now and reg.status in (RegistrationStatus.CANCELLED, RegistrationStatus.LEFT_WAITING_LIST):
            return Outcome(reg)  # ended by an earlier try of this very request, whose answer was lost
        if reg.status is RegistrationStatus.WAITING:
            return _leave_waiting_list(reg, now, end_key)
        if reg.status is not RegistrationStatus.CONFIRMED:
            raise Conflict("This registration is no longer active.", code="registration_not_active")
        workshop = store.get(workshop_id, consistent=True)
        if now >= workshop.ends_at:
            raise Conflict("The workshop has finished.", code="workshop_finished")
        entry = None
        if now < workshop.starts_at and workshop.status in ONGOING:
            # Who gets the place: decided on the state after this cancellation.
            after = replace(workshop, confirmed={**workshop.confirmed,
                                                 reg.group: workshop.confirmed[reg.group] - 1})
            orgs = regs.org_counts(workshop_id)
            orgs[reg.organisation] = orgs.get(reg.organisation, 0) - 1
            entry = next_to_promote(after, regs.waiting_list(workshop_id), orgs, now)
        messages = [mail.place_cancelled(workshop, reg.email, reg.name, reason)]
        if entry is not None:
            promoted = regs.get(workshop_id, entry.registration_id)
            messages.append(mail.promoted(workshop, promoted.email, promoted.name, entry.registration_id, now))
        placement.cancel(workshop, reg, reason, entry, queued(messages, now), now, end_key)
        count("RegistrationCancelled")
        logger.info("registration cancelled", extra={"workshop_id": workshop_id, "registration_id": registration_id,
                                                     "reason": reason.value, "promoted": entry is not None})
        return Outcome(regs.get(workshop_id, registration_id))

    return keep_trying(attempt)


def _leave_waiting_list(reg: Registration, now: datetime, end_key: str | None = None) -> Outcome:
    workshop = store.get(reg.workshop_id)
    placement.leave_waiting_list(reg, queued([mail.left_waiting_list(workshop, reg.email, reg.name)], now), now,
                                 end_key)
    count("RegistrationLeftWaitingList")
    # Fewer people ahead can unblock newcomers; free places (if any) go to whoever is next.
    fill_freed_places(reg.workshop_id, now)
    return Outcome(regs.get(reg.workshop_id, reg.id))
