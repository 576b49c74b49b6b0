"""Attendance (recorded by admins per session) and the one feedback response each attendee may give."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from chalicelib.core import links
from chalicelib.core.auth.caller import Caller, Role
from chalicelib.core.errors import Conflict, InvalidInput, PermissionDenied
from chalicelib.core.observability import count, logger
from chalicelib.core.time import utcnow
from chalicelib.workshops import mail
from chalicelib.workshops.domain.errors import NotConfirmed
from chalicelib.workshops.domain.registrations import Registration
from chalicelib.workshops.domain.rules import RegistrationStatus
from chalicelib.workshops.store import registrations as regs
from chalicelib.workshops.store import workshops as store

CHANGED_PRACTICE = ("yes", "no", "not_yet")


def record_attendance(caller: Caller, workshop_id: str, registration_id: str, sessions: dict[str, str],
                      now: datetime | None = None) -> Registration:
    """Mark a confirmed person present or absent at sessions that have started (admins)."""
    caller.require_any(Role.CAFCASS_ADMIN)
    now = now or utcnow()
    workshop = store.get(workshop_id)
    reg = regs.get(workshop_id, registration_id)
    if reg.status is not RegistrationStatus.CONFIRMED:
        raise NotConfirmed("Attendance is recorded for people with a place.")
    for number in sessions:
        index = int(number)
        if not 1 <= index <= len(workshop.sessions):
            raise InvalidInput(f"The workshop has no session {index}.", code="no_such_session",
                               field=f"sessions.{number}")
        if now < workshop.sessions[index - 1].starts_at:
            raise InvalidInput(f"Session {index} has not started yet.", code="session_not_started",
                               field=f"sessions.{number}")
    updated = regs.record_attendance(reg, {**reg.attendance, **sessions})
    count("AttendanceRecorded", len(sessions))
    return updated


@dataclass(frozen=True)
class FeedbackInvitation:
    """What the feedback page shows before a response."""

    workshop_title: str
    already_given: bool


def _from_link(token: str) -> Registration:
    data = links.read_token(token, mail.FEEDBACK_PURPOSE, max_age_seconds=mail.FEEDBACK_LINK_DAYS * 86400)
    workshop_id, registration_id = data.get("w"), data.get("r")
    if not isinstance(workshop_id, str) or not isinstance(registration_id, str):
        raise links.InvalidLink("This link is not valid.", field="token")
    return regs.get(workshop_id, registration_id)


def feedback_invitation(token: str) -> FeedbackInvitation:
    """Check a feedback link and say which workshop it is for."""
    reg = _from_link(token)
    return FeedbackInvitation(workshop_title=store.get(reg.workshop_id).title,
                              already_given=reg.feedback_at is not None)


def give_feedback(token: str, rating: int, changed_practice: str, comment: str | None,
                  now: datetime | None = None) -> None:
    """Store the one response an attendee may give (the link cannot be reused or forged)."""
    reg = _from_link(token)
    if not reg.attended:
        raise PermissionDenied("Feedback is for people who attended.", code="not_an_attendee")
    if changed_practice not in CHANGED_PRACTICE:
        raise InvalidInput("Answer yes, no or not_yet.", code="invalid_answer", field="changed_practice")
    if not regs.record_feedback(reg, now or utcnow(), rating, changed_practice, comment):
        given = regs.get(reg.workshop_id, reg.id)
        if (given.feedback_rating, given.feedback_changed_practice, given.feedback_comment) == (
                rating, changed_practice, comment or None):
            return  # the same answer again (a resent form, a retry after a lost answer): it was received
        raise Conflict("Feedback has already been given with this link. Thank you.", code="feedback_already_given")
    count("FeedbackReceived")
    logger.info("feedback received", extra={"workshop_id": reg.workshop_id, "rating": rating})
