"""The links in workshop emails (issue 9, section 3): each opens a page whose GET changes nothing and whose
button POSTs the action; decline links expire, obey the cancellation deadline and are bound to their promotion;
whoever holds a link learns only a status; tokens never reach the logs."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import pytest

from chalicelib.core.links import InvalidLink
from chalicelib.mail.store.outbox import OutboxRecord
from chalicelib.workshops import mail as workshop_mail
from chalicelib.workshops.services import cancel
from tests.integration.workshops.test_api import _body, _json_headers, _me

BASE = "https://partnerships.test/api"
PROMOTED = ("Pat Promoted", "pat.promoted@westminster.example.org", "Senior practitioner")


@pytest.fixture()
def promotion(client, tokens, mail, request):
    """A workshop with one LA place: the first person cancels, the second (waiting) is promoted and emailed.
    The workshop starts in 20 days (its cancellation deadline is a day before), or as many as the test's param."""
    admin = _json_headers(tokens, "cafcass-admin")
    days = getattr(request, "param", 20)
    workshop_id = client.post("/workshops", headers=admin,
                              body=json.dumps(_body(days_ahead=days, capacity=(1, 1, 1)))).json_body["id"]
    client.post(f"/workshops/{workshop_id}/status", headers=admin, body='{"status": "published"}')
    first = client.post(f"/workshops/{workshop_id}/registrations", headers=admin,
                        body=_me(email="first@westminster.example.org")).json_body
    name, email, job = PROMOTED
    second = client.post(f"/workshops/{workshop_id}/registrations", headers=admin,
                         body=_me(name=name, email=email, job_title=job)).json_body
    assert second["status"] == "waiting"
    assert client.delete(f"/workshops/{workshop_id}/registrations/{first['id']}", headers=admin).status_code == 200
    [promoted] = [r for r in OutboxRecord.scan() if r.template == "workshop_promoted"]
    link = json.loads(promoted.context)["decline_url"]
    return workshop_id, second["id"], link


def _status(client, tokens, workshop_id, registration_id):
    reg = client.get(f"/workshops/{workshop_id}/registrations/{registration_id}",
                     headers=tokens.header("cafcass-admin")).json_body
    return reg["end_reason"] or reg["status"]


def _no_personal_data(text):
    for value in (*PROMOTED, "westminster", "Sam Taylor"):
        assert value not in text


def test_the_decline_link_opens_a_page_whose_get_changes_nothing_and_whose_button_declines(client, tokens, promotion):
    workshop_id, registration_id, link = promotion
    assert link.startswith(f"{BASE}/links/decline/") and "?" not in link  # the token is a path segment
    path = link.removeprefix(BASE)

    for _ in range(3):  # a mail scanner, a preview, the person
        shown = client.get(path)
        assert shown.status_code == 200 and shown.headers["Content-Type"] == "text/html; charset=utf-8"
    html = shown.body.decode()
    assert '<form method="post"' in html and "<button" in html and "<script" not in html and "<h1>" in html
    assert 'lang="en-GB"' in html and "form-action 'self'" in shown.headers["Content-Security-Policy"]
    _no_personal_data(html)
    assert _status(client, tokens, workshop_id, registration_id) == "confirmed"

    done = client.post(path, headers={"Content-Type": "application/x-www-form-urlencoded"}, body="")
    assert done.status_code == 200 and "given back your place" in done.body.decode()
    _no_personal_data(done.body.decode())
    assert _status(client, tokens, workshop_id, registration_id) == "declined"

    again = client.get(path)  # a spent link says so, as a page
    assert again.status_code == 409 and again.headers["Content-Type"].startswith("text/html")
    resent = client.post(path, headers={"Content-Type": "application/x-www-form-urlencoded"}, body="")
    assert resent.status_code == 200 and "given back your place" in resent.body.decode()  # the same answer


def test_the_json_decline_route_answers_a_status_only(client, tokens, promotion):
    workshop_id, registration_id, link = promotion
    token = link.rsplit("/", 1)[1]
    resp = client.post(f"/workshops/{workshop_id}/registrations/{registration_id}/decline?token={token}")
    assert resp.status_code == 200, resp.body
    assert resp.json_body == {"status": "declined", "message": "The place has been given back."}
    _no_personal_data(resp.body.decode())


@pytest.mark.parametrize("promotion", [4], indirect=True)  # the deadline comes before the link expires
def test_a_decline_after_the_cancellation_deadline_is_refused_as_a_cancellation_is(client, tokens, promotion):
    workshop_id, registration_id, link = promotion
    token = link.rsplit("/", 1)[1]
    deadline = datetime.fromisoformat(
        client.get(f"/workshops/{workshop_id}", headers=tokens.header("cafcass-admin")).json_body[
            "cancellation_deadline"])
    with pytest.raises(cancel.DeadlinePassed) as info:
        cancel.decline_by_link(token, now=deadline + timedelta(seconds=1))
    assert info.value.code == "cancellation_deadline_passed"  # what the person's own DELETE answers
    assert cancel.decline_offer(token, now=deadline - timedelta(seconds=1))  # and before it, the link works
    assert _status(client, tokens, workshop_id, registration_id) == "confirmed"


def test_a_decline_link_expires_after_a_week(client, tokens, promotion):
    *_, link = promotion
    token = link.rsplit("/", 1)[1]
    later = datetime.now().astimezone() + timedelta(days=workshop_mail.DECLINE_LINK_DAYS, hours=1)
    with pytest.raises(InvalidLink):
        cancel.decline_by_link(token, now=later)
    assert cancel.decline_offer(token, now=later - timedelta(hours=2))  # still good within the week


def test_a_link_from_an_earlier_promotion_is_refused(client, tokens, promotion):
    workshop_id, registration_id, _ = promotion
    earlier = workshop_mail.decline_link(workshop_id, registration_id, datetime.now().astimezone() - timedelta(days=1))
    path = earlier.removeprefix(BASE)
    assert client.get(path).status_code == 400
    refused = client.post(path, headers={"Content-Type": "application/x-www-form-urlencoded"}, body="")
    assert refused.status_code == 400 and "earlier offer" in refused.body.decode()
    token = earlier.rsplit("/", 1)[1]
    resp = client.post(f"/workshops/{workshop_id}/registrations/{registration_id}/decline?token={token}")
    assert resp.status_code == 400 and resp.json_body["error"]["code"] == "invalid_link"
    assert _status(client, tokens, workshop_id, registration_id) == "confirmed"


def test_a_forged_link_opens_an_error_page(client):
    resp = client.get("/links/decline/" + "A" * 120)
    assert resp.status_code == 400 and resp.headers["Content-Type"].startswith("text/html")
    assert "does not work" in resp.body.decode()


def test_link_tokens_never_reach_the_logs(client, tokens, promotion, request):
    workshop_id, registration_id, link = promotion
    token = link.rsplit("/", 1)[1]
    path = link.removeprefix(BASE)
    logs = request.getfixturevalue("service_logs")
    client.get(path)
    client.get("/links/decline/" + token[:-4] + "AAAA")  # a broken copy
    client.post(path, headers={"Content-Type": "application/json"}, body="{}")
    client.post(path, headers={"Content-Type": "application/x-www-form-urlencoded"}, body="")
    client.post(f"/workshops/{workshop_id}/registrations/{registration_id}/decline?token={token}")  # 409 now
    records = logs.records()
    assert {(r.get("route"), r.get("status")) for r in records if r["message"] == "request"} >= {
        ("/links/decline/{token}", 200), ("/links/decline/{token}", 400)}
    text = logs.text()
    for piece in (token, token[:24], token[-24:]):
        assert piece not in text
