"""Attendance (recorded by admins per session) and the one feedback response each attendee may give."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone

from chalicelib.core import links
from chalicelib.core.auth.caller import Caller, Role
from chalicelib.core.dynamo.model import update_if
from chalicelib.core.errors import Conflict, InvalidInput, PermissionDenied
from chalicelib.core.observability import count, logger
from chalicelib.workshops import mail as mail
from chalicelib.workshops.domain.rules import RegistrationStatus
from chalicelib.workshops.store import registrations as regs
from chalicelib.workshops.store import workshops as store
from chalicelib.workshops.store.registrations import RegistrationRecord

FEEDBACK_LINK_DAYS = 90
CHANGED_PRACTICE = ("yes", "no", "not_yet")


def record_attendance(caller: Caller, workshop_id: str, registration_id: str, sessions: dict[str, str],
                      now: datetime | None = None) -> RegistrationRecord:
    """Mark a confirmed person present or absent at sessions that have started (admins)."""
    caller.require_any(Role.CAFCASS_ADMIN)
    now = now or datetime.now(timezone.utc)
    workshop = store.get(workshop_id)
    record = regs.get(workshop_id, registration_id)
    if record.status != RegistrationStatus.CONFIRMED.value:
        raise Conflict("Attendance is recorded for people with a place.", code="registration_not_confirmed")
    for number in sessions:
        index = int(number)
        if not 1 <= index <= len(workshop.sessions):
            raise InvalidInput(f"The workshop has no session {index}.", code="no_such_session",
                               field=f"sessions.{number}")
        if now < workshop.sessions[index - 1].starts_at:
            raise InvalidInput(f"Session {index} has not started yet.", code="session_not_started",
                               field=f"sessions.{number}")
    merged = {**regs.attendance_of(record), **sessions}
    if not update_if(record, [RegistrationRecord.attendance.set(merged)],
                     RegistrationRecord.status == RegistrationStatus.CONFIRMED.value):
        raise Conflict("The registration changed meanwhile.", code="edit_conflict")
    count("AttendanceRecorded", len(sessions))
    return record


@dataclass(frozen=True)
class FeedbackInvitation:
    """What the feedback page shows before a response."""

    workshop_title: str
    already_given: bool


def _from_link(token: str) -> tuple[str, RegistrationRecord]:
    data = links.read_token(token, mail.FEEDBACK_PURPOSE, max_age_seconds=FEEDBACK_LINK_DAYS * 86400)
    workshop_id, registration_id = data.get("w"), data.get("r")
    if not isinstance(workshop_id, str) or not isinstance(registration_id, str):
        raise links.InvalidLink("This link is not valid.", field="token")
    return workshop_id, regs.get(workshop_id, registration_id)


def feedback_invitation(token: str) -> FeedbackInvitation:
    """Check a feedback link and say which workshop it is for."""
    workshop_id, record = _from_link(token)
    return FeedbackInvitation(workshop_title=store.get(workshop_id).title, already_given=record.feedback_at is not None)


def give_feedback(token: str, rating: int, changed_practice: str, comment: str | None,
                  now: datetime | None = None) -> None:
    """Store the one response an attendee may give (the link cannot be reused or forged)."""
    workshop_id, record = _from_link(token)
    if "present" not in regs.attendance_of(record).values():
        raise PermissionDenied("Feedback is for people who attended.", code="not_an_attendee")
    if changed_practice not in CHANGED_PRACTICE:
        raise InvalidInput("Answer yes, no or not_yet.", code="invalid_answer", field="changed_practice")
    given = update_if(record, [RegistrationRecord.feedback_at.set(now or datetime.now(timezone.utc)),
                               RegistrationRecord.feedback_rating.set(rating),
                               RegistrationRecord.feedback_changed_practice.set(changed_practice),
                               RegistrationRecord.feedback_comment.set(comment) if comment
                               else RegistrationRecord.feedback_comment.remove()],
                      RegistrationRecord.feedback_at.does_not_exist())
    if not given:
        raise Conflict("Feedback has already been given with this link. Thank you.", code="feedback_already_given")
    count("FeedbackReceived")
    logger.info("feedback received", extra={"workshop_id": workshop_id, "rating": rating})
