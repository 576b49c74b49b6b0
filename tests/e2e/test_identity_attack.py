"""The identity attack of issue 9, run against the local stack as `make run` builds it.

A social worker of one local authority (the attacker) tries to become a victim in another: they rewrite
their own organisation and email with their own access token (Cognito's self-service UpdateUserAttributes),
sign in again, and try to list, read, cancel and hand on the victim's registration, and to register as the
other authority. Every step fails. A last step forges the strongest token the attacker could hope for (the
victim's address, verified): ownership rests on the Cognito subject, so it still gets nothing.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

import boto3
import jwt
import pytest

from tests.integration.conftest import mint
from tools import provision

ATTACKER = "mallory@cityoflondon.example.org"
ATTACKER_ORG = "E09000001"  # City of London
VICTIM = "social.worker@westminster.example.org"  # the demo social worker, Westminster (E09000033)


@pytest.fixture(scope="module")
def idp(stack: Any) -> Any:
    return boto3.client("cognito-idp", region_name=provision.REGION, endpoint_url=stack.aws_endpoint,
                        aws_access_key_id="testing", aws_secret_access_key="testing")


@pytest.fixture(scope="module")
def victims_place(api: Any) -> dict[str, Any]:
    """A workshop, and the victim's own registration for it (made with her own token)."""
    admin = api.token("cafcass-admin")
    start = (datetime.now(timezone.utc) + timedelta(days=30)).date()
    workshop = api.request("POST", "/workshops", token=admin, body={
        "title": "Identity workshop", "description": "Joint workshop", "host_org": "E09000033", "region": "london",
        "venue": "Civic Centre", "sessions": [{"date": str(start), "start": "09:30", "end": "16:30"}],
        "places": {"capacity": 4, "allocations": {"la-social-worker": 4, "cafcass": 0, "adcs-partner": 0}},
        "registration_opens_at": datetime.now(timezone.utc).isoformat(),
        "registration_closes_at": (datetime.now(timezone.utc) + timedelta(days=25)).isoformat(),
        "cancellation_deadline": (datetime.now(timezone.utc) + timedelta(days=28)).isoformat()}).json()
    assert api.request("POST", f"/workshops/{workshop['id']}/status", token=admin,
                       body={"status": "published"}).status == 200
    mine = api.request("POST", f"/workshops/{workshop['id']}/registrations", token=api.token("la-social-worker"),
                       body={"name": "Val Victim", "email": VICTIM, "organisation": "E09000033",
                             "group": "la-social-worker", "job_title": "Social worker"})
    assert mine.status == 201, mine.body
    return {"workshop": workshop["id"], "registration": mine.json()["id"]}


def test_the_attack_fails_at_every_step(api: Any, stack: Any, idp: Any, victims_place: dict[str, Any]) -> None:
    client_id = stack.identity.client_id
    provision.add_user(idp, stack.identity.user_pool_id, ATTACKER, ATTACKER_ORG, ["la-social-worker"])
    access = provision.sign_in(idp, client_id, ATTACKER, "AccessToken")

    # 1. The organisation is written by administrators only: no app client may write it.
    with pytest.raises(idp.exceptions.NotAuthorizedException):
        idp.update_user_attributes(AccessToken=access, UserAttributes=[{"Name": "custom:org", "Value": "E09000033"}])
    # 2. The new email is held until verified (no code reaches the attacker: it goes to the victim's mailbox).
    idp.update_user_attributes(AccessToken=access, UserAttributes=[{"Name": "email", "Value": VICTIM}])
    token = provision.sign_in(idp, client_id, ATTACKER)
    claims = jwt.decode(token, options={"verify_signature": False})
    assert claims["email"] == ATTACKER and claims["custom:org"] == ATTACKER_ORG and claims["email_verified"] is True

    wid, rid = victims_place["workshop"], victims_place["registration"]
    registration = f"/workshops/{wid}/registrations/{rid}"
    # 3. List, read, cancel and hand on the victim's registration.
    mine = api.request("GET", "/me/registrations", token=token)
    assert mine.status == 200 and rid not in [r["id"] for r in mine.json()["items"]]
    assert api.request("GET", registration, token=token).status == 404
    assert api.request("DELETE", registration, token=token).status == 404
    handed = api.request("POST", f"{registration}/substitute", token=token,
                         body={"name": "Mal Lory", "email": ATTACKER, "job_title": "Social worker"})
    assert handed.status == 404
    # 4. Register as the other authority, or as the victim.
    as_other_la = api.request("POST", f"/workshops/{wid}/registrations", token=token, body={
        "name": "Mal Lory", "email": ATTACKER, "organisation": "E09000033", "group": "la-social-worker",
        "job_title": "Social worker"})
    assert as_other_la.status == 422 and as_other_la.json()["error"]["code"] == "organisation_mismatch"
    as_victim = api.request("POST", f"/workshops/{wid}/registrations", token=token, body={
        "name": "Val Victim", "email": VICTIM, "organisation": ATTACKER_ORG, "group": "la-social-worker",
        "job_title": "Social worker"})
    assert as_victim.status == 403 and as_victim.json()["error"]["code"] == "not_yourself"
    # 5. The access token itself is refused.
    refused = api.request("GET", "/me/registrations", token=access)
    assert refused.status == 401 and refused.json()["error"]["code"] == "id_token_required"

    # The victim's registration is untouched, and still hers.
    still = api.request("GET", registration, token=api.token("la-social-worker"))
    assert still.status == 200 and still.json()["status"] == "confirmed" and still.json()["email"] == VICTIM


def test_even_a_verified_victims_address_does_not_open_her_registration(api: Any, stack: Any,
                                                                        victims_place: dict[str, Any]) -> None:
    """Ownership rests on the subject: a token (here forged with the emulator's key) that shows the victim's
    verified address but the attacker's subject gets nothing of hers."""
    now = int(datetime.now(timezone.utc).timestamp())
    forged = mint({"iss": f"https://cognito-idp.{provision.REGION}.amazonaws.com/{stack.identity.user_pool_id}",
                   "sub": "attacker-subject", "aud": stack.identity.client_id, "token_use": "id", "iat": now,
                   "exp": now + 600, "email": VICTIM, "email_verified": True, "custom:org": "E09000033",
                   "cognito:groups": ["la-social-worker"]})
    wid, rid = victims_place["workshop"], victims_place["registration"]
    assert api.request("GET", f"/workshops/{wid}/registrations/{rid}", token=forged).status == 404
    mine = api.request("GET", "/me/registrations", token=forged).json()["items"]
    assert rid not in [r["id"] for r in mine]
