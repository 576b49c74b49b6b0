"""Answers that tell the truth when a write committed but its answer was lost (issue 9, section 6).

A transaction can commit and its response be lost (a time-out, a dropped connection); botocore then sends it
again, and that second try is cancelled because the first applied. These tests script exactly that: the real
transaction commits, then the try reports the cancellation the retry would get. The answer must be the
registration made (or the cancellation done), never "already registered" or "no longer active"; and a client
resending with the same Idempotency-Key gets the same registration.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from typing import Any

import pytest

from chalicelib.core.auth.caller import Caller, Role
from chalicelib.core.dynamo.transactions import ConditionFailed
from chalicelib.workshops.domain.registrations import Registrant
from chalicelib.workshops.domain.rules import Group, RegistrationStatus
from chalicelib.workshops.services import cancel, register
from chalicelib.workshops.store import placement
from chalicelib.workshops.store import registrations as regs
from tests.integration.builders import NOW, published_workshop
from tests.integration.workshops.test_api import _body, _json_headers

ADMIN = Caller(id="admin-truth", roles=frozenset({Role.CAFCASS_ADMIN}), organisation="CAFCASS",
               email="truth.admin@example.org")


def person(tag: str) -> Registrant:
    return Registrant(name=f"Tru {tag}", email=f"tru.{tag}@example.org", organisation="E09000033",
                      group=Group.LA_SOCIAL_WORKER, job_title="Social worker")


def answer_lost(monkeypatch: pytest.MonkeyPatch, name: str) -> list[int]:
    """The next ``placement.<name>`` commits, then reports what botocore's retry of it would get."""
    real: Callable[..., None] = getattr(placement, name)
    calls: list[int] = []

    def commit_then_lose_the_answer(*args: Any, **kwargs: Any) -> None:
        real(*args, **kwargs)
        calls.append(1)
        if len(calls) == 1:
            raise ConditionFailed(("guard", "registration"))

    monkeypatch.setattr(placement, name, commit_then_lose_the_answer)
    return calls


@pytest.mark.parametrize("places, expected", [(2, RegistrationStatus.CONFIRMED), (0, RegistrationStatus.WAITING)])
def test_a_registration_whose_answer_was_lost_answers_with_itself(mail, monkeypatch, places, expected):
    workshop = published_workshop(ADMIN, (places, 1, 1))  # no LA places: the newcomer waits
    calls = answer_lost(monkeypatch, "confirm" if places else "wait")
    outcome = register.register(ADMIN, workshop.id, person(uuid.uuid4().hex[:8]), now=NOW)
    assert outcome.registration.status is expected  # before the fix: 409 already_registered
    assert len(calls) == 1  # written once
    assert [r.id for r in regs.for_workshop(workshop.id)] == [outcome.registration.id]
    if expected is RegistrationStatus.WAITING:
        assert outcome.position == 1


def test_a_cancellation_whose_answer_was_lost_answers_with_the_cancellation(mail, monkeypatch):
    workshop = published_workshop(ADMIN, (2, 1, 1))
    reg = register.register(ADMIN, workshop.id, person(uuid.uuid4().hex[:8]), now=NOW).registration
    answer_lost(monkeypatch, "cancel")
    outcome = cancel.cancel(ADMIN, workshop.id, reg.id, now=NOW)
    assert outcome.registration.status is RegistrationStatus.CANCELLED  # before the fix: registration_not_active


def test_a_client_retry_with_the_same_idempotency_key_gets_the_same_registration(client, tokens, mail):
    admin = _json_headers(tokens, "cafcass-admin")
    workshop_id = client.post("/workshops", headers=admin, body=json.dumps(_body())).json_body["id"]
    client.post(f"/workshops/{workshop_id}/status", headers=admin, body=json.dumps({"status": "published"}))
    body = json.dumps({"name": "Ida Key", "email": f"ida.{uuid.uuid4().hex[:8]}@example.org",
                       "organisation": "E09000033", "group": "la-social-worker", "job_title": "Social worker"})
    keyed = {**admin, "Idempotency-Key": f"retry-{uuid.uuid4().hex}"}
    first = client.post(f"/workshops/{workshop_id}/registrations", headers=keyed, body=body)
    again = client.post(f"/workshops/{workshop_id}/registrations", headers=keyed, body=body)
    assert first.status_code == 201 and again.status_code == 201  # not 409 already_registered
    assert again.json_body["id"] == first.json_body["id"] and again.json_body["status"] == "confirmed"
    unkeyed = client.post(f"/workshops/{workshop_id}/registrations", headers=admin, body=body)
    assert unkeyed.status_code == 409 and unkeyed.json_body["error"]["code"] == "already_registered"
    bad = client.post(f"/workshops/{workshop_id}/registrations", headers={**admin, "Idempotency-Key": "x y"},
                      body=body)
    assert bad.status_code == 422 and bad.json_body["error"]["field"] == "Idempotency-Key"


@pytest.mark.parametrize("places", [1, 0])  # a place (freed for the next person), or a turn on the list
def test_a_cancellation_resent_with_the_same_idempotency_key_gets_the_same_answer(client, tokens, mail, places):
    admin = _json_headers(tokens, "cafcass-admin")
    body = _body(capacity=(places, 0, 0) if places else (0, 1, 0))
    workshop_id = client.post("/workshops", headers=admin, body=json.dumps(body)).json_body["id"]
    client.post(f"/workshops/{workshop_id}/status", headers=admin, body=json.dumps({"status": "published"}))
    made = client.post(f"/workshops/{workshop_id}/registrations", headers=admin, body=json.dumps({
        "name": "Cal Key", "email": f"cal.{uuid.uuid4().hex[:8]}@example.org", "organisation": "E09000033",
        "group": "la-social-worker", "job_title": "Social worker"})).json_body
    path = f"/workshops/{workshop_id}/registrations/{made['id']}"
    keyed = {**admin, "Idempotency-Key": f"cancel-{uuid.uuid4().hex}"}
    first, again = client.delete(path, headers=keyed), client.delete(path, headers=keyed)
    assert first.status_code == 200 and again.status_code == 200  # not 409 registration_not_active
    assert again.json_body["status"] == first.json_body["status"] == (
        "cancelled" if places else "left_waiting_list")
    other_key = client.delete(path, headers={**admin, "Idempotency-Key": f"other-{uuid.uuid4().hex}"})
    assert other_key.status_code == 409 and other_key.json_body["error"]["code"] == "registration_not_active"


def test_a_substitution_resent_answers_with_the_same_colleagues_place(client, tokens, mail):
    admin = _json_headers(tokens, "cafcass-admin")
    workshop_id = client.post("/workshops", headers=admin, body=json.dumps(_body())).json_body["id"]
    client.post(f"/workshops/{workshop_id}/status", headers=admin, body=json.dumps({"status": "published"}))
    original = client.post(f"/workshops/{workshop_id}/registrations", headers=admin, body=json.dumps({
        "name": "Sue Stitute", "email": f"sue.{uuid.uuid4().hex[:8]}@westminster.gov.uk", "organisation": "E09000033",
        "group": "la-social-worker", "job_title": "Social worker"})).json_body
    path = f"/workshops/{workshop_id}/registrations/{original['id']}/substitute"
    colleague = json.dumps({"name": "Col League", "email": f"col.{uuid.uuid4().hex[:8]}@westminster.gov.uk",
                            "job_title": "Social worker"})
    first = client.post(path, headers=admin, body=colleague)
    again = client.post(path, headers=admin, body=colleague)
    assert first.status_code == 201, first.json_body
    assert again.status_code == 201 and again.json_body["id"] == first.json_body["id"]  # not 409
    someone_else = client.post(path, headers=admin, body=json.dumps({
        "name": "Not Them", "email": f"not.{uuid.uuid4().hex[:8]}@westminster.gov.uk", "job_title": "x"}))
    assert someone_else.status_code == 409


def test_a_workshop_creation_resent_with_its_key_makes_one_workshop(client, tokens, mail):
    admin = _json_headers(tokens, "cafcass-admin")
    keyed = {**admin, "Idempotency-Key": f"create-{uuid.uuid4().hex}"}
    body = json.dumps({**_body(), "title": f"Once only {uuid.uuid4().hex[:6]}"})
    first, again = client.post("/workshops", headers=keyed, body=body), client.post("/workshops", headers=keyed,
                                                                                   body=body)
    assert first.status_code == 201 and again.status_code == 201
    assert again.json_body["id"] == first.json_body["id"]  # not a second workshop
    listed = client.get("/workshops?limit=100", headers=tokens.header("cafcass-admin")).json_body["items"]
    assert [w["id"] for w in listed if w["title"] == first.json_body["title"]] == [first.json_body["id"]]


def test_a_status_change_resent_answers_with_the_status(client, tokens, mail):
    admin = _json_headers(tokens, "cafcass-admin")
    workshop_id = client.post("/workshops", headers=admin, body=json.dumps(_body())).json_body["id"]
    for _ in range(2):
        resp = client.post(f"/workshops/{workshop_id}/status", headers=admin, body=json.dumps({"status": "published"}))
        assert resp.status_code == 200 and resp.json_body["status"] == "published"  # not 409 invalid_transition
