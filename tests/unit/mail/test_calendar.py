"""Workshop invitations as iCalendar files (chalicelib.mail.adapters.calendar)."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar, Event

from chalicelib.core.time import LONDON
from chalicelib.mail.adapters.calendar import (
    CalendarSession,
    Invitation,
    build_ics,
    content_type,
)

NOW = datetime(2026, 1, 5, 14, 30, tzinfo=timezone.utc)
VENUE = "Room 2, Floor 3; Civic Centre\nHigh St"
JOIN_LINK = "https://teams.example.test/l/meetup-join/abc?context=%7B%22Tid%22%7D"

WINTER = CalendarSession(
    uid="wk-123-s1@partnerships.cafcass.gov.uk",
    starts_at=datetime(2026, 1, 20, 9, 30, tzinfo=LONDON),
    ends_at=datetime(2026, 1, 20, 16, 30, tzinfo=LONDON),
    summary="Joint workshop: day 1, Cafcass & Cardiff",
    location=VENUE,
    description="Bring: case notes; ID badge.\nParking, limited.",
    url="https://partnerships.cafcass.gov.uk/workshops/wk-123",
)
SUMMER = CalendarSession(
    uid="wk-123-s2@partnerships.cafcass.gov.uk",
    starts_at=datetime(2026, 7, 14, 9, 0, tzinfo=LONDON),
    ends_at=datetime(2026, 7, 14, 17, 0, tzinfo=LONDON),
    summary="Joint workshop: day 2",
    location=JOIN_LINK,
)
HALF_DAY_UTC = CalendarSession(
    uid="wk-123-s3@partnerships.cafcass.gov.uk",
    starts_at=datetime(2026, 7, 21, 9, 0, tzinfo=timezone.utc),
    ends_at=datetime(2026, 7, 21, 12, 0, tzinfo=timezone.utc),
    summary="Joint workshop: half day",
)
INVITATION = Invitation(
    sessions=(WINTER, SUMMER, HALF_DAY_UTC),
    organizer_email="partnerships@cafcass.gov.uk",
    organizer_name="Cafcass Partnerships",
    attendee_email="a.social.worker@cardiff.gov.uk",
    attendee_name="Siân Jones",
    sequence=3,
)


def parse(invitation: Invitation = INVITATION, now: datetime = NOW) -> Calendar:
    return Calendar.from_ical(build_ics(invitation, now))


def events(calendar: Calendar) -> dict[str, Event]:
    return {str(event["UID"]): event for event in calendar.walk("VEVENT")}


# Calendar-level properties


def test_request_calendar_properties() -> None:
    calendar = parse()
    assert calendar["METHOD"] == "REQUEST"
    assert calendar["VERSION"] == "2.0"
    assert calendar["CALSCALE"] == "GREGORIAN"
    assert str(calendar["PRODID"]).startswith("-//Cafcass//")


def test_output_is_utf8_with_crlf_line_endings_and_deterministic() -> None:
    ics = build_ics(INVITATION, NOW)
    text = ics.decode("utf-8")
    assert text.startswith("BEGIN:VCALENDAR\r\n") and text.endswith("END:VCALENDAR\r\n")
    assert "\n" not in text.replace("\r\n", "")
    assert all(len(line) <= 75 for line in ics.split(b"\r\n"))  # folded at 75 octets
    assert build_ics(INVITATION, NOW) == ics


def test_one_vevent_per_session_with_its_uid() -> None:
    assert list(events(parse())) == [WINTER.uid, SUMMER.uid, HALF_DAY_UTC.uid]


def test_uids_are_stable_across_updates_and_sequence_is_written() -> None:
    first = parse()
    updated = parse(replace(INVITATION, sequence=4), NOW + timedelta(days=2))
    assert list(events(first)) == list(events(updated))
    assert {event["SEQUENCE"] for event in first.walk("VEVENT")} == {3}
    assert {event["SEQUENCE"] for event in updated.walk("VEVENT")} == {4}


def test_dtstamp_is_now_in_utc() -> None:
    now_in_london_summer = datetime(2026, 6, 1, 10, 0, tzinfo=LONDON)
    for event in parse(now=now_in_london_summer).walk("VEVENT"):
        assert event.to_ical().decode().count("DTSTAMP:20260601T090000Z") == 1
        assert datetime(2026, 6, 1, 9, 0, tzinfo=timezone.utc) == event.DTSTAMP


# Times and time zones


@pytest.mark.parametrize(
    ("uid", "start", "end"),
    [
        (WINTER.uid, "20260120T093000", "20260120T163000"),  # GMT
        (SUMMER.uid, "20260714T090000", "20260714T170000"),  # BST
    ],
)
def test_times_are_london_wall_times_with_tzid(uid: str, start: str, end: str) -> None:
    event = events(parse())[uid]
    assert event["DTSTART"].params["TZID"] == "Europe/London"
    assert event["DTEND"].params["TZID"] == "Europe/London"
    lines = event.to_ical().decode().split("\r\n")
    assert f"DTSTART;TZID=Europe/London:{start}" in lines
    assert f"DTEND;TZID=Europe/London:{end}" in lines


def test_parsed_times_are_the_same_instants() -> None:
    parsed = events(parse())
    for session in INVITATION.sessions:
        event = parsed[session.uid]
        assert event.start == session.starts_at
        assert event.end == session.ends_at
        assert event.start.utcoffset() == session.starts_at.astimezone(LONDON).utcoffset()


def test_utc_session_is_shown_in_london_time() -> None:
    event = events(parse())[HALF_DAY_UTC.uid]
    assert event["DTSTART"].params["TZID"] == "Europe/London"
    assert event.start.replace(tzinfo=None) == datetime(2026, 7, 21, 10, 0)
    assert event.end.replace(tzinfo=None) == datetime(2026, 7, 21, 13, 0)
    assert "DTSTART;TZID=Europe/London:20260721T100000" in event.to_ical().decode()


def test_other_offsets_are_converted_to_london() -> None:
    new_york = CalendarSession(
        uid="ny@test", summary="x",
        starts_at=datetime(2026, 1, 20, 4, 0, tzinfo=ZoneInfo("America/New_York")),
        ends_at=datetime(2026, 1, 20, 5, 0, tzinfo=timezone(timedelta(hours=-5))),
    )
    text = build_ics(replace(INVITATION, sessions=(new_york,)), NOW).decode()
    assert "DTSTART;TZID=Europe/London:20260120T090000" in text
    assert "DTEND;TZID=Europe/London:20260120T100000" in text


def test_no_utc_or_floating_session_times() -> None:
    for event in parse().walk("VEVENT"):
        for name in ("DTSTART", "DTEND"):
            line = next(line for line in event.to_ical().decode().split("\r\n") if line.startswith(name))
            assert line.startswith(f"{name};TZID=Europe/London:") and not line.endswith("Z")


def test_vtimezone_for_london_has_standard_and_daylight() -> None:
    calendar = parse()
    timezones = calendar.walk("VTIMEZONE")
    assert [str(tz["TZID"]) for tz in timezones] == ["Europe/London"]
    names = {component.name for component in timezones[0].subcomponents}
    assert {"STANDARD", "DAYLIGHT"} <= names
    offsets = {(c.name, c["TZOFFSETTO"].td) for c in timezones[0].subcomponents}
    assert ("STANDARD", timedelta(0)) in offsets and ("DAYLIGHT", timedelta(hours=1)) in offsets
    assert calendar.get_missing_tzids() == set()
    # VTIMEZONE comes before the events that refer to it
    assert calendar.subcomponents[0].name == "VTIMEZONE"


def test_vtimezone_even_for_a_single_winter_session() -> None:
    timezones = parse(replace(INVITATION, sessions=(WINTER,))).walk("VTIMEZONE")
    assert {c.name for c in timezones[0].subcomponents} >= {"STANDARD", "DAYLIGHT"}


# Text and people


def test_text_round_trips_with_escaping() -> None:
    calendar = parse()
    event = events(calendar)[WINTER.uid]
    assert str(event["LOCATION"]) == VENUE
    assert str(event["SUMMARY"]) == WINTER.summary
    assert str(event["DESCRIPTION"]) == WINTER.description
    assert str(event["URL"]) == WINTER.url
    raw = build_ics(INVITATION, NOW).decode()
    assert "LOCATION:Room 2\\, Floor 3\\; Civic Centre\\nHigh St\r\n" in raw


def test_online_session_location_is_the_joining_link() -> None:
    event = events(parse())[SUMMER.uid]
    assert str(event["LOCATION"]) == JOIN_LINK


def test_optional_text_is_omitted_when_absent() -> None:
    event = events(parse())[HALF_DAY_UTC.uid]
    for name in ("LOCATION", "DESCRIPTION", "URL", "STATUS"):
        assert name not in event


def test_carriage_returns_become_newlines_and_non_ascii_survives() -> None:
    session = replace(WINTER, summary="Gweithdy ar y cyd — Caerdydd ŵ " * 4, location="Line 1\r\nLine 2\rLine 3")
    event = events(parse(replace(INVITATION, sessions=(session,))))[session.uid]
    assert str(event["SUMMARY"]) == session.summary
    assert str(event["LOCATION"]) == "Line 1\nLine 2\nLine 3"


def test_organizer_and_attendee() -> None:
    for event in parse().walk("VEVENT"):
        organizer = event["ORGANIZER"]
        assert str(organizer) == "mailto:partnerships@cafcass.gov.uk"
        assert organizer.params["CN"] == "Cafcass Partnerships"
        attendees = event["ATTENDEE"]
        assert not isinstance(attendees, list)  # exactly one
        assert str(attendees) == "mailto:a.social.worker@cardiff.gov.uk"
        assert attendees.params["CN"] == "Siân Jones"
        assert attendees.params["ROLE"] == "REQ-PARTICIPANT"
        assert attendees.params["PARTSTAT"] == "NEEDS-ACTION"
        assert attendees.params["RSVP"] == "FALSE"


def test_attendee_without_name_has_no_cn() -> None:
    event = parse(replace(INVITATION, attendee_name=None)).walk("VEVENT")[0]
    assert "CN" not in event["ATTENDEE"].params


def test_display_names_with_punctuation_stay_on_one_line_without_double_quotes() -> None:
    invitation = replace(INVITATION, attendee_name='Jones, Siân; "SJ"\nTeam Manager')
    event = parse(invitation).walk("VEVENT")[0]
    assert event["ATTENDEE"].params["CN"] == "Jones, Siân; 'SJ' Team Manager"
    assert "^" not in build_ics(invitation, NOW).decode()  # no RFC 6868 escapes (Outlook shows them)


def test_mailto_prefix_is_not_doubled() -> None:
    event = parse(replace(INVITATION, attendee_email="mailto:x@la.gov.uk")).walk("VEVENT")[0]
    assert str(event["ATTENDEE"]) == "mailto:x@la.gov.uk"


# Cancellation


def test_cancel_method_and_status() -> None:
    cancellation = replace(INVITATION, sequence=4, cancel=True)
    calendar = parse(cancellation)
    assert calendar["METHOD"] == "CANCEL"
    parsed = events(calendar)
    assert list(parsed) == [s.uid for s in INVITATION.sessions]
    for event in parsed.values():
        assert event["STATUS"] == "CANCELLED"
        assert event["SEQUENCE"] == 4
        assert "ORGANIZER" in event and "ATTENDEE" in event


def test_content_type() -> None:
    assert content_type(INVITATION) == "text/calendar; method=REQUEST; charset=UTF-8"
    assert content_type(replace(INVITATION, cancel=True)) == "text/calendar; method=CANCEL; charset=UTF-8"


# Outbox serialisation


def test_to_dict_is_json_and_round_trips() -> None:
    data = json.loads(json.dumps(INVITATION.to_dict()))
    assert data["sessions"][0]["starts_at"] == "2026-01-20T09:30:00+00:00"
    assert data["sessions"][1]["starts_at"] == "2026-07-14T09:00:00+01:00"
    restored = Invitation.from_dict(data)
    assert restored == INVITATION
    assert build_ics(restored, NOW) == build_ics(INVITATION, NOW)


def test_from_dict_accepts_dynamodb_decimals() -> None:
    data = INVITATION.to_dict() | {"sequence": Decimal("3")}
    restored = Invitation.from_dict(data)
    assert restored.sequence == 3 and isinstance(restored.sequence, int)


def test_cancel_round_trips() -> None:
    cancellation = replace(INVITATION, cancel=True)
    assert Invitation.from_dict(json.loads(json.dumps(cancellation.to_dict()))) == cancellation


# Validation


def test_naive_datetimes_are_rejected() -> None:
    with pytest.raises(ValueError, match="starts_at"):
        replace(WINTER, starts_at=datetime(2026, 1, 20, 9, 30))
    with pytest.raises(ValueError, match="ends_at"):
        replace(WINTER, ends_at=datetime(2026, 1, 20, 16, 30))
    data = INVITATION.to_dict()
    data["sessions"][0]["starts_at"] = "2026-01-20T09:30:00"
    with pytest.raises(ValueError):
        Invitation.from_dict(data)


def test_naive_now_is_rejected() -> None:
    with pytest.raises(ValueError, match="now"):
        build_ics(INVITATION, datetime(2026, 1, 5, 14, 30))


@pytest.mark.parametrize("ends_at", [WINTER.starts_at, WINTER.starts_at - timedelta(minutes=1)])
def test_end_not_after_start_is_rejected(ends_at: datetime) -> None:
    with pytest.raises(ValueError, match="after"):
        replace(WINTER, ends_at=ends_at)


def test_end_equal_instant_in_another_zone_is_rejected() -> None:
    with pytest.raises(ValueError, match="after"):
        replace(WINTER, ends_at=WINTER.starts_at.astimezone(timezone.utc))


@pytest.mark.parametrize(
    "changes",
    [
        {"sessions": ()},
        {"sessions": (WINTER, replace(SUMMER, uid=WINTER.uid))},
        {"sequence": -1},
        {"attendee_email": "a@b.test\r\nMETHOD:CANCEL"},
        {"organizer_email": "not-an-address"},
        {"organizer_name": " "},
    ],
)
def test_invalid_invitations_are_rejected(changes: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        replace(INVITATION, **changes)
