"""Non-ASCII names in invitations, read back from the raw message SES was given (moto in process): every text
part states ``charset=utf-8``, the inline and attached calendars are the same bytes, and a Welsh name comes
back intact through two independent iCalendar readers (``icalendar``, and the small one below)."""

from __future__ import annotations

import re
import uuid
from datetime import datetime, timedelta, timezone
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser

from icalendar import Calendar

from chalicelib.core.time import LONDON
from chalicelib.mail.adapters.calendar import CalendarSession, Invitation
from chalicelib.mail.domain import OutgoingEmail
from chalicelib.mail.services.sender import RateLimiter, drain
from chalicelib.mail.store import outbox

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=timezone.utc)
NAME = "Llŷr ap Gwilym"
SUMMARY = "Gweithdy ar y cyd: Llŷr a Siân"


def read_ics(text: str) -> list[tuple[str, dict[str, str], str]]:
    """An independent reader of RFC 5545 content lines: unfold (CRLF + space or tab), then split each line into
    its name, its parameters (quoted values may hold ``;`` and ``:``) and its value. Nothing more."""
    assert "\r\n" in text and not re.search(r"(?<!\r)\n", text), "content lines end with CRLF"
    lines = re.sub(r"\r\n[ \t]", "", text).split("\r\n")
    parsed = []
    for line in filter(None, lines):
        match = re.match(r'([A-Za-z0-9-]+)((?:;[A-Za-z0-9-]+=(?:"[^"]*"|[^";:,]*)(?:,(?:"[^"]*"|[^";:,]*))*)*):(.*)\Z',
                         line)
        assert match, line
        name, raw_params, value = match.groups()
        params = {key.upper(): val.strip('"') for key, val in
                  re.findall(r';([A-Za-z0-9-]+)=("[^"]*"|[^";:]*)', raw_params)}
        parsed.append((name.upper(), params, value))
    return parsed


def test_a_welsh_name_survives_the_raw_message_read_by_two_icalendar_parsers(mail):
    from moto.backends import get_backend

    message_id = uuid.uuid4().hex
    start = datetime(2027, 3, 1, 9, 30, tzinfo=LONDON)
    invitation = Invitation(
        sessions=(CalendarSession(uid=f"{message_id}-s1@partnerships", starts_at=start,
                                  ends_at=start + timedelta(hours=7), summary=SUMMARY, location="Caerdydd"),),
        organizer_email="no-reply@partnerships.invalid", organizer_name="Cafcass Cymru",
        attendee_email="llyr@example.org", attendee_name=NAME, sequence=0)
    outbox.enqueue(OutgoingEmail(message_id=message_id, to="llyr@example.org", template="service_test",
                                 capability="service", invitation=invitation.to_dict(),
                                 context={"recipient_name": NAME, "recipient_email": "llyr@example.org",
                                          "requested_at": "today", "has_invitation": True}), NOW)
    assert drain(now=lambda: NOW, limiter=RateLimiter(0))["sent"] == 1

    raw = get_backend("ses")["123456789012"]["eu-west-2"].sent_messages[0].raw_data
    raw_bytes = raw.encode() if isinstance(raw, str) else raw
    assert raw_bytes.isascii()  # 7-bit on the wire: nothing left for a mail system to mangle
    parsed = BytesParser(policy=policy.default).parsebytes(raw_bytes)
    assert isinstance(parsed, EmailMessage)

    text_parts = [part for part in parsed.walk() if part.get_content_maintype() == "text"]
    assert [p.get_content_type() for p in text_parts] == ["text/plain", "text/html", "text/calendar", "text/calendar"]
    for part in text_parts:
        assert part.get_content_charset() == "utf-8", part.get_content_type()
    assert NAME in text_parts[0].get_content() and NAME in text_parts[1].get_content()

    inline, attached = text_parts[2], text_parts[3]
    assert inline.get_content_disposition() is None and attached.get_filename() == "invite.ics"
    assert inline.get_param("method") == attached.get_param("method") == "REQUEST"
    inline_bytes, attached_bytes = inline.get_payload(decode=True), attached.get_payload(decode=True)
    assert inline_bytes == attached_bytes  # the two copies are identical

    ics = attached_bytes.decode(attached.get_content_charset())
    # The first parser.
    event = next(c for c in Calendar.from_ical(ics).walk() if c.name == "VEVENT")
    assert event["ATTENDEE"].params["CN"] == NAME
    assert str(event["SUMMARY"]) == SUMMARY
    # The second, independent one.
    lines = read_ics(ics)
    attendee = next((params, value) for name, params, value in lines if name == "ATTENDEE")
    assert attendee == ({"CN": NAME, "PARTSTAT": "NEEDS-ACTION", "ROLE": "REQ-PARTICIPANT", "RSVP": "FALSE"},
                        "mailto:llyr@example.org")
    assert ("SUMMARY", {}, SUMMARY) in lines
    assert ("METHOD", {}, "REQUEST") in lines


def test_the_reader_unfolds_lines_and_reads_quoted_parameters():
    text = 'BEGIN:VEVENT\r\nATTENDEE;CN="Ll\u0177r; ap: Gwilym";RSVP=FALSE:mailto:l@\r\n example.org\r\nEND:VEVENT\r\n'
    assert read_ics(text)[1] == ("ATTENDEE", {"CN": "Llŷr; ap: Gwilym", "RSVP": "FALSE"}, "mailto:l@example.org")
