"""iCalendar (RFC 5545) invitations for workshops, sent by email as iTIP (RFC 5546) messages.

A workshop has several sessions (not necessarily on consecutive days); each session is one
VEVENT with its own stable UID, so calendars can update or cancel sessions individually.
We never process replies, so attendees are asked for none (``RSVP=FALSE``).

An :class:`Invitation` is stored in the email outbox as JSON (:meth:`Invitation.to_dict`) and
rendered with :func:`build_ics` when the message is sent.

``icalendar`` costs ~65 ms to import, so it is imported inside :func:`build_ics` only: most
invocations never render a calendar and should not pay for it at cold start.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timezone
from decimal import Decimal
from typing import Any

from chalicelib.core.time import LONDON

PRODID = "-//Cafcass//Partnerships Workshops//EN"
_WHITESPACE = re.compile(r"\s+")
_EMAIL = re.compile(r"(?i:mailto:)?[^\s@]+@[^\s@]+")


def _require_aware(value: datetime, field: str) -> None:
    # utcoffset() is None for naive datetimes and for tzinfos that cannot tell the offset
    if not isinstance(value, datetime) or value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{field} must be a timezone-aware datetime")


def _require_text(value: str, field: str) -> None:
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{field} must be a non-empty string")


def _require_email(value: str, field: str) -> None:
    # Checked here, not at send time: a CR/LF would otherwise only fail when the outbox renders the file
    if not isinstance(value, str) or not _EMAIL.fullmatch(value):
        raise ValueError(f"{field} must be an email address")


@dataclass(frozen=True)
class CalendarSession:
    """One session of a workshop: one VEVENT in the invitation.

    ``uid`` must stay the same for the session across every update and the cancellation,
    e.g. ``"<workshop_id>-s1@partnerships.cafcass.gov.uk"``. ``location`` is the venue
    address, or the joining link for an online session.
    """

    uid: str
    starts_at: datetime
    ends_at: datetime
    summary: str
    location: str | None = None
    description: str | None = None
    url: str | None = None

    def __post_init__(self) -> None:
        _require_text(self.uid, "uid")
        _require_text(self.summary, "summary")
        _require_aware(self.starts_at, "starts_at")
        _require_aware(self.ends_at, "ends_at")
        if self.ends_at <= self.starts_at:
            raise ValueError("ends_at must be after starts_at")

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable form; datetimes as ISO 8601 with their UTC offset."""
        return {
            "uid": self.uid,
            "starts_at": self.starts_at.isoformat(),
            "ends_at": self.ends_at.isoformat(),
            "summary": self.summary,
            "location": self.location,
            "description": self.description,
            "url": self.url,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CalendarSession:
        """Inverse of :meth:`to_dict`."""
        return cls(
            uid=data["uid"],
            starts_at=datetime.fromisoformat(data["starts_at"]),
            ends_at=datetime.fromisoformat(data["ends_at"]),
            summary=data["summary"],
            location=data.get("location"),
            description=data.get("description"),
            url=data.get("url"),
        )


@dataclass(frozen=True)
class Invitation:
    """Everything needed to render one attendee's invitation (or cancellation) for a workshop.

    ``sequence`` must be incremented by the caller on every change to the workshop, including
    the cancellation, or calendars ignore the update (RFC 5546 section 2.1.4).
    """

    sessions: tuple[CalendarSession, ...]
    organizer_email: str
    organizer_name: str
    attendee_email: str
    attendee_name: str | None
    sequence: int
    cancel: bool = False

    def __post_init__(self) -> None:
        # Accept any sequence of sessions but store a tuple, so the instance stays hashable
        object.__setattr__(self, "sessions", tuple(self.sessions))
        if not self.sessions:
            raise ValueError("an invitation needs at least one session")
        uids = [session.uid for session in self.sessions]
        if len(set(uids)) != len(uids):
            raise ValueError("session uids must be unique")
        _require_email(self.organizer_email, "organizer_email")
        _require_text(self.organizer_name, "organizer_name")
        _require_email(self.attendee_email, "attendee_email")
        if isinstance(self.sequence, bool) or not isinstance(self.sequence, int) or self.sequence < 0:
            raise ValueError("sequence must be a non-negative int")

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable form, as stored in the outbox item."""
        return {
            "sessions": [session.to_dict() for session in self.sessions],
            "organizer_email": self.organizer_email,
            "organizer_name": self.organizer_name,
            "attendee_email": self.attendee_email,
            "attendee_name": self.attendee_name,
            "sequence": self.sequence,
            "cancel": self.cancel,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Invitation:
        """Inverse of :meth:`to_dict`; also accepts DynamoDB's ``Decimal`` numbers."""
        sequence = data["sequence"]
        if isinstance(sequence, Decimal):  # boto3 returns every DynamoDB number as Decimal
            if sequence != sequence.to_integral_value():
                raise ValueError("sequence must be an integer")
            sequence = int(sequence)
        return cls(
            sessions=tuple(CalendarSession.from_dict(item) for item in data["sessions"]),
            organizer_email=data["organizer_email"],
            organizer_name=data["organizer_name"],
            attendee_email=data["attendee_email"],
            attendee_name=data.get("attendee_name"),
            sequence=sequence,
            cancel=bool(data.get("cancel", False)),
        )


def _method(invitation: Invitation) -> str:
    """The iTIP method of the invitation: ``CANCEL`` or ``REQUEST``."""
    return "CANCEL" if invitation.cancel else "REQUEST"


def content_type(invitation: Invitation) -> str:
    """MIME type of the calendar part; the ``method`` parameter must match the METHOD property."""
    return f"text/calendar; method={_method(invitation)}; charset=UTF-8"


def _text(value: str) -> str:
    # The library escapes , ; \ and newlines; normalise CR so every client sees the same breaks
    return value.replace("\r\n", "\n").replace("\r", "\n")


def _display_name(value: str) -> str:
    # CN is a parameter: newlines and double quotes would need RFC 6868 caret escapes,
    # which Outlook shows literally, so keep names on one line and without double quotes
    return _WHITESPACE.sub(" ", value).strip().replace('"', "'")


def _email(value: str) -> str:
    email = value
    if email.lower().startswith("mailto:"):
        email = email[len("mailto:"):]
    return email


def build_ics(invitation: Invitation, now: datetime) -> bytes:
    """Render the invitation as an iCalendar file (UTF-8, CRLF line endings).

    ``now`` becomes each VEVENT's DTSTAMP (in UTC). Session times are written as
    Europe/London local times with a TZID, and a matching VTIMEZONE is included.
    """
    from icalendar import STATUS, Calendar, Event, vCalAddress  # lazy: see module docstring

    _require_aware(now, "now")
    stamp = now.astimezone(timezone.utc)
    organizer = vCalAddress.new(_email(invitation.organizer_email), cn=_display_name(invitation.organizer_name))
    attendee_name = _display_name(invitation.attendee_name) if invitation.attendee_name else ""
    attendee = vCalAddress.new(
        _email(invitation.attendee_email),
        cn=attendee_name or None,
        role="REQ-PARTICIPANT",
        partstat="NEEDS-ACTION",
        rsvp=False,
    )

    calendar = Calendar.new(prodid=PRODID, calscale="GREGORIAN", method=_method(invitation))
    # Calendar.new adds a random calendar UID (RFC 7986); drop it so the output depends on the input only
    calendar.pop("UID", None)

    for session in invitation.sessions:
        event = Event.new(
            uid=session.uid,
            stamp=stamp,
            start=session.starts_at.astimezone(LONDON),
            end=session.ends_at.astimezone(LONDON),
            sequence=invitation.sequence,
            summary=_text(session.summary),
            location=_text(session.location) if session.location else None,
            description=_text(session.description) if session.description else None,
            url=session.url or None,
            organizer=organizer,
            attendees=[attendee],
            status=STATUS.CANCELLED if invitation.cancel else None,
        )
        calendar.add_component(event)

    # Cover from the year before the first session to well after the last one, so the VTIMEZONE
    # always has both STANDARD and DAYLIGHT, yet stays small (the default range spans 1970-2038)
    first = min(session.starts_at.astimezone(LONDON) for session in invitation.sessions)
    last = max(session.ends_at.astimezone(LONDON) for session in invitation.sessions)
    calendar.add_missing_timezones(first_date=date(first.year - 1, 1, 1), last_date=date(last.year + 2, 1, 1))
    return calendar.to_ical()
