"""Registrations belong to the Cognito subject of their person: set when people register themselves, and
claimed by the first sign-in with a matching verified address when an admin registered them on their behalf.
The address alone opens nothing that belongs to another subject."""

from __future__ import annotations

import json
import uuid
from typing import Any

from tests.integration.conftest import mint
from tests.integration.workshops.test_api import _body, _json_headers


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}


def _person(claims_for: Any, sub: str, email: str) -> dict[str, str]:
    return _bearer(mint(claims_for(sub=sub, email=email, **{"cognito:groups": ["la-social-worker"],
                                                            "custom:org": "E09000033"})))


def _workshop(client: Any, tokens: Any) -> str:
    admin = _json_headers(tokens, "cafcass-admin")
    workshop_id = client.post("/workshops", headers=admin, body=json.dumps(_body(capacity=(4, 0, 0)))).json_body["id"]
    client.post(f"/workshops/{workshop_id}/status", headers=admin, body=json.dumps({"status": "published"}))
    return str(workshop_id)


def _register(client: Any, headers: dict[str, str], workshop_id: str, email: str) -> dict[str, Any]:
    resp = client.post(f"/workshops/{workshop_id}/registrations", headers=headers, body=json.dumps({
        "name": "Pat Person", "email": email, "organisation": "E09000033", "group": "la-social-worker",
        "job_title": "Social worker"}))
    assert resp.status_code == 201, resp.body
    return dict(resp.json_body)


def test_a_registration_made_on_someones_behalf_is_claimed_by_their_first_sign_in(client, tokens, mail, claims_for):
    email = f"pat.{uuid.uuid4().hex[:8]}@westminster.example.org"
    workshop_id = _workshop(client, tokens)
    made = _register(client, _json_headers(tokens, "cafcass-admin"), workshop_id, email)
    path = f"/workshops/{workshop_id}/registrations/{made['id']}"

    pat = _person(claims_for, "subject-pat", email)
    listed = client.get("/me/registrations", headers=pat).json_body["items"]
    assert [r["id"] for r in listed] == [made["id"]]  # found by the verified address, and now Pat's
    assert client.get(path, headers=pat).status_code == 200

    # Another account showing the same verified address later (a recycled mailbox, say) gets nothing.
    other = _person(claims_for, "subject-someone-else", email)
    assert client.get(path, headers=other).status_code == 404
    assert client.delete(path, headers=other).status_code == 404
    assert client.get("/me/registrations", headers=other).json_body["items"] == []


def test_ones_own_registration_stays_ones_own_when_the_address_changes(client, tokens, mail, claims_for):
    email = f"sam.{uuid.uuid4().hex[:8]}@westminster.example.org"
    workshop_id = _workshop(client, tokens)
    mine = _register(client, _person(claims_for, "subject-sam", email), workshop_id, email)
    # Sam's verified address changes (a new mailbox): the registration follows the subject, not the address.
    moved = _person(claims_for, "subject-sam", f"new.{email}")
    assert [r["id"] for r in client.get("/me/registrations", headers=moved).json_body["items"]] == [mine["id"]]
    assert client.get(f"/workshops/{workshop_id}/registrations/{mine['id']}", headers=moved).status_code == 200
    # Whoever shows the old address now is not Sam.
    impostor = _person(claims_for, "subject-impostor", email)
    assert client.get(f"/workshops/{workshop_id}/registrations/{mine['id']}", headers=impostor).status_code == 404
