"""Assembling the MIME message (chalicelib.mail.adapters.mime)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import parsedate_to_datetime

import pytest

from chalicelib.core.time import LONDON
from chalicelib.mail.adapters.calendar import (
    CalendarSession,
    Invitation,
    build_ics,
    content_type,
)
from chalicelib.mail.adapters.mime import CalendarPart, build
from chalicelib.mail.adapters.render import Rendered

NOW = datetime(2026, 1, 5, 14, 30, tzinfo=timezone.utc)
SENDER = "partnerships@cafcass.test"
SENDER_NAME = "Cafcass and ADCS partnerships"
TO = "sian.jones@cardiff.gov.uk"
RENDERED = Rendered(
    subject="Test message from the partnerships service",
    text="Hello Siân,\n\nThis is a test.\n",
    html='<!DOCTYPE html><html lang="en"><head><title>Test</title></head><body><p>Hello Siân,</p></body></html>\n',
)
HEADERS = {
    "X-Partnerships-Message-Id": "msg-0001",
    "List-Unsubscribe": "<https://partnerships.test/api/email/unsubscribe?token=abc>",
    "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
}
SESSION = CalendarSession(
    uid="wk-123-s1@partnerships.cafcass.gov.uk",
    starts_at=datetime(2026, 1, 20, 9, 30, tzinfo=LONDON),
    ends_at=datetime(2026, 1, 20, 16, 30, tzinfo=LONDON),
    summary="Joint workshop: day 1",
    location="Civic Centre, Cardiff",
)
INVITATION = Invitation(
    sessions=(SESSION,),
    organizer_email=SENDER,
    organizer_name="Cafcass Partnerships",
    attendee_email=TO,
    attendee_name="Siân Jones",
    sequence=1,
)
CANCELLATION = Invitation(
    sessions=(SESSION,),
    organizer_email=SENDER,
    organizer_name="Cafcass Partnerships",
    attendee_email=TO,
    attendee_name="Siân Jones",
    sequence=2,
    cancel=True,
)


def calendar_part(invitation: Invitation) -> CalendarPart:
    return CalendarPart(content=build_ics(invitation, NOW), content_type=content_type(invitation))


def make(calendar: CalendarPart | None = None, headers: dict[str, str] | None = None) -> EmailMessage:
    return build(sender=SENDER, sender_name=SENDER_NAME, to=TO, rendered=RENDERED,
                 headers=HEADERS if headers is None else headers, calendar=calendar)


def parse(message: EmailMessage) -> EmailMessage:
    parsed = BytesParser(policy=policy.default).parsebytes(message.as_bytes())
    assert isinstance(parsed, EmailMessage)
    return parsed


def content_types(message: EmailMessage) -> list[str]:
    return [part.get_content_type() for part in message.walk()]


# --- without a calendar -------------------------------------------------------------------------------------------

def test_without_calendar_is_alternative_of_text_and_html() -> None:
    parsed = parse(make())

    assert content_types(parsed) == ["multipart/alternative", "text/plain", "text/html"]
    text, html = parsed.get_payload()
    assert text.get_content() == RENDERED.text
    assert html.get_content() == RENDERED.html
    assert text.get_content_charset() == "utf-8"
    assert html.get_content_charset() == "utf-8"
    assert not any(part.get_content_disposition() == "attachment" for part in parsed.walk())


def test_headers() -> None:
    before = datetime.now(timezone.utc).replace(microsecond=0)
    parsed = parse(make())
    after = datetime.now(timezone.utc)

    sender = parsed["From"].addresses
    assert len(sender) == 1
    assert sender[0].display_name == SENDER_NAME
    assert sender[0].addr_spec == SENDER
    assert parsed["To"].addresses[0].addr_spec == TO
    assert parsed["Subject"] == RENDERED.subject
    message_id = parsed["Message-ID"]
    assert message_id.startswith("<") and message_id.endswith("@cafcass.test>")
    sent = parsedate_to_datetime(parsed["Date"])
    assert sent.utcoffset() == timedelta(0)
    assert before - timedelta(seconds=1) <= sent <= after + timedelta(seconds=1)
    for name, value in HEADERS.items():
        assert parsed[name] == value
    assert parsed["MIME-Version"] == "1.0"


def test_each_header_appears_once() -> None:
    parsed = parse(make())

    for name in ["From", "To", "Subject", "Date", "Message-ID", *HEADERS]:
        assert len(parsed.get_all(name)) == 1, name


def test_message_ids_are_unique() -> None:
    assert make()["Message-ID"] != make()["Message-ID"]


def test_no_custom_headers() -> None:
    parsed = parse(make(headers={}))

    assert parsed["X-Partnerships-Message-Id"] is None
    assert parsed["List-Unsubscribe"] is None
    assert parsed["Subject"] == RENDERED.subject


def test_non_ascii_display_name_and_subject_survive_encoding() -> None:
    rendered = Rendered(subject="Gweithdy ar y cyd: Siân", text="Helo\n", html="<p>Helo</p>\n")
    message = build(sender=SENDER, sender_name="Partneriaethau Cafcass – Cymru", to=TO, rendered=rendered,
                    headers={})
    raw = message.as_bytes()
    parsed = BytesParser(policy=policy.default).parsebytes(raw)

    assert all(byte < 128 for byte in raw.split(b"\n\n", 1)[0])  # headers are RFC 2047 encoded
    assert parsed["Subject"] == "Gweithdy ar y cyd: Siân"
    assert parsed["From"].addresses[0].display_name == "Partneriaethau Cafcass – Cymru"


# --- with a calendar ----------------------------------------------------------------------------------------------

def test_with_calendar_structure() -> None:
    parsed = parse(make(calendar_part(INVITATION)))

    assert content_types(parsed) == [
        "multipart/mixed",
        "multipart/alternative", "text/plain", "text/html", "text/calendar",
        "text/calendar",
    ]
    alternative, attachment = parsed.get_payload()
    assert alternative.get_content_type() == "multipart/alternative"
    text, html, inline = alternative.get_payload()
    assert text.get_content() == RENDERED.text
    assert html.get_content() == RENDERED.html
    assert inline.get_content_disposition() is None
    assert attachment.get_content_disposition() == "attachment"


def test_with_calendar_keeps_headers() -> None:
    parsed = parse(make(calendar_part(INVITATION)))

    assert parsed["From"].addresses[0].display_name == SENDER_NAME
    assert parsed["Subject"] == RENDERED.subject
    assert parsed["Message-ID"]
    assert parsed["Date"]
    for name, value in HEADERS.items():
        assert parsed[name] == value


def test_inline_calendar_part_has_method_request() -> None:
    part = calendar_part(INVITATION)
    parsed = parse(make(part))
    inline = parsed.get_payload()[0].get_payload()[2]

    assert inline.get_content_type() == "text/calendar"
    assert inline.get_param("method") == "REQUEST"
    assert inline.get_content_charset() == "utf-8"
    body = inline.get_content()
    assert "METHOD:REQUEST" in body
    assert body.replace("\r\n", "\n") == part.content.decode("utf-8").replace("\r\n", "\n")


def test_attachment_is_invite_ics_with_method() -> None:
    part = calendar_part(INVITATION)
    parsed = parse(make(part))
    attachment = parsed.get_payload()[1]

    assert attachment.get_filename() == "invite.ics"
    assert attachment.get_content_type() == "text/calendar"
    assert attachment.get_param("method") == "REQUEST"
    assert attachment.get_payload(decode=True) == part.content  # byte for byte, CRLF line endings kept


def test_custom_attachment_filename() -> None:
    part = calendar_part(INVITATION)
    named = CalendarPart(content=part.content, content_type=part.content_type, filename="workshop.ics")

    assert parse(make(named)).get_payload()[1].get_filename() == "workshop.ics"


def test_cancellation_gives_method_cancel_everywhere() -> None:
    part = calendar_part(CANCELLATION)
    parsed = parse(make(part))
    inline = parsed.get_payload()[0].get_payload()[2]
    attachment = parsed.get_payload()[1]

    assert inline.get_param("method") == "CANCEL"
    assert attachment.get_param("method") == "CANCEL"
    assert attachment.get_filename() == "invite.ics"
    assert "METHOD:CANCEL" in inline.get_content()
    assert b"METHOD:CANCEL" in attachment.get_payload(decode=True)


def test_quoted_method_parameter_is_understood() -> None:
    part = calendar_part(INVITATION)
    quoted = CalendarPart(content=part.content, content_type='text/calendar; charset=UTF-8; METHOD="REQUEST"')
    parsed = parse(make(quoted))

    assert parsed.get_payload()[1].get_param("method") == "REQUEST"
    assert parsed.get_payload()[0].get_payload()[2].get_param("method") == "REQUEST"


def test_content_type_without_method_is_refused() -> None:
    part = calendar_part(INVITATION)

    with pytest.raises(ValueError, match="method"):
        make(CalendarPart(content=part.content, content_type="text/calendar; charset=UTF-8"))
