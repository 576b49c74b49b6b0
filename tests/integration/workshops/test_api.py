"""The workshop capability over HTTP (Chalice test client): scheduling, registration and the waiting list,
access rules, CSV export, the scheduled job (reminders once, completion, feedback), attendance and reports."""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime, timedelta, timezone

import pytest

from chalicelib.mail.store.outbox import OutboxRecord
from chalicelib.workshops.services import jobs as workshop_jobs


def _body(days_ahead: int = 20, capacity=(2, 1, 1)) -> dict:
    start = (datetime.now(timezone.utc) + timedelta(days=days_ahead)).date()
    la, caf, adcs = capacity
    return {
        "title": "Working together in care proceedings", "description": "Joint workshop", "host_org": "E09000033",
        "region": "london", "venue": "Civic Centre, Room 2",
        "sessions": [{"date": str(start), "start": "09:30", "end": "16:30"},
                     {"date": str(start + timedelta(days=1)), "start": "09:30", "end": "16:30"},
                     {"date": str(start + timedelta(days=8)), "start": "09:30", "end": "13:00"}],
        "places": {"capacity": la + caf + adcs,
                   "allocations": {"la-social-worker": la, "cafcass": caf, "adcs-partner": adcs}},
        "registration_opens_at": (datetime.now(timezone.utc) - timedelta(days=1)).isoformat(),
        "registration_closes_at": (datetime.now(timezone.utc) + timedelta(days=days_ahead - 2)).isoformat(),
        "cancellation_deadline": (datetime.now(timezone.utc) + timedelta(days=days_ahead - 1)).isoformat(),
    }


def _json_headers(tokens, role):
    return {**tokens.header(role), "Content-Type": "application/json"}


@pytest.fixture()
def published(client, tokens, mail):
    admin = _json_headers(tokens, "cafcass-admin")
    created = client.post("/workshops", headers=admin, body=json.dumps(_body()))
    assert created.status_code == 201, created.body
    workshop_id = created.json_body["id"]
    assert created.json_body["status"] == "draft"
    resp = client.post(f"/workshops/{workshop_id}/status", headers=admin, body=json.dumps({"status": "published"}))
    assert resp.status_code == 200
    return workshop_id


def _me(role="la-social-worker", **overrides):
    body = {"name": "Sam Taylor", "email": "social.worker@westminster.example.org", "organisation": "E09000033",
            "group": "la-social-worker", "job_title": "Social worker", "access_needs": "Hearing loop",
            "dietary_needs": "Vegan"}
    body.update(overrides)
    return json.dumps(body)


def test_drafts_are_hidden_until_published(client, tokens, mail):
    admin = _json_headers(tokens, "cafcass-admin")
    draft = client.post("/workshops", headers=admin, body=json.dumps(_body())).json_body
    reader = tokens.header("la-social-worker")
    assert client.get(f"/workshops/{draft['id']}", headers=reader).status_code == 404
    assert client.get(f"/workshops/{draft['id']}", headers=tokens.header("cafcass-admin")).status_code == 200
    assert draft["id"] not in [w["id"] for w in client.get("/workshops?limit=100", headers=reader).json_body["items"]]


def test_a_social_worker_registers_sees_it_and_cancels(client, tokens, published):
    me = _json_headers(tokens, "la-social-worker")
    resp = client.post(f"/workshops/{published}/registrations", headers=me, body=_me())
    assert resp.status_code == 201, resp.body
    reg = resp.json_body
    assert reg["status"] == "confirmed" and reg["waiting_position"] is None
    assert reg["access_needs"] is None and reg["dietary_needs"] is None  # sensitive: admins only
    again = client.post(f"/workshops/{published}/registrations", headers=me, body=_me())
    assert again.status_code == 409
    assert again.json_body["error"]["code"] == "already_registered"
    assert again.json_body["registration"]["id"] == reg["id"]
    mine = client.get("/me/registrations", headers=tokens.header("la-social-worker")).json_body["items"]
    assert reg["id"] in [r["id"] for r in mine]
    workshop = client.get(f"/workshops/{published}", headers=tokens.header("la-social-worker")).json_body
    assert workshop["groups"]["la-social-worker"] == {"allocation": 2, "confirmed": 1, "waiting": 0}
    assert workshop["places_left"] == 3
    cancelled = client.delete(f"/workshops/{published}/registrations/{reg['id']}",
                              headers=tokens.header("la-social-worker"))
    assert cancelled.status_code == 200 and cancelled.json_body["status"] == "cancelled"


def test_registering_someone_else_needs_an_admin(client, tokens, published):
    me = _json_headers(tokens, "la-social-worker")
    resp = client.post(f"/workshops/{published}/registrations", headers=me,
                       body=_me(email="someone.else@westminster.example.org"))
    assert resp.status_code == 403 and resp.json_body["error"]["code"] == "not_yourself"
    on_behalf = client.post(f"/workshops/{published}/registrations", headers=_json_headers(tokens, "cafcass-admin"),
                            body=_me(email="someone.else@westminster.example.org"))
    assert on_behalf.status_code == 201 and on_behalf.json_body["on_behalf"] is True
    assert on_behalf.json_body["dietary_needs"] == "Vegan"  # admins see needs
    # An LA user cannot read someone else's registration: it does not exist for them.
    other = client.get(f"/workshops/{published}/registrations/{on_behalf.json_body['id']}",
                       headers=tokens.header("la-social-worker"))
    assert other.status_code == 404


def test_admin_only_routes(client, tokens, published):
    reader = tokens.header("la-social-worker")
    assert client.get(f"/workshops/{published}/registrations", headers=reader).status_code == 403
    assert client.get(f"/workshops/{published}/registrations.csv", headers=reader).status_code == 403
    assert client.post(f"/workshops/{published}/status", headers={**reader, "Content-Type": "application/json"},
                       body='{"status": "cancelled"}').status_code == 403
    assert client.get(f"/reports/workshops/{published}", headers=reader).status_code == 403


def test_the_waiting_list_over_http_and_the_csv_export(client, tokens, published):
    admin = _json_headers(tokens, "cafcass-admin")
    ids = []
    for n, name in enumerate(["=HYPERLINK(\"http://evil\")", "Ann", "Bob"]):
        resp = client.post(f"/workshops/{published}/registrations", headers=admin,
                           body=_me(name=name, email=f"p{n}@westminster.example.org"))
        ids.append(resp.json_body)
    assert [r["status"] for r in ids] == ["confirmed", "confirmed", "waiting"]
    assert ids[2]["waiting_position"] == 1
    export = client.get(f"/workshops/{published}/registrations.csv", headers=tokens.header("cafcass-admin"))
    assert export.status_code == 200 and export.headers["Content-Type"].startswith("text/csv")
    text = export.body.decode("utf-8")
    assert text.startswith("\ufeff")
    lines = text.lstrip("\ufeff").split("\r\n")
    assert lines[0].startswith('"registration_id","status","name",')  # every cell quoted, the header too
    assert lines[1].split('","')[2] == "'=HYPERLINK(\"\"http://evil\"\")"  # quotes inside a cell are doubled
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert rows[0][:3] == ["registration_id", "status", "name"]
    assert rows[1][2] == "'=HYPERLINK(\"http://evil\")"  # neutralised
    assert len(rows) == 4
    listing = client.get(f"/workshops/{published}/registrations", headers=tokens.header("cafcass-admin"))
    assert [r["waiting_position"] for r in listing.json_body["items"]] == [None, None, 1]


def test_changing_the_venue_sends_updated_invitations(client, tokens, published, mail):
    admin = _json_headers(tokens, "cafcass-admin")
    client.post(f"/workshops/{published}/registrations", headers=admin, body=_me(email="a@westminster.example.org"))
    client.post(f"/workshops/{published}/registrations", headers=admin, body=_me(email="b@westminster.example.org"))
    client.post(f"/workshops/{published}/registrations", headers=admin, body=_me(email="c@westminster.example.org"))
    resp = client.patch(f"/workshops/{published}", headers=admin, body=json.dumps({"venue": "Town Hall"}))
    assert resp.status_code == 200 and resp.json_body["venue"] == "Town Hall"
    changes = [r for r in OutboxRecord.scan() if r.template == "workshop_changed"]
    assert sorted(r.recipient for r in changes) == ["a@westminster.example.org", "b@westminster.example.org",
                                                    "c@westminster.example.org"]
    with_invite = {r.recipient: json.loads(r.invitation)["sequence"] for r in changes if r.invitation}
    assert with_invite == {"a@westminster.example.org": 1, "b@westminster.example.org": 1}  # c is waiting
    assert workshop_jobs.run()["change_notices"] == 0  # everyone already told: the job sends nothing more


def test_cancelling_a_workshop_tells_everyone(client, tokens, published, mail):
    admin = _json_headers(tokens, "cafcass-admin")
    client.post(f"/workshops/{published}/registrations", headers=admin, body=_me(email="x@westminster.example.org"))
    resp = client.post(f"/workshops/{published}/status", headers=admin, body='{"status": "cancelled"}')
    assert resp.status_code == 200 and resp.json_body["status"] == "cancelled"
    cancels = [r for r in OutboxRecord.scan() if r.template == "workshop_cancelled"]
    assert len(cancels) == 1, [(c.recipient, c.context[:80]) for c in cancels]
    assert json.loads(cancels[0].invitation)["cancel"] is True
    again = client.post(f"/workshops/{published}/status", headers=admin, body='{"status": "published"}')
    assert again.status_code == 409 and again.json_body["error"]["code"] == "invalid_transition"


def test_reminders_go_out_once_however_often_the_job_runs(client, tokens, mail):
    admin = _json_headers(tokens, "cafcass-admin")
    workshop_id = client.post("/workshops", headers=admin, body=json.dumps(_body(days_ahead=10))).json_body["id"]
    client.post(f"/workshops/{workshop_id}/status", headers=admin, body='{"status": "published"}')
    client.post(f"/workshops/{workshop_id}/registrations", headers=admin,
                body=_me(email="r@westminster.example.org"))
    start = datetime.fromisoformat(client.get(f"/workshops/{workshop_id}", headers=admin).json_body["sessions"][0]
                                   ["starts_at"])

    def reminders():
        return sorted(json.loads(r.context)["when"] for r in OutboxRecord.scan() if r.template == "workshop_reminder")

    workshop_jobs.run(start - timedelta(days=8))
    assert reminders() == []
    for _ in range(2):
        workshop_jobs.run(start - timedelta(days=6))
    assert reminders() == ["in a week"]
    for _ in range(2):
        workshop_jobs.run(start - timedelta(hours=20))
    assert reminders() == ["in a week", "tomorrow"]


def test_after_the_workshop_attendance_feedback_and_reports(client, tokens, mail):
    admin = _json_headers(tokens, "cafcass-admin")
    workshop_id = client.post("/workshops", headers=admin, body=json.dumps(_body(days_ahead=10))).json_body["id"]
    client.post(f"/workshops/{workshop_id}/status", headers=admin, body='{"status": "published"}')
    regs = [client.post(f"/workshops/{workshop_id}/registrations", headers=admin,
                        body=_me(email=f"f{n}@westminster.example.org")).json_body for n in range(2)]
    early = client.put(f"/workshops/{workshop_id}/registrations/{regs[0]['id']}/attendance", headers=admin,
                       body=json.dumps({"sessions": {"1": "present"}}))
    assert early.status_code == 422 and early.json_body["error"]["code"] == "session_not_started"

    from chalicelib.workshops.services import attendance

    sessions = client.get(f"/workshops/{workshop_id}", headers=admin).json_body["sessions"]
    during = datetime.fromisoformat(sessions[0]["starts_at"]) + timedelta(hours=1)
    attendance.record_attendance(_admin_caller(), workshop_id, regs[0]["id"], {"1": "present"}, now=during)
    attendance.record_attendance(_admin_caller(), workshop_id, regs[1]["id"], {"1": "absent"}, now=during)
    after = datetime.fromisoformat(sessions[-1]["ends_at"]) + timedelta(hours=1)
    assert workshop_jobs.run(after)["completed"] >= 1
    assert client.get(f"/workshops/{workshop_id}", headers=admin).json_body["status"] == "completed"
    workshop_jobs.run(after)  # completes, then asks for feedback once
    workshop_jobs.run(after)
    requests = [r for r in OutboxRecord.scan() if r.template == "workshop_feedback_request"]
    assert [r.recipient for r in requests] == ["f0@westminster.example.org"]  # only who attended
    page = json.loads(requests[0].context)["feedback_url"].removeprefix("https://partnerships.test/api")
    assert page.startswith("/links/feedback/")  # the emailed link opens a form; its token is a path segment
    link = "/feedback?token=" + page.rsplit("/", 1)[1]  # the JSON routes, for API clients
    info = client.get(link)
    assert info.status_code == 200 and info.json_body == {"workshop_title": "Working together in care proceedings",
                                                          "already_given": False}
    form = client.get(page)
    assert form.status_code == 200 and form.headers["Content-Type"] == "text/html; charset=utf-8"
    html = form.body.decode()
    assert '<form method="post"' in html and 'name="rating"' in html and 'name="changed_practice"' in html
    assert 'name="comment"' in html and "<script" not in html
    posted = client.post(page, headers={"Content-Type": "application/x-www-form-urlencoded"},
                         body="rating=4&changed_practice=yes&comment=Useful%0D%0Aand+clear")
    assert posted.status_code == 201 and "Thank you" in posted.body.decode()
    resent = client.post(page, headers={"Content-Type": "application/x-www-form-urlencoded"},
                         body="rating=4&changed_practice=yes&comment=Useful%0D%0Aand+clear")
    assert resent.status_code == 201  # the same answer again (a resent form): received, not "already given"
    assert "already given" in client.get(page).body.decode()
    body = json.dumps({"rating": 4, "changed_practice": "yes", "comment": "Useful"})
    twice = client.post(link, headers={"Content-Type": "application/json"}, body=body)
    assert twice.status_code == 409 and twice.json_body["error"]["code"] == "feedback_already_given"
    again = client.post(page, headers={"Content-Type": "application/x-www-form-urlencoded"},
                        body="rating=4&changed_practice=yes")
    assert again.status_code == 409 and again.headers["Content-Type"].startswith("text/html")
    feedback = client.get(f"/workshops/{workshop_id}/feedback", headers=tokens.header("cafcass-admin")).json_body
    assert [e["comment"] for e in feedback["items"]] == ["Useful\nand clear"]
    forged = client.post("/feedback?token=" + "B" * 100, headers={"Content-Type": "application/json"}, body=body)
    assert forged.status_code == 400

    report = client.get(f"/reports/workshops/{workshop_id}", headers=tokens.header("cafcass-admin")).json_body
    figures = report["figures"]
    assert figures["places_offered"] == 4 and figures["places_filled"] == 2 and figures["attended"] == 1
    assert figures["feedback_responses"] == 1 and figures["response_rate"] == 1.0
    assert figures["average_rating"] == 4.0 and figures["changed_practice_share"] == 1.0
    start = sessions[0]["starts_at"].replace("+00:00", "Z")
    period = client.get(f"/reports/workshops?region=london&from={start}&to=2099-01-01T00:00:00Z",
                        headers=tokens.header("cafcass-admin"))
    assert period.status_code == 200, period.body
    assert workshop_id in [w["workshop_id"] for w in period.json_body["workshops"]]
    assert period.json_body["totals"]["feedback_responses"] >= 1


def _admin_caller():
    from chalicelib.core.auth.caller import Caller, Role

    return Caller(id="admin", roles=frozenset({Role.CAFCASS_ADMIN}), organisation="CAFCASS",
                  email="cafcass.admin@example.org")
