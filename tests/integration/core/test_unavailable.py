"""Answers when a dependency is down (issue 9, section 6): DynamoDB unreachable or throttling is a 503
``service_unavailable`` with ``Retry-After`` on every route, not a 500; the pool's keys being unreachable is a
503, not a 401 (a 401 signs people out); the gateway's own answers carry the service's security headers."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from botocore.awsrequest import AWSResponse
from botocore.exceptions import EndpointConnectionError

from chalicelib.core.auth.tokens import KeySet, TokenVerifier, default_verifier, set_default_verifier
from chalicelib.core.dynamo.model import connection
from chalicelib.core.http.gateway_responses import RETRY_AFTER_SECONDS, SECURITY_HEADERS

NEW_ORG = {"code": "E06000998", "name": "Unavailable Test Council", "type": "local_authority",
           "region": "london", "nation": "england"}


def dynamodb_answers(status: int, code: str) -> Any:
    """A botocore ``before-call`` handler answering every DynamoDB call with ``status`` and ``code``."""
    def answer(**kwargs: Any) -> tuple[AWSResponse, dict[str, Any]]:
        return AWSResponse("https://dynamodb.eu-west-2.amazonaws.com/", status, {}, None), {
            "Error": {"Code": code, "Message": "injected"}, "ResponseMetadata": {"HTTPStatusCode": status}}
    return answer


def unreachable(request: Any, **kwargs: Any) -> None:
    """A ``before-send`` handler: the endpoint cannot be reached."""
    raise EndpointConnectionError(endpoint_url=request.url)


@contextmanager
def dynamodb(event: str, handler: Any) -> Iterator[None]:
    """Every call of the service's shared DynamoDB client goes through ``handler`` while this is open."""
    client = connection().client
    client.meta.events.register(event, handler)
    try:
        yield
    finally:
        client.meta.events.unregister(event, handler)


def assert_unavailable(resp: Any) -> None:
    assert resp.status_code == 503, resp.body
    assert resp.headers["Retry-After"] == str(RETRY_AFTER_SECONDS)
    assert set(resp.json_body) == {"error"}
    assert resp.json_body["error"]["code"] == "service_unavailable"
    assert "injected" not in resp.body.decode() and "dynamodb" not in resp.body.decode().lower()


def create(client: Any, tokens: Any) -> Any:
    return client.post("/organisations", headers={**tokens.header("cafcass-admin"), "Content-Type": "application/json"},
                       body=json.dumps(NEW_ORG))


@pytest.mark.parametrize("status, code", [
    (400, "ProvisionedThroughputExceededException"),
    (400, "ThrottlingException"),
    (500, "InternalServerError"),
    (503, "ServiceUnavailable"),
])
def test_dynamodb_throttling_or_failing_is_503_with_retry_after_and_nothing_written(client, tokens, service_logs,
                                                                                    status, code):
    headers = tokens.header("cafcass-admin")
    with dynamodb("before-call.dynamodb", dynamodb_answers(status, code)):
        write = create(client, tokens)
        read = client.get("/organisations/E09000033", headers=headers)
        listing = client.get("/workshops", headers=headers)
    for resp in (write, read, listing):
        assert_unavailable(resp)
        assert resp.headers["Cache-Control"] == "no-store"
    assert client.get(f"/organisations/{NEW_ORG['code']}", headers=headers).status_code == 404  # nothing written
    logged = [r for r in service_logs.records() if r["message"] == "dependency unavailable"]
    assert logged and {r["error_type"] for r in logged} == {code}
    assert all("exception" not in r for r in logged)  # the type only, no trace or message


def test_dynamodb_unreachable_is_503(client, tokens):
    with dynamodb("before-send.dynamodb", unreachable):
        assert_unavailable(create(client, tokens))
    assert client.get(f"/organisations/{NEW_ORG['code']}", headers=tokens.header("cafcass-admin")).status_code == 404


def test_other_dynamodb_errors_stay_500(client, tokens):
    with dynamodb("before-call.dynamodb", dynamodb_answers(400, "ValidationException")):
        resp = client.get("/organisations/E09000033", headers=tokens.header("cafcass-admin"))
    assert resp.status_code == 500 and resp.json_body["error"]["code"] == "internal_error"
    assert "Retry-After" not in resp.headers


def test_health_is_still_503_with_its_own_body_when_dynamodb_is_unreachable(client):
    with dynamodb("before-send.dynamodb", unreachable):
        resp = client.get("/health")
    assert resp.status_code == 503 and resp.json_body["checks"] == {"dynamodb": "unavailable"}


@pytest.fixture()
def keys_unreachable() -> Iterator[None]:
    """The pool's JWKS cannot be fetched (a fresh key set, so nothing is cached)."""
    working = default_verifier()

    def fetch(url: str) -> dict[str, Any]:
        raise OSError("connection refused")

    set_default_verifier(TokenVerifier(issuer=working.issuer, client_ids=working.client_ids,
                                       keys=KeySet("https://jwks.test/keys", fetch=fetch)))
    try:
        yield
    finally:
        set_default_verifier(working)


def test_jwks_unreachable_is_503_not_401(client, tokens, keys_unreachable):
    resp = client.get("/organisations/E09000033", headers=tokens.header("la-social-worker"))
    assert_unavailable(resp)
    for name, value in SECURITY_HEADERS.items():
        assert resp.headers.get(name) == value, name


def test_a_valid_token_passes_again_once_the_keys_are_back(client, tokens):
    assert client.get("/organisations/E09000033", headers=tokens.header("la-social-worker")).status_code == 200


@pytest.mark.parametrize("method, path, headers, status, code", [
    ("GET", "/organisations", {}, 401, "not_authenticated"),
    ("GET", "/no-such-route", {}, 404, "route_not_found"),
    ("POST", "/nothing/here", {"Authorization": "Bearer x"}, 404, "route_not_found"),
])
def test_the_gateways_own_answers_carry_every_security_header(client, method, path, headers, status, code):
    resp = client.request(method, path, headers=headers)
    assert resp.status_code == status and resp.json_body["error"]["code"] == code
    for name, value in SECURITY_HEADERS.items():
        assert resp.headers.get(name) == value, name
