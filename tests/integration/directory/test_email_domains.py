"""Organisations' email domains over HTTP and through the seed (issue 9, section 2), DynamoDB in moto."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from chalicelib.core.auth.caller import Caller, Role
from chalicelib.directory import seed as directory_seed
from chalicelib.directory import service as service
from chalicelib.directory import store as store
from chalicelib.directory.domain import Nation, Organisation, OrgType, Region

ADMIN = Caller(id="admin-1", roles=frozenset({Role.CAFCASS_ADMIN}), organisation="CAFCASS")
NEW = {"code": "E06000921", "name": "Domains Unitary", "type": "local_authority", "region": "south-west",
       "nation": "england"}


@pytest.fixture()
def admin(tokens):
    return {**tokens.header("cafcass-admin"), "Content-Type": "application/json"}


def test_seeded_domains_are_shown_and_offered_to_other_capabilities(client, tokens):
    cafcass = client.get("/organisations/CAFCASS", headers=tokens.header("la-social-worker"))
    assert cafcass.status_code == 200 and cafcass.json_body["email_domains"] == ["cafcass.gov.uk"]
    assert client.get("/organisations/E09000002", headers=tokens.header("la-social-worker")
                      ).json_body["email_domains"] == []
    assert service.email_domains("CAFCASS-CYMRU") == frozenset({"gov.wales", "llyw.cymru"})
    assert service.email_domains("E09000002") == frozenset()


def test_an_admin_records_replaces_and_clears_domains(client, admin):
    created = client.post("/organisations", headers=admin,
                          body=json.dumps({**NEW, "email_domains": ["Domains.gov.UK", "domains.gov.uk"]}))
    assert created.status_code == 201, created.body
    assert created.json_body["email_domains"] == ["domains.gov.uk"]
    path = f"/organisations/{NEW['code']}"
    replaced = client.patch(path, headers=admin, body=json.dumps({"email_domains": ["b.gov.uk", "a.gov.uk"]}))
    assert replaced.status_code == 200 and replaced.json_body["email_domains"] == ["a.gov.uk", "b.gov.uk"]
    assert service.email_domains(NEW["code"]) == frozenset({"a.gov.uk", "b.gov.uk"})
    untouched = client.patch(path, headers=admin, body=json.dumps({"name": "Domains Unitary Council"}))
    assert untouched.json_body["email_domains"] == ["a.gov.uk", "b.gov.uk"]
    cleared = client.patch(path, headers=admin, body=json.dumps({"email_domains": None}))
    assert cleared.status_code == 200 and cleared.json_body["email_domains"] == []
    assert service.email_domains(NEW["code"]) == frozenset()
    client.patch(path, headers=admin, body=json.dumps({"email_domains": ["a.gov.uk"]}))
    emptied = client.patch(path, headers=admin, body=json.dumps({"email_domains": []}))
    assert emptied.json_body["email_domains"] == []


@pytest.mark.parametrize("domains", [["not a domain"], ["someone@a.gov.uk"], ["gov"], "a.gov.uk", ["a.\ngov.uk"],
                                     ["a\u0000.gov.uk"]])
def test_what_is_not_a_dns_domain_is_refused_and_changes_nothing(client, admin, tokens, domains):
    code = "E06000922"
    client.post("/organisations", headers=admin, body=json.dumps({**NEW, "code": code,
                                                                  "email_domains": ["keep.gov.uk"]}))
    resp = client.patch(f"/organisations/{code}", headers=admin, body=json.dumps({"email_domains": domains}))
    assert resp.status_code == 422 and resp.json_body["error"]["field"].startswith("email_domains")
    created = client.post("/organisations", headers=admin,
                          body=json.dumps({**NEW, "code": "E06000923", "email_domains": domains}))
    assert created.status_code == 422
    assert service.email_domains(code) == frozenset({"keep.gov.uk"})


def test_only_admins_edit_domains(client, tokens):
    resp = client.patch("/organisations/CAFCASS", headers={**tokens.header("la-social-worker"),
                                                           "Content-Type": "application/json"},
                        body=json.dumps({"email_domains": ["evil.example"]}))
    assert resp.status_code == 403
    assert service.email_domains("CAFCASS") == frozenset({"cafcass.gov.uk"})


def test_the_seed_is_idempotent_and_keeps_an_admins_domains_unless_overwriting(aws):
    org = Organisation(code="E06000924", name="Seeded Domains", type=OrgType.LOCAL_AUTHORITY,
                       region=Region.SOUTH_WEST, nation=Nation.ENGLAND, reviewing_org="CAFCASS",
                       email_domains=frozenset({"seeded.gov.uk"}))
    assert directory_seed.seed([org]).created == ["E06000924"]
    assert store.get("E06000924").email_domains == {"seeded.gov.uk"}
    again = directory_seed.seed([org])
    assert again.created == [] and again.updated == [] and again.unchanged == 1
    service.update_organisation(ADMIN, "E06000924", {"email_domains": frozenset({"edited.gov.uk"})})
    directory_seed.seed([org])
    assert store.get("E06000924").email_domains == {"edited.gov.uk"}
    service.update_organisation(ADMIN, "E06000924", {"email_domains": None})  # cleared by an admin: stays clear
    directory_seed.seed([org])
    assert store.get("E06000924").email_domains == frozenset()
    assert directory_seed.seed([org], overwrite=True).updated == ["E06000924"]
    assert store.get("E06000924").email_domains == {"seeded.gov.uk"}
    assert directory_seed.seed([replace(org)], overwrite=True).updated == []
