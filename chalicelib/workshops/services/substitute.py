"""Handing a confirmed place to a colleague from the same organisation and group, before the start.

The colleague's address must be at one of the email domains the directory records for the place's organisation
(where it records none, at the domain of the person handing the place on); a Cafcass admin may waive that with
``override_domain_check``, which is recorded on the new registration and logged (ids only). A place passes along
one chain of substitutions at most ``MAX_HAND_ONS`` times, except by an admin.
"""

from __future__ import annotations

from datetime import datetime

from chalicelib.core.addresses import normalise_address
from chalicelib.core.auth.caller import Caller, Role
from chalicelib.core.dynamo.transactions import ConditionFailed
from chalicelib.core.errors import Conflict, InvalidInput
from chalicelib.core.ids import new_id
from chalicelib.core.observability import count, logger
from chalicelib.core.time import utcnow
from chalicelib.directory import service as directory
from chalicelib.mail.services.queue import queued
from chalicelib.workshops import mail
from chalicelib.workshops.domain.errors import AlreadyRegistered, ChangedMeanwhile, NotConfirmed
from chalicelib.workshops.domain.registrations import (
    MAX_HAND_ONS,
    Colleague,
    ColleagueNotInOrganisation,
    HandOnLimitReached,
    Outcome,
    Registrant,
    check_hand_on,
    colleague_domain_allowed,
    new_registration,
)
from chalicelib.workshops.domain.rules import EndReason, RegistrationStatus, WorkshopStatus
from chalicelib.workshops.services import access
from chalicelib.workshops.store import placement
from chalicelib.workshops.store import registrations as regs
from chalicelib.workshops.store import workshops as store

__all__ = ["MAX_HAND_ONS", "AlreadyRegistered", "Colleague", "ColleagueNotInOrganisation", "HandOnLimitReached",
           "substitute"]

ONGOING = (WorkshopStatus.PUBLISHED, WorkshopStatus.CLOSED)


def substitute(caller: Caller, workshop_id: str, registration_id: str, colleague: Colleague,
               now: datetime | None = None) -> Outcome:
    """The person themselves (or an admin) hands the place on; the colleague gets the invitation, the
    original attendee a cancellation, in one transaction."""
    now = now or utcnow()
    if colleague.override_domain_check:
        caller.require_any(Role.CAFCASS_ADMIN)
    original = access.check_person(caller, regs.get(workshop_id, registration_id))
    if original.status is not RegistrationStatus.CONFIRMED:
        if original.substituted_by is not None:
            done = regs.find(workshop_id, original.substituted_by)
            if done is not None and normalise_address(done.email) == normalise_address(colleague.email):
                return Outcome(done)  # handed to this colleague already (a resent request): the same answer
        raise NotConfirmed("Only a confirmed place can be handed on.")
    if normalise_address(colleague.email) == normalise_address(original.email):
        raise InvalidInput("The colleague must be someone else.", code="same_person", field="email")
    hand_ons = check_hand_on(original, by_admin=caller.is_cafcass_admin)
    workshop = store.get(workshop_id)
    if now >= workshop.starts_at or workshop.status not in ONGOING:
        raise Conflict("Places can only be handed on before the workshop starts.", code="too_late_to_substitute")
    overridden = False
    if not colleague_domain_allowed(colleague.email, directory.email_domains(original.organisation), original.email):
        if not colleague.override_domain_check:
            raise ColleagueNotInOrganisation()
        overridden = True
    previous = regs.existing_for(workshop_id, colleague.email)
    if previous is not None and previous.active:
        raise AlreadyRegistered(previous)
    who = Registrant(name=colleague.name, email=colleague.email, organisation=original.organisation,
                     group=original.group, job_title=colleague.job_title, access_needs=colleague.access_needs,
                     dietary_needs=colleague.dietary_needs)
    replacement = new_registration(workshop, who, new_id(), RegistrationStatus.CONFIRMED, caller.id,
                                   access.on_behalf(caller, who), now, substitute_for=registration_id,
                                   owner=access.owner_for(caller, who), hand_ons=hand_ons,
                                   domain_override_by=caller.id if overridden else None)
    messages = [mail.confirmation(workshop, who.email, who.name),
                mail.place_cancelled(workshop, original.email, original.name, EndReason.SUBSTITUTED)]
    try:
        placement.substitute(workshop, original, replacement, previous, queued(messages, now))
    except ConditionFailed:
        raise ChangedMeanwhile() from None
    count("RegistrationSubstituted")
    if overridden:
        count("SubstitutionDomainOverridden")
        logger.warning("colleague domain check overridden by an admin", extra={
            "workshop_id": workshop_id, "registration_id": registration_id, "substitute_id": replacement.id,
            "admin_id": caller.id, "organisation": original.organisation})
    logger.info("place handed on", extra={"workshop_id": workshop_id, "registration_id": registration_id,
                                          "substitute_id": replacement.id})
    return Outcome(replacement)
