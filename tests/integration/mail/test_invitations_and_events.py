"""Calendar invitations as sent (read back from the raw MIME SES got), SES delivery events,
suppressions, and the email routes."""

from __future__ import annotations

import json
import uuid
from datetime import datetime, timedelta, timezone
from email import policy
from email.parser import BytesParser

import pytest
from icalendar import Calendar

from chalicelib.core.time import LONDON
from chalicelib.mail.adapters.calendar import CalendarSession, Invitation
from chalicelib.mail.domain import OutgoingEmail
from chalicelib.mail.services.sender import RateLimiter, drain
from chalicelib.mail.store import outbox, suppressions

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=timezone.utc)
NO_LIMIT = RateLimiter(0)


def _invitation(sequence: int = 0, cancel: bool = False) -> Invitation:
    day = datetime(2027, 3, 29, 9, 30, tzinfo=LONDON)  # the first session is in BST (clocks change 28 March)
    sessions = tuple(
        CalendarSession(uid=f"ws-1-s{i}@partnerships.test", starts_at=day + timedelta(days=offset),
                        ends_at=day + timedelta(days=offset, hours=hours), summary=f"Joint workshop, day {i}",
                        location="Civic Centre, Room 2; High St")
        for i, (offset, hours) in enumerate([(0, 7), (1, 7), (8, 3.5)], start=1))
    return Invitation(sessions=sessions, organizer_email="partnerships@cafcass.test", organizer_name="Cafcass",
                      attendee_email="attendee@example.org", attendee_name="Alex Attendee", sequence=sequence,
                      cancel=cancel)


def _send_with(mail, invitation: Invitation):
    msg = OutgoingEmail(message_id=uuid.uuid4().hex, to="attendee@example.org", template="service_test",
                        capability="workshops", context={"recipient_name": "Alex", "recipient_email": "a",
                                                         "requested_at": "now", "has_invitation": True},
                        invitation=invitation.to_dict())
    outbox.enqueue(msg, NOW)
    assert drain(now=lambda: NOW, limiter=NO_LIMIT)["sent"] == 1
    request = mail.requests[-1]
    assert "Raw" in request["Content"]  # an attachment means Raw content
    raw = mail.sent()[-1].raw_data
    return msg, BytesParser(policy=policy.default).parsebytes(raw.encode() if isinstance(raw, str) else raw)


def test_an_invitation_arrives_as_a_calendar_request_with_every_property(mail):
    msg, parsed = _send_with(mail, _invitation(sequence=2))
    assert parsed["X-Partnerships-Message-Id"] == msg.message_id
    assert parsed.get_content_type() == "multipart/mixed"
    alternative = next(p for p in parsed.iter_parts() if p.get_content_type() == "multipart/alternative")
    kinds = [p.get_content_type() for p in alternative.iter_parts()]
    assert kinds == ["text/plain", "text/html", "text/calendar"]
    inline = list(alternative.iter_parts())[2]
    assert inline.get_param("method") == "REQUEST"
    attachment = next(parsed.iter_attachments())
    assert attachment.get_filename() == "invite.ics"
    assert attachment.get_content_type() == "text/calendar" and attachment.get_param("method") == "REQUEST"

    cal = Calendar.from_ical(attachment.get_content() if isinstance(attachment.get_content(), bytes)
                             else attachment.get_content().encode())
    assert str(cal["METHOD"]) == "REQUEST"
    events = [c for c in cal.walk("VEVENT")]
    assert [str(e["UID"]) for e in events] == [f"ws-1-s{i}@partnerships.test" for i in (1, 2, 3)]
    assert all(int(e["SEQUENCE"]) == 2 for e in events)
    first = events[0]
    assert first["DTSTART"].params["TZID"] == "Europe/London"
    assert first.decoded("DTSTART").replace(tzinfo=None) == datetime(2027, 3, 29, 9, 30)
    assert first.decoded("DTSTART").utcoffset() == timedelta(hours=1)  # BST
    assert str(first["LOCATION"]) == "Civic Centre, Room 2; High St"
    assert str(first["ORGANIZER"]).lower() == "mailto:partnerships@cafcass.test"
    assert str(first["ATTENDEE"]).lower() == "mailto:attendee@example.org"
    assert [c.name for c in cal.walk("VTIMEZONE")] == ["VTIMEZONE"]
    assert str(cal.walk("VTIMEZONE")[0]["TZID"]) == "Europe/London"


def test_a_changed_workshop_keeps_the_uids_and_raises_the_sequence_and_a_cancellation_cancels(mail):
    _, first = _send_with(mail, _invitation(sequence=0))
    _, changed = _send_with(mail, _invitation(sequence=1))
    _, cancelled = _send_with(mail, _invitation(sequence=2, cancel=True))

    def events(parsed):
        content = next(parsed.iter_attachments()).get_content()
        cal = Calendar.from_ical(content if isinstance(content, bytes) else content.encode())
        return cal, list(cal.walk("VEVENT"))

    _, ev0 = events(first)
    _, ev1 = events(changed)
    cal2, ev2 = events(cancelled)
    assert [str(e["UID"]) for e in ev0] == [str(e["UID"]) for e in ev1] == [str(e["UID"]) for e in ev2]
    assert [int(e["SEQUENCE"]) for e in ev1] == [1, 1, 1]
    assert str(cal2["METHOD"]) == "CANCEL" and all(str(e["STATUS"]) == "CANCELLED" for e in ev2)
    assert next(cancelled.iter_attachments()).get_param("method") == "CANCEL"


def _sent_message(mail, to="bouncer@example.org"):
    msg = OutgoingEmail(message_id=uuid.uuid4().hex, to=to, template="service_test", capability="service",
                        context={"recipient_name": "B", "recipient_email": to, "requested_at": "now",
                                 "has_invitation": False})
    outbox.enqueue(msg, NOW)
    drain(now=lambda: NOW, limiter=NO_LIMIT)
    return msg


def _event(kind: str, message_id: str, detail: dict) -> dict:
    key = {"Bounce": "bounce", "Complaint": "complaint", "Delivery": "delivery", "Reject": "reject",
           "DeliveryDelay": "deliveryDelay"}[kind]
    return {"eventType": kind, "mail": {"messageId": "ses-id", "tags": {"message_id": [message_id]}}, key: detail}


def _invoke(client_lambda, events, payload: dict):
    return client_lambda.invoke("ses_events", events.generate_sns_event(message=json.dumps(payload)))


@pytest.fixture()
def lambdas(aws):
    from chalice.test import Client

    from app import app

    with Client(app) as c:
        yield c


def test_delivery_events_update_the_message(mail, lambdas):
    msg = _sent_message(mail, "reader2@example.org")
    _invoke(lambdas.lambda_, lambdas.events, _event("DeliveryDelay", msg.message_id,
                                                    {"timestamp": "2026-11-23T09:01:00Z", "delayType": "MailboxFull"}))
    assert outbox.get(msg.message_id).delivery_status == "delayed"
    _invoke(lambdas.lambda_, lambdas.events, _event("Delivery", msg.message_id, {"timestamp": "2026-11-23T09:05:00Z"}))
    assert outbox.get(msg.message_id).delivery_status == "delivered"
    # An older event arriving late does not overwrite a newer one.
    _invoke(lambdas.lambda_, lambdas.events, _event("DeliveryDelay", msg.message_id,
                                                    {"timestamp": "2026-11-23T09:02:00Z"}))
    assert outbox.get(msg.message_id).delivery_status == "delivered"


@pytest.mark.parametrize("kind, detail, suppressed", [
    ("Bounce", {"bounceType": "Permanent", "timestamp": "2026-11-23T09:05:00Z",
                "bouncedRecipients": [{"emailAddress": "bouncer@example.org"}]}, True),
    ("Bounce", {"bounceType": "Transient", "timestamp": "2026-11-23T09:05:00Z",
                "bouncedRecipients": [{"emailAddress": "bouncer@example.org"}]}, False),
    ("Complaint", {"timestamp": "2026-11-23T09:05:00Z",
                   "complainedRecipients": [{"emailAddress": "bouncer@example.org"}]}, True),
    ("Reject", {"reason": "Bad content"}, False),
])
def test_permanent_bounces_and_complaints_suppress_the_address(mail, lambdas, service_logs, kind, detail, suppressed):
    msg = _sent_message(mail)
    _invoke(lambdas.lambda_, lambdas.events, _event(kind, msg.message_id, detail))
    expected = {"Bounce": "bounced_permanent" if detail.get("bounceType") == "Permanent" else "bounced_transient",
                "Complaint": "complained", "Reject": "rejected"}[kind]
    assert outbox.get(msg.message_id).delivery_status == expected
    assert (suppressions.suppressed_reason("bouncer@example.org", None) is not None) is suppressed
    later = _sent_message(mail)
    assert outbox.get(later.message_id).status == ("suppressed" if suppressed else "sent")
    assert "bouncer@example.org" not in service_logs.text()  # payloads hold addresses: never logged


def test_unknown_or_malformed_events_do_no_harm(mail, lambdas):
    _invoke(lambdas.lambda_, lambdas.events, _event("Delivery", "f" * 32, {}))
    _invoke(lambdas.lambda_, lambdas.events, {"eventType": "Open", "mail": {}})
    resp = lambdas.lambda_.invoke("ses_events", lambdas.events.generate_sns_event(message="not json"))
    assert resp.payload is None


def test_admins_list_and_remove_suppressions(mail, client, tokens):
    suppressions.add("gone@example.org", suppressions.ALL, "bounce", NOW)
    admin = tokens.header("cafcass-admin")
    page = client.get("/email/suppressions?limit=10", headers=admin)
    assert page.status_code == 200
    [item] = [i for i in page.json_body["items"] if i["address"] == "gone@example.org"]
    assert item["scope"] == "all" and item["reason"] == "bounce"
    assert client.get("/email/suppressions", headers=tokens.header("la-social-worker")).status_code == 403
    assert client.delete(f"/email/suppressions/{item['id']}", headers=admin).status_code == 204
    assert suppressions.suppressed_reason("gone@example.org", None) is None
    again = client.delete(f"/email/suppressions/{item['id']}", headers=admin)
    assert again.status_code == 404 and again.json_body["error"]["code"] == "suppression_not_found"


def test_an_admin_sends_a_test_email_and_follows_it(mail, client, tokens):
    headers = {**tokens.header("cafcass-admin"), "Content-Type": "application/json"}
    resp = client.post("/email/test", headers=headers, body=json.dumps({"with_invitation": True}))
    assert resp.status_code == 202
    message_id = resp.json_body["message_id"]
    status = client.get(f"/email/messages/{message_id}", headers=tokens.header("cafcass-admin")).json_body
    assert status["status"] == "pending" and status["attempts"] == 0
    drain(limiter=NO_LIMIT)
    status = client.get(f"/email/messages/{message_id}", headers=tokens.header("cafcass-admin")).json_body
    assert status["status"] == "sent" and status["attempts"] == 1
    assert mail.requests[-1]["Destination"] == {"ToAddresses": ["cafcass.admin@example.org"]}
    assert client.post("/email/test", headers={**tokens.header("la-social-worker"),
                                               "Content-Type": "application/json"}, body="{}").status_code == 403
    assert client.get("/email/messages/" + "0" * 32, headers=tokens.header("cafcass-admin")).status_code == 404
