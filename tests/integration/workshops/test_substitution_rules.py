"""Handing a place on over HTTP (issue 9, section 2): only to a colleague at one of the organisation's email
domains (or, where the directory records none, at the domain of the address the place is registered to), an
admin's audited override, and at most two hand-ons along one chain of substitutions."""

from __future__ import annotations

import json

import pytest

from chalicelib.mail.store.outbox import OutboxRecord
from chalicelib.workshops.store import registrations as regs
from tests.integration.workshops.test_api import _body, _json_headers, _me

WESTMINSTER = "E09000033"  # seeded with westminster.gov.uk
NO_DOMAINS = "E09000002"  # Barking and Dagenham: the directory records no domains for it


def _colleague(email: str, **extra: object) -> str:
    return json.dumps({"name": "Alex Jones", "email": email, "job_title": "Social worker", **extra})


def _recipients() -> list[str]:
    return sorted(r.recipient for r in OutboxRecord.scan())


@pytest.fixture()
def workshop(client, tokens, mail):
    admin = _json_headers(tokens, "cafcass-admin")
    created = client.post("/workshops", headers=admin, body=json.dumps(_body(capacity=(4, 0, 0))))
    assert created.status_code == 201, created.body
    wid = created.json_body["id"]
    assert client.post(f"/workshops/{wid}/status", headers=admin,
                       body=json.dumps({"status": "published"})).status_code == 200
    return wid


@pytest.fixture()
def my_place(client, tokens, workshop):
    """The demo social worker (Westminster) registers herself and holds a place."""
    resp = client.post(f"/workshops/{workshop}/registrations", headers=_json_headers(tokens, "la-social-worker"),
                       body=_me())
    assert resp.status_code == 201 and resp.json_body["status"] == "confirmed", resp.body
    return resp.json_body["id"]


def _hand_on(client, headers, wid, rid, body):
    return client.post(f"/workshops/{wid}/registrations/{rid}/substitute", headers=headers, body=body)


# --- the colleague's domain ------------------------------------------------------------------------------------

@pytest.mark.parametrize("email", ["urgent.notice@phish.example", "someone@westminster.gov.uk.evil.example",
                                   "someone@mail.westminster.gov.uk", "someone@example.org"])
def test_a_place_cannot_go_to_an_address_outside_the_organisations_domains(client, tokens, workshop, my_place,
                                                                          email):
    before = _recipients()
    resp = _hand_on(client, _json_headers(tokens, "la-social-worker"), workshop, my_place, _colleague(email))
    assert resp.status_code == 422, resp.body
    assert resp.json_body["error"]["code"] == "colleague_not_in_organisation"
    assert resp.json_body["error"]["field"] == "email"
    assert email not in resp.body.decode()
    # nothing changed, nothing queued
    assert regs.get(workshop, my_place).status == "confirmed"
    assert _recipients() == before


def test_a_colleague_at_the_organisations_domain_takes_the_place(client, tokens, workshop, my_place):
    resp = _hand_on(client, _json_headers(tokens, "la-social-worker"), workshop, my_place,
                    _colleague("Alex.Jones@Westminster.GOV.uk"))
    assert resp.status_code == 201, resp.body
    new = regs.get(workshop, resp.json_body["id"])
    assert new.status == "confirmed" and new.hand_ons == 1 and new.domain_override_by is None
    assert "Alex.Jones@Westminster.GOV.uk" in _recipients()


def test_where_no_domains_are_recorded_the_colleague_shares_the_original_address_domain(client, tokens, workshop):
    admin = _json_headers(tokens, "cafcass-admin")
    place = client.post(f"/workshops/{workshop}/registrations", headers=admin, body=_me(
        email="pat@lbbd.example.org", organisation=NO_DOMAINS))
    assert place.status_code == 201, place.body
    rid = place.json_body["id"]
    refused = _hand_on(client, admin, workshop, rid, _colleague("pat.friend@other.example.org"))
    assert refused.status_code == 422 and refused.json_body["error"]["code"] == "colleague_not_in_organisation"
    handed = _hand_on(client, admin, workshop, rid, _colleague("jo@lbbd.example.org"))
    assert handed.status_code == 201, handed.body


def test_domains_an_admin_records_take_effect_at_once(client, tokens, workshop):
    admin = _json_headers(tokens, "cafcass-admin")
    code = "E06000911"
    created = client.post("/organisations", headers=admin, body=json.dumps({
        "code": code, "name": "Domain Test Unitary", "type": "local_authority", "region": "south-west",
        "nation": "england"}))
    assert created.status_code == 201, created.body
    place = client.post(f"/workshops/{workshop}/registrations", headers=admin, body=_me(
        email="kim@dtu.example.org", organisation=code))
    rid = place.json_body["id"]
    patched = client.patch(f"/organisations/{code}", headers=admin,
                           body=json.dumps({"email_domains": ["dtu.gov.uk"]}))
    assert patched.status_code == 200 and patched.json_body["email_domains"] == ["dtu.gov.uk"]
    # with domains recorded, the original's own domain no longer counts
    refused = _hand_on(client, admin, workshop, rid, _colleague("lee@dtu.example.org"))
    assert refused.status_code == 422 and refused.json_body["error"]["code"] == "colleague_not_in_organisation"
    assert _hand_on(client, admin, workshop, rid, _colleague("lee@dtu.gov.uk")).status_code == 201


# --- the admin's override --------------------------------------------------------------------------------------

def test_only_an_admin_may_override_the_domain_check(client, tokens, workshop, my_place):
    resp = _hand_on(client, _json_headers(tokens, "la-social-worker"), workshop, my_place,
                    _colleague("friend@elsewhere.example", override_domain_check=True))
    assert resp.status_code == 403 and resp.json_body["error"]["code"] == "forbidden"
    assert regs.get(workshop, my_place).status == "confirmed"


def test_an_admins_override_is_recorded_and_logged_without_the_address(client, tokens, workshop, my_place,
                                                                       service_logs):
    admin = _json_headers(tokens, "cafcass-admin")
    email = "agency.worker@agency.example"
    refused = _hand_on(client, admin, workshop, my_place, _colleague(email))  # admins too, unless they say so
    assert refused.status_code == 422 and refused.json_body["error"]["code"] == "colleague_not_in_organisation"
    resp = _hand_on(client, admin, workshop, my_place, _colleague(email, override_domain_check=True))
    assert resp.status_code == 201, resp.body
    new = regs.get(workshop, resp.json_body["id"])
    assert new.domain_override_by and new.domain_override_by == new.created_by
    assert new.domain_override_at == new.created_at
    logged = [r for r in service_logs.records() if r.get("message") == "colleague domain check overridden by an admin"]
    assert len(logged) == 1
    assert logged[0]["substitute_id"] == new.id and logged[0]["admin_id"] == new.domain_override_by
    assert logged[0]["registration_id"] == my_place and logged[0]["workshop_id"] == workshop
    assert email not in service_logs.text() and "agency.example" not in service_logs.text()


# --- how often a place passes on -------------------------------------------------------------------------------

def test_a_place_passes_on_at_most_twice_along_a_chain_except_by_an_admin(client, tokens, workshop, my_place):
    chain = ["chain.b@westminster.gov.uk", "chain.c@westminster.gov.uk", "chain.d@westminster.gov.uk"]
    headers = _json_headers(tokens, "la-social-worker")
    rid = my_place
    for hop, email in enumerate(chain[:2], start=1):
        resp = _hand_on(client, headers, workshop, rid, _colleague(email))
        assert resp.status_code == 201, resp.body
        rid = resp.json_body["id"]
        assert regs.get(workshop, rid).hand_ons == hop
        # the colleague signs in (their verified address claims the place) and may hand it on in turn
        token = tokens.for_user(email, WESTMINSTER, ["la-social-worker"])
        headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    third = _hand_on(client, headers, workshop, rid, _colleague(chain[2]))
    assert third.status_code == 409, third.body
    assert third.json_body["error"]["code"] == "substitution_limit_reached"
    assert regs.get(workshop, rid).status == "confirmed"
    by_admin = _hand_on(client, _json_headers(tokens, "cafcass-admin"), workshop, rid, _colleague(chain[2]))
    assert by_admin.status_code == 201, by_admin.body
    assert regs.get(workshop, by_admin.json_body["id"]).hand_ons == 3
