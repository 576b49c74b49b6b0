"""No personal data in logs: run a full flow and look for every personal value sent."""

from __future__ import annotations

import json

from tests.integration.conftest import mint

PERSONAL_EMAIL = "jane.private-person@westminster.example.org"
FREE_TEXT = "Child A lives with grandmother at 12 Private Road"


def test_a_full_flow_logs_none_of_the_personal_values_it_sent(client, tokens, claims_for, request):
    token = tokens.for_user(PERSONAL_EMAIL, "E09000033", ["la-social-worker"])
    expired = mint(claims_for(email=PERSONAL_EMAIL, exp=1, iat=0))
    logs = request.getfixturevalue("service_logs")  # capture from here on: the set-up above is the test's own
    me = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    admin = {**tokens.header("cafcass-admin"), "Content-Type": "application/json"}

    client.get("/organisations?region=london&limit=5", headers=me)
    client.get("/organisations/E09000033", headers=me)
    client.patch("/organisations/E09000033", headers=me, body=json.dumps({"name": FREE_TEXT}))  # 403
    client.post("/organisations", headers=admin, body=json.dumps({"code": "E06000950", "name": FREE_TEXT,
                                                                  "type": "local_authority", "nation": "england",
                                                                  "region": "london", "colour": FREE_TEXT}))  # 422
    client.post("/organisations", headers=admin, body='{"name": "' + FREE_TEXT + '"')  # 400
    client.get(f"/organisations?cursor={FREE_TEXT.replace(' ', '')}", headers=me)  # 422
    client.get("/organisations", headers={"Authorization": f"Bearer {expired}"})  # 401

    records = logs.records()
    assert {(r.get("route"), r.get("status")) for r in records if r["message"] == "request"} >= {
        ("/organisations", 200), ("/organisations/{code}", 403), ("/organisations", 422), ("/organisations", 400),
        ("/organisations", 401)}  # the whole flow was logged...
    text = logs.text()
    for value in (PERSONAL_EMAIL, "jane", FREE_TEXT, "grandmother", "Private Road", token[:40], expired[:40]):
        assert value not in text, f"personal value leaked into logs: {value[:20]}..."  # ...without personal data


def test_a_workshop_registration_logs_none_of_the_personal_values_it_sent(client, tokens, request):
    from datetime import datetime, timedelta, timezone

    admin = {**tokens.header("cafcass-admin"), "Content-Type": "application/json"}
    start = (datetime.now(timezone.utc) + timedelta(days=20)).date()
    workshop = client.post("/workshops", headers=admin, body=json.dumps({
        "title": "Privacy workshop", "description": "x", "host_org": "E09000033", "region": "london", "venue": "Hall",
        "sessions": [{"date": str(start), "start": "09:30", "end": "16:30"}],
        "places": {"capacity": 1, "allocations": {"la-social-worker": 1, "cafcass": 0, "adcs-partner": 0}},
        "registration_opens_at": datetime.now(timezone.utc).isoformat(),
        "registration_closes_at": (datetime.now(timezone.utc) + timedelta(days=10)).isoformat(),
        "cancellation_deadline": (datetime.now(timezone.utc) + timedelta(days=10)).isoformat()})).json_body
    client.post(f"/workshops/{workshop['id']}/status", headers=admin, body='{"status": "published"}')
    logs = request.getfixturevalue("service_logs")
    people = [("Jane Private-Person", "jane.private@westminster.example.org"),
              ("Joe Hidden-Name", "joe.hidden@westminster.example.org")]
    ids = []
    for name, email in people:
        resp = client.post(f"/workshops/{workshop['id']}/registrations", headers=admin, body=json.dumps({
            "name": name, "email": email, "organisation": "E09000033", "group": "la-social-worker",
            "job_title": "Social worker", "access_needs": FREE_TEXT, "dietary_needs": "Coeliac, severe"}))
        ids.append(resp.json_body["id"])
    client.delete(f"/workshops/{workshop['id']}/registrations/{ids[0]}", headers=admin)  # promotes Joe
    text = logs.text()
    assert "registration confirmed" in text and "promoted" in text  # the flow was logged...
    for value in [v for person in people for v in person] + [FREE_TEXT, "Coeliac", "Private-Person"]:
        assert value not in text, f"personal value leaked into logs: {value[:12]}..."  # ...without personal data
