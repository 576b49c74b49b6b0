"""Handing a confirmed place to a colleague from the same organisation and group, before the start."""

from __future__ import annotations

from datetime import datetime

from chalicelib.core.addresses import normalise_address
from chalicelib.core.auth.caller import Caller
from chalicelib.core.dynamo.transactions import ConditionFailed
from chalicelib.core.errors import Conflict, InvalidInput
from chalicelib.core.ids import new_id
from chalicelib.core.observability import count, logger
from chalicelib.core.time import utcnow
from chalicelib.mail.services.queue import queued
from chalicelib.workshops import mail
from chalicelib.workshops.domain.errors import AlreadyRegistered, ChangedMeanwhile, NotConfirmed
from chalicelib.workshops.domain.registrations import Colleague, Outcome, Registrant, new_registration
from chalicelib.workshops.domain.rules import EndReason, RegistrationStatus, WorkshopStatus
from chalicelib.workshops.services import access
from chalicelib.workshops.store import placement
from chalicelib.workshops.store import registrations as regs
from chalicelib.workshops.store import workshops as store

__all__ = ["AlreadyRegistered", "Colleague", "substitute"]

ONGOING = (WorkshopStatus.PUBLISHED, WorkshopStatus.CLOSED)


def substitute(caller: Caller, workshop_id: str, registration_id: str, colleague: Colleague,
               now: datetime | None = None) -> Outcome:
    """The person themselves (or an admin) hands the place on; the colleague gets the invitation, the
    original attendee a cancellation, in one transaction."""
    now = now or utcnow()
    original = access.check_person(caller, regs.get(workshop_id, registration_id))
    if original.status is not RegistrationStatus.CONFIRMED:
        raise NotConfirmed("Only a confirmed place can be handed on.")
    if normalise_address(colleague.email) == normalise_address(original.email):
        raise InvalidInput("The colleague must be someone else.", code="same_person", field="email")
    workshop = store.get(workshop_id)
    if now >= workshop.starts_at or workshop.status not in ONGOING:
        raise Conflict("Places can only be handed on before the workshop starts.", code="too_late_to_substitute")
    previous = regs.existing_for(workshop_id, colleague.email)
    if previous is not None and previous.active:
        raise AlreadyRegistered(previous)
    who = Registrant(name=colleague.name, email=colleague.email, organisation=original.organisation,
                     group=original.group, job_title=colleague.job_title, access_needs=colleague.access_needs,
                     dietary_needs=colleague.dietary_needs)
    replacement = new_registration(workshop, who, new_id(), RegistrationStatus.CONFIRMED, caller.id,
                                   access.on_behalf(caller, who), now, substitute_for=registration_id,
                                   owner=access.owner_for(caller, who))
    messages = [mail.confirmation(workshop, who.email, who.name),
                mail.place_cancelled(workshop, original.email, original.name, EndReason.SUBSTITUTED)]
    try:
        placement.substitute(workshop, original, replacement, previous, queued(messages, now))
    except ConditionFailed:
        raise ChangedMeanwhile() from None
    count("RegistrationSubstituted")
    logger.info("place handed on", extra={"workshop_id": workshop_id, "registration_id": registration_id,
                                          "substitute_id": replacement.id})
    return Outcome(replacement)
