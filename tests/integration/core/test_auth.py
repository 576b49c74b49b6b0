"""Sign-in through the whole stack: authorizer, route access rules, and the error envelope."""

from __future__ import annotations

import time

import pytest

from tests.integration.conftest import mint

ROLES = ["cafcass-admin", "cafcass-reviewer", "la-social-worker", "adcs-partner", "adcs-admin"]


def _error(resp):
    body = resp.json_body
    assert set(body) == {"error"}, body
    return body["error"]


def test_missing_token_is_401(client):
    resp = client.get("/organisations")
    assert resp.status_code == 401


@pytest.mark.parametrize("role", ROLES)
def test_every_role_can_read_the_directory_with_an_id_token(client, tokens, role):
    resp = client.get("/organisations/CAFCASS", headers=tokens.header(role))
    assert resp.status_code == 200
    assert resp.json_body["code"] == "CAFCASS"


def test_access_tokens_are_refused_with_a_code_saying_which_token_to_send(client, tokens):
    # Access tokens carry neither the address nor the organisation: clients send the ID token.
    token = tokens.for_role("la-social-worker", token="AccessToken")
    resp = client.get("/organisations/ADCS", headers={"Authorization": f"Bearer {token}"})
    assert resp.status_code == 401
    assert _error(resp)["code"] == "id_token_required" and _error(resp)["field"] == "Authorization"


@pytest.mark.parametrize("verified", [False, "false", None])
def test_an_id_token_without_a_verified_address_is_refused(client, claims_for, verified):
    token = mint(claims_for(email_verified=verified, email="someone.else@example.org"))
    resp = client.get("/organisations/ADCS", headers={"Authorization": f"Bearer {token}"})
    assert resp.status_code == 401 and _error(resp)["code"] == "email_not_verified"


@pytest.mark.parametrize("value, reason_code", [
    ("Bearer", "invalid_token"),
    ("Bearer ", "invalid_token"),
    ("Bearer not-a-jwt", "invalid_token"),
    ("Bearer a.b.c", "invalid_token"),
    ("Bearer " + "x" * 9000, "invalid_token"),
    ("Basic dXNlcjpwYXNz", "invalid_token"),
    ("Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.", "invalid_token"),
])
def test_garbage_tokens_are_401_with_the_envelope(client, value, reason_code):
    resp = client.get("/organisations", headers={"Authorization": value})
    assert resp.status_code == 401
    error = _error(resp)
    assert error["code"] == reason_code
    assert error["field"] == "Authorization"


def test_forged_signature_is_401(client, claims_for):
    resp = client.get("/organisations", headers={"Authorization": f"Bearer {mint(claims_for(), forged=True)}"})
    assert resp.status_code == 401
    assert _error(resp)["code"] == "invalid_token"


def test_a_correctly_signed_token_with_our_claims_passes(client, claims_for):
    """The control for the refusals below: the same minting with the pool's key is accepted."""
    resp = client.get("/organisations", headers={"Authorization": f"Bearer {mint(claims_for())}"})
    assert resp.status_code == 200


def test_expired_token_is_401_token_expired(client, claims_for):
    past = int(time.time()) - 3600
    token = mint(claims_for(iat=past - 3600, exp=past))
    resp = client.get("/organisations", headers={"Authorization": f"Bearer {token}"})
    assert resp.status_code == 401
    assert _error(resp)["code"] == "token_expired"


@pytest.mark.parametrize("override", [
    {"iss": "https://cognito-idp.eu-west-2.amazonaws.com/eu-west-2_other"},
    {"aud": "another-app-client"},
    {"token_use": "refresh"},
    {"exp": None},
    {"sub": None},
])
def test_wrong_claims_are_401(client, claims_for, override):
    resp = client.get("/organisations", headers={"Authorization": f"Bearer {mint(claims_for(**override))}"})
    assert resp.status_code == 401
    assert _error(resp)["code"] == "invalid_token"


def test_unknown_key_id_is_401(client, claims_for):
    resp = client.get("/organisations", headers={"Authorization": f"Bearer {mint(claims_for(), kid='other')}"})
    assert resp.status_code == 401


def test_valid_token_without_the_role_is_403(client, tokens):
    resp = client.post("/organisations", headers={**tokens.header("la-social-worker"),
                                                  "Content-Type": "application/json"},
                       body='{"code": "E06000999", "name": "X", "type": "local_authority", '
                            '"region": "london", "nation": "england"}')
    assert resp.status_code == 403
    assert _error(resp)["code"] == "forbidden"


def test_a_user_without_any_of_the_services_roles_is_refused_everywhere(client, tokens):
    token = tokens.for_user("no.groups@example.org", "E09000033", [])
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    for method, path in (("GET", "/organisations/E09000033"), ("GET", "/workshops"), ("GET", "/me/registrations")):
        resp = client.request(method, path, headers=headers)
        assert resp.status_code == 403 and _error(resp)["code"] == "no_service_role", path
    resp = client.patch("/organisations/E09000033", headers=headers, body='{"active": false}')
    assert resp.status_code == 403


def test_public_routes_need_no_token(client):
    assert client.get("/health").status_code == 200
    assert client.get("/openapi.json").status_code == 200
