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
