"""The service over real HTTP: chalice local, real Cognito tokens verified against the JWKS served
by the moto server, DynamoDB in the moto server."""

from __future__ import annotations

import base64
import json


def test_health_and_api_description_are_public(api):
    health = api.request("GET", "/health")
    assert health.status == 200 and health.json()["checks"] == {"dynamodb": "ok"}
    doc = api.request("GET", "/openapi.json")
    assert doc.status == 200 and doc.json()["openapi"] == "3.1.0"
    assert doc.headers["Content-Type"] == "application/json"


def test_a_real_token_reads_the_directory(api):
    token = api.token("la-social-worker")
    resp = api.request("GET", "/organisations?region=london&limit=5", token=token)
    assert resp.status == 200
    body = resp.json()
    assert len(body["items"]) == 5 and body["next_cursor"]
    nxt = api.request("GET", f"/organisations?region=london&limit=5&cursor={body['next_cursor']}", token=token)
    assert nxt.status == 200
    assert not {i["code"] for i in body["items"]} & {i["code"] for i in nxt.json()["items"]}


def test_no_token_is_401(api):
    assert api.request("GET", "/organisations").status == 401


def test_a_forged_token_is_refused(api):
    """Take a real token and change its claims (a would-be admin) without re-signing: 401."""
    header, payload, signature = api.token("la-social-worker").split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=="))
    claims["cognito:groups"] = ["cafcass-admin"]
    forged_payload = base64.urlsafe_b64encode(json.dumps(claims).encode()).decode().rstrip("=")
    resp = api.request("GET", "/organisations", token=f"{header}.{forged_payload}.{signature}")
    assert resp.status == 401
    assert resp.json()["error"]["code"] == "invalid_token"


def test_roles_are_enforced_over_http(api):
    new = {"code": "E06000961", "name": "E2E Unitary", "type": "local_authority", "region": "north-east",
           "nation": "england"}
    assert api.request("POST", "/organisations", token=api.token("adcs-partner"), body=new).status == 403
    created = api.request("POST", "/organisations", token=api.token("cafcass-admin"), body=new)
    assert created.status == 201
    assert created.json()["reviewing_org"] == "CAFCASS"
    edited = api.request("PATCH", "/organisations/E06000961", token=api.token("cafcass-admin"),
                         body={"cafcass_service_area": "ons-region-north-east"})
    assert edited.status == 200 and edited.json()["version"] == 2


def test_bad_input_gets_the_envelope_over_http(api):
    admin = api.token("cafcass-admin")
    malformed = api.request("POST", "/organisations", token=admin, body=b"{not json")
    assert malformed.status == 400 and malformed.json()["error"]["code"] == "malformed_json"
    wrong_type = api.request("POST", "/organisations", token=admin, body=b"code=x",
                             headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert wrong_type.status == 415 and wrong_type.json()["error"]["field"] == "Content-Type"
    method = api.request("PUT", "/organisations/E09000033", token=admin, body={})
    assert method.status == 405 and method.json()["error"]["code"] == "method_not_allowed"
