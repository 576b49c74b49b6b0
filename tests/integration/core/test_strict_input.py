"""Strict input (issue 9, section 5): bodies are parsed without coercion, duplicate keys are refused, and text
fields refuse control and bidirectional-override characters (multi-line fields allow line breaks only).
Each refusal is a 4xx naming the field, and nothing is written."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.integration.workshops.test_api import _body, _json_headers

ORG = {"code": "E06000990", "name": "Strict Council", "type": "local_authority", "region": "south-east",
       "nation": "england"}


def _post(client: Any, headers: dict[str, str], path: str, body: Any) -> Any:
    return client.post(path, headers=headers, body=body if isinstance(body, str) else json.dumps(body))


def _field(resp: Any) -> str:
    return str(resp.json_body["error"]["field"])


@pytest.mark.parametrize("name", ["Strict\u202eCouncil", "Strict\x00Council", "Strict\nCouncil", "Strict\x1fCouncil",
                                  "Strict\u2066Council"])
def test_a_single_line_field_refuses_control_and_override_characters(client, tokens, name):
    resp = _post(client, _json_headers(tokens, "cafcass-admin"), "/organisations", {**ORG, "name": name})
    assert resp.status_code == 422 and _field(resp) == "name"
    assert resp.json_body["error"]["details"][0]["code"] == "text_not_single_line"
    assert client.get("/organisations/E06000990", headers=tokens.header("cafcass-admin")).status_code == 404


def test_a_multi_line_field_takes_line_breaks_and_nothing_else(client, tokens, mail):
    admin = _json_headers(tokens, "cafcass-admin")
    ok = _post(client, admin, "/workshops", {**_body(), "description": "Day one.\nDay two.\r\nDay three."})
    assert ok.status_code == 201 and ok.json_body["description"] == "Day one.\nDay two.\nDay three."
    refused = _post(client, admin, "/workshops", {**_body(), "description": "Day one.\x07"})
    assert refused.status_code == 422 and _field(refused) == "description"


@pytest.mark.parametrize("change, field", [
    ({"places": {"capacity": "4", "allocations": {"la-social-worker": 2, "cafcass": 1, "adcs-partner": 1}}},
     "places.capacity"),
    ({"places": {"capacity": 4.0, "allocations": {"la-social-worker": 2, "cafcass": 1, "adcs-partner": 1}}},
     "places.capacity"),
    ({"places": {"capacity": True, "allocations": {"la-social-worker": 2, "cafcass": 1, "adcs-partner": 1}}},
     "places.capacity"),
    ({"registration_opens_at": 1767225600}, "registration_opens_at"),
    ({"registration_opens_at": "2027-01-01T09:00:00"}, "registration_opens_at"),  # no offset
])
def test_no_coercion_of_numbers_booleans_or_date_times(client, tokens, mail, change, field):
    resp = _post(client, _json_headers(tokens, "cafcass-admin"), "/workshops", {**_body(), **change})
    assert resp.status_code == 422, resp.json_body
    assert field in {d["field"] for d in resp.json_body["error"]["details"]}


def test_a_boolean_must_be_a_boolean(client, tokens, mail):
    resp = _post(client, _json_headers(tokens, "cafcass-admin"), "/email/test",
                 {"with_invitation": "yes", "optional": False})
    assert resp.status_code == 422 and _field(resp) == "with_invitation"


def test_a_duplicate_key_is_refused(client, tokens):
    body = '{"code": "E06000991", "name": "One", "name": "Two", "type": "local_authority", ' \
           '"region": "south-east", "nation": "england"}'
    resp = _post(client, _json_headers(tokens, "cafcass-admin"), "/organisations", body)
    assert resp.status_code == 400
    assert resp.json_body["error"]["code"] == "duplicate_key" and _field(resp) == "name"
    assert client.get("/organisations/E06000991", headers=tokens.header("cafcass-admin")).status_code == 404


def test_an_organisation_that_is_not_in_the_directory_is_refused(client, tokens, mail):
    admin = _json_headers(tokens, "cafcass-admin")
    workshop_id = _post(client, admin, "/workshops", _body()).json_body["id"]
    _post(client, admin, f"/workshops/{workshop_id}/status", {"status": "published"})
    resp = _post(client, admin, f"/workshops/{workshop_id}/registrations", {
        "name": "Nobody Known", "email": "nobody@nowhere-council.example.org", "organisation": "E09999999",
        "group": "la-social-worker", "job_title": "Social worker"})
    assert resp.status_code == 422, resp.json_body
    assert resp.json_body["error"]["code"] == "unknown_organisation" and _field(resp) == "organisation"
    listed = client.get(f"/workshops/{workshop_id}/registrations", headers=tokens.header("cafcass-admin"))
    assert listed.json_body["items"] == []  # nothing was written
