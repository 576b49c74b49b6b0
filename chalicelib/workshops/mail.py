"""The emails of the workshop capability, built for the outbox (rendered later by the sender).

Each function returns an ``OutgoingEmail``; use cases put it in the same
transaction as the change that causes it. Invitations carry one VEVENT per
session with a stable UID, and the workshop's SEQUENCE, raised on every change.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

from chalicelib.core import links
from chalicelib.core.ids import new_id
from chalicelib.core.settings import get_settings
from chalicelib.core.time import LONDON
from chalicelib.mail.services.queue import CalendarSession, Invitation, OutgoingEmail
from chalicelib.workshops.domain.rules import EndReason, Workshop

CAPABILITY = "workshops"
DECLINE_PURPOSE = "workshop-decline"
FEEDBACK_PURPOSE = "workshop-feedback"
DECLINE_LINK_DAYS = 7  # a decline link works for a week (and never after the cancellation deadline)
FEEDBACK_LINK_DAYS = 90
_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_MICROSECOND = timedelta(microseconds=1)


def session_uid(workshop_id: str, number: int) -> str:
    """Stable across every update and the cancellation of the session."""
    return f"{workshop_id}-s{number}@partnerships.cafcass.gov.uk"


def invitation(workshop: Workshop, email: str, name: str, cancel: bool = False) -> dict[str, Any]:
    """The serialised calendar invitation for one attendee."""
    settings = get_settings()
    count = len(workshop.sessions)
    sessions = tuple(
        CalendarSession(uid=session_uid(workshop.id, i), starts_at=s.starts_at, ends_at=s.ends_at,
                        summary=f"{workshop.title} (session {i} of {count})", location=workshop.location(),
                        description=workshop.description[:1000], url=workshop.online_url)
        for i, s in enumerate(workshop.sessions, start=1))
    return Invitation(sessions=sessions, organizer_email=settings.ses_sender, organizer_name=settings.ses_sender_name,
                      attendee_email=email, attendee_name=name, sequence=workshop.sequence, cancel=cancel).to_dict()


def _sessions_text(workshop: Workshop) -> list[str]:
    return [f"{s.starts_at.astimezone(LONDON):%A %-d %B %Y}, {s.start:%H:%M} to {s.end:%H:%M}"
            for s in workshop.sessions]


def _context(workshop: Workshop, name: str, **extra: Any) -> dict[str, Any]:
    return {"name": name, "title": workshop.title, "sessions": _sessions_text(workshop),
            "venue": workshop.venue or "", "online_url": workshop.online_url or "", **extra}


def _message(template: str, to: str, context: dict[str, Any], invite: dict[str, Any] | None = None) -> OutgoingEmail:
    return OutgoingEmail(message_id=new_id(), to=to, template=template, capability=CAPABILITY,
                         context=context, invitation=invite)


def promotion_stamp(confirmed_at: datetime) -> int:
    """The identity of one promotion: when the place was given, in microseconds (what a decline link carries)."""
    return (confirmed_at - _EPOCH) // _MICROSECOND


def _link(kind: str, token: str) -> str:
    # The token is a path segment, never a query string: query strings end up in access logs and Referer headers.
    return f"{get_settings().public_base_url}/links/{kind}/{token}"


def decline_link(workshop_id: str, registration_id: str, promoted_at: datetime) -> str:
    """A link a promoted person uses to give the place back: bound to this promotion, valid for a week."""
    return _link("decline", links.make_token(DECLINE_PURPOSE, {"w": workshop_id, "r": registration_id,
                                                               "c": promotion_stamp(promoted_at)}))


def feedback_link(workshop_id: str, registration_id: str) -> str:
    """A link to the one feedback response an attendee may give."""
    return _link("feedback", links.make_token(FEEDBACK_PURPOSE, {"w": workshop_id, "r": registration_id}))


def confirmation(workshop: Workshop, email: str, name: str) -> OutgoingEmail:
    """You have a place (with the calendar invitation)."""
    return _message("workshop_confirmation", email, _context(workshop, name), invitation(workshop, email, name))


def waiting(workshop: Workshop, email: str, name: str, position: int) -> OutgoingEmail:
    """You are on the waiting list, at this position in your group."""
    return _message("workshop_waiting", email, _context(workshop, name, position=position))


def promoted(workshop: Workshop, email: str, name: str, registration_id: str, promoted_at: datetime) -> OutgoingEmail:
    """A place came free and is yours (invitation, and a link to decline this promotion)."""
    return _message("workshop_promoted", email,
                    _context(workshop, name, decline_url=decline_link(workshop.id, registration_id, promoted_at)),
                    invitation(workshop, email, name))


def changed(workshop: Workshop, email: str, name: str, confirmed: bool) -> OutgoingEmail:
    """The time, sessions or venue changed (an updated invitation for people with a place)."""
    return _message("workshop_changed", email, _context(workshop, name, confirmed=confirmed),
                    invitation(workshop, email, name) if confirmed else None)


def workshop_cancelled(workshop: Workshop, email: str, name: str, confirmed: bool) -> OutgoingEmail:
    """The workshop will not take place (a cancellation for people with a place)."""
    return _message("workshop_cancelled", email, _context(workshop, name, confirmed=confirmed),
                    invitation(workshop, email, name, cancel=True) if confirmed else None)


def place_cancelled(workshop: Workshop, email: str, name: str, reason: EndReason) -> OutgoingEmail:
    """Your place was cancelled (by you, an admin, or handed to a colleague)."""
    return _message("registration_cancelled", email, _context(workshop, name, reason=reason.value),
                    invitation(workshop, email, name, cancel=True))


def left_waiting_list(workshop: Workshop, email: str, name: str) -> OutgoingEmail:
    """You are no longer on the waiting list."""
    return _message("workshop_left_waiting_list", email, _context(workshop, name))


def not_placed(workshop: Workshop, email: str, name: str) -> OutgoingEmail:
    """The workshop has started and no place came free: you are off the waiting list."""
    return _message("workshop_not_placed", email, _context(workshop, name))


def reminder(workshop: Workshop, email: str, name: str, when: str) -> OutgoingEmail:
    """The workshop starts in a week, or tomorrow."""
    return _message("workshop_reminder", email, _context(workshop, name, when=when))


def feedback_request(workshop: Workshop, email: str, name: str, registration_id: str) -> OutgoingEmail:
    """Tell us how it went (a signed, single-use link)."""
    return _message("workshop_feedback_request", email,
                    _context(workshop, name, feedback_url=feedback_link(workshop.id, registration_id)))
