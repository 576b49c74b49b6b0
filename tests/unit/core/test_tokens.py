"""Token verification (chalicelib.core.auth.tokens) with locally generated RSA keys; no network."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Mapping
from types import SimpleNamespace
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from chalicelib.core.auth import tokens
from chalicelib.core.auth.tokens import InvalidToken, KeySet, TokenVerifier, fetch_jwks

ISSUER = "https://cognito-idp.eu-west-2.amazonaws.com/eu-west-2_TESTPOOL"
CLIENT_ID = "client-one"
OTHER_CLIENT_ID = "client-two"
KID = "key-1"
JWKS_URL = ISSUER + "/.well-known/jwks.json"


@pytest.fixture(scope="module")
def private_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture(scope="module")
def other_private_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def jwks_of(key: rsa.RSAPrivateKey, kid: str = KID) -> dict[str, Any]:
    jwk = json.loads(RSAAlgorithm.to_jwk(key.public_key()))
    jwk.update({"kid": kid, "alg": "RS256", "use": "sig"})
    return {"keys": [jwk]}


class FakeFetch:
    """A JWKS fetch function that records its calls and can be told to fail."""

    def __init__(self, document: Mapping[str, Any]) -> None:
        self.document = document
        self.calls: list[str] = []
        self.fail = False

    def __call__(self, url: str) -> Mapping[str, Any]:
        self.calls.append(url)
        if self.fail:
            raise OSError("connection refused")
        return self.document


@pytest.fixture
def fetch(private_key: rsa.RSAPrivateKey) -> FakeFetch:
    return FakeFetch(jwks_of(private_key))


@pytest.fixture
def verifier(fetch: FakeFetch) -> TokenVerifier:
    return TokenVerifier(issuer=ISSUER, client_ids=(CLIENT_ID, OTHER_CLIENT_ID), keys=KeySet(JWKS_URL, fetch=fetch))


def id_claims(**overrides: Any) -> dict[str, Any]:
    now = int(time.time())
    claims = {"sub": "user-1", "iss": ISSUER, "aud": CLIENT_ID, "token_use": "id", "iat": now, "exp": now + 3600,
              "email": "user@example.test", "cognito:groups": ["cafcass-admin"]}
    claims.update(overrides)
    return {k: v for k, v in claims.items() if v is not None}


def access_claims(**overrides: Any) -> dict[str, Any]:
    now = int(time.time())
    claims = {"sub": "user-1", "iss": ISSUER, "client_id": CLIENT_ID, "token_use": "access", "iat": now,
              "exp": now + 3600, "scope": "aws.cognito.signin.user.admin"}
    claims.update(overrides)
    return {k: v for k, v in claims.items() if v is not None}


def sign(claims: Mapping[str, Any], key: Any, kid: str | None = KID, alg: str = "RS256") -> str:
    headers = {"kid": kid} if kid is not None else {}
    return jwt.encode(dict(claims), key, algorithm=alg, headers=headers)


def reason(verifier: TokenVerifier, token: str) -> str:
    with pytest.raises(InvalidToken) as info:
        verifier.verify(token)
    return info.value.reason


# --- valid tokens ----------------------------------------------------------------------------------------------

def test_valid_id_token_returns_its_claims(verifier: TokenVerifier, private_key: rsa.RSAPrivateKey) -> None:
    claims = verifier.verify(sign(id_claims(), private_key))
    assert claims["sub"] == "user-1"
    assert claims["aud"] == CLIENT_ID
    assert claims["cognito:groups"] == ["cafcass-admin"]


def test_valid_access_token_is_checked_against_client_id(verifier: TokenVerifier,
                                                         private_key: rsa.RSAPrivateKey) -> None:
    claims = verifier.verify(sign(access_claims(client_id=OTHER_CLIENT_ID), private_key))
    assert claims["client_id"] == OTHER_CLIENT_ID
    assert claims["token_use"] == "access"


def test_keys_are_fetched_once_for_many_tokens(verifier: TokenVerifier, fetch: FakeFetch,
                                               private_key: rsa.RSAPrivateKey) -> None:
    for _ in range(3):
        verifier.verify(sign(id_claims(), private_key))
    assert fetch.calls == [JWKS_URL]


def test_token_expired_within_leeway_is_accepted(verifier: TokenVerifier, private_key: rsa.RSAPrivateKey) -> None:
    now = int(time.time())
    verifier.verify(sign(id_claims(iat=now - 3600, exp=now - 10), private_key))


# --- refused tokens --------------------------------------------------------------------------------------------

def test_expired_token(verifier: TokenVerifier, private_key: rsa.RSAPrivateKey) -> None:
    now = int(time.time())
    assert reason(verifier, sign(id_claims(iat=now - 7200, exp=now - 120), private_key)) == "expired"


def test_wrong_issuer(verifier: TokenVerifier, private_key: rsa.RSAPrivateKey) -> None:
    token = sign(id_claims(iss="https://cognito-idp.eu-west-2.amazonaws.com/eu-west-2_OTHER"), private_key)
    assert reason(verifier, token) == "wrong_issuer"


def test_id_token_for_another_client(verifier: TokenVerifier, private_key: rsa.RSAPrivateKey) -> None:
    assert reason(verifier, sign(id_claims(aud="someone-else"), private_key)) == "wrong_audience"


def test_access_token_for_another_client(verifier: TokenVerifier, private_key: rsa.RSAPrivateKey) -> None:
    assert reason(verifier, sign(access_claims(client_id="someone-else"), private_key)) == "wrong_audience"


def test_access_token_audience_is_not_taken_from_aud(verifier: TokenVerifier, private_key: rsa.RSAPrivateKey) -> None:
    token = sign(access_claims(client_id="someone-else", aud=CLIENT_ID), private_key)
    assert reason(verifier, token) == "wrong_audience"


def test_id_token_without_aud(verifier: TokenVerifier, private_key: rsa.RSAPrivateKey) -> None:
    # An ID token carrying only client_id (as an access token would) is not accepted as an ID token.
    token = sign({k: v for k, v in id_claims(client_id=CLIENT_ID).items() if k != "aud"}, private_key)
    assert reason(verifier, token) == "wrong_audience"


@pytest.mark.parametrize("token_use", ["refresh", "ID", "", 1])
def test_token_use_other_than_id_or_access(verifier: TokenVerifier, private_key: rsa.RSAPrivateKey,
                                           token_use: object) -> None:
    assert reason(verifier, sign(id_claims(token_use=token_use), private_key)) == "wrong_token_use"


def test_signed_by_another_key_with_the_same_kid(verifier: TokenVerifier,
                                                 other_private_key: rsa.RSAPrivateKey) -> None:
    assert reason(verifier, sign(id_claims(), other_private_key)) == "bad_signature"


def test_tampered_payload_is_a_bad_signature(verifier: TokenVerifier, private_key: rsa.RSAPrivateKey) -> None:
    header, _, signature = sign(id_claims(), private_key).split(".")
    forged_payload = sign(id_claims(sub="someone-else"), private_key).split(".")[1]
    assert reason(verifier, f"{header}.{forged_payload}.{signature}") == "bad_signature"


def test_unknown_kid(verifier: TokenVerifier, private_key: rsa.RSAPrivateKey) -> None:
    assert reason(verifier, sign(id_claims(), private_key, kid="key-2")) == "unknown_key"


def test_hs256_token_is_refused_without_fetching_keys(verifier: TokenVerifier, fetch: FakeFetch) -> None:
    token = sign(id_claims(), "a-shared-secret-long-enough-for-hmac-sha256", alg="HS256")
    assert reason(verifier, token) == "unsupported_algorithm"
    assert fetch.calls == []


def test_hs256_token_signed_with_the_public_key_is_refused(verifier: TokenVerifier,
                                                           private_key: rsa.RSAPrivateKey) -> None:
    # The classic algorithm-confusion attack: HMAC keyed with the (public) JWKS entry.
    pem = private_key.public_key().public_bytes(serialization.Encoding.PEM,
                                                serialization.PublicFormat.SubjectPublicKeyInfo)
    header = jwt.utils.base64url_encode(json.dumps({"alg": "HS256", "typ": "JWT", "kid": KID}).encode())
    payload = jwt.utils.base64url_encode(json.dumps(id_claims()).encode())
    signature = jwt.utils.base64url_encode(hmac.new(pem, header + b"." + payload, hashlib.sha256).digest())
    assert reason(verifier, (header + b"." + payload + b"." + signature).decode()) == "unsupported_algorithm"


def test_alg_none_token_is_refused(verifier: TokenVerifier, fetch: FakeFetch) -> None:
    token = jwt.encode(id_claims(), None, algorithm="none", headers={"kid": KID})
    assert reason(verifier, token) == "unsupported_algorithm"
    assert fetch.calls == []


@pytest.mark.parametrize("token", [
    "",
    "abc",
    "a.b",
    "a.b.c",
    "a.b.c.d",
    "...",
    "eyJhbGciOiJSUzI1NiJ9.e30.",               # valid header but no kid
    "W10.e30.c2ln",                             # header is a JSON list
    "bm90IGpzb24.e30.c2ln",                     # header is not JSON
    "x" * 4000 + "." + "y" * 4000 + "." + "z" * 400,  # longer than 8192
])
def test_garbage_is_malformed_and_fetches_nothing(verifier: TokenVerifier, fetch: FakeFetch, token: str) -> None:
    assert reason(verifier, token) == "malformed"
    assert fetch.calls == []


def test_kid_that_is_not_a_string_is_malformed(verifier: TokenVerifier, private_key: rsa.RSAPrivateKey) -> None:
    header = jwt.utils.base64url_encode(json.dumps({"alg": "RS256", "kid": 1}).encode()).decode()
    assert reason(verifier, f"{header}.e30.c2ln") == "malformed"


def test_very_long_token_with_a_valid_signature_is_malformed(verifier: TokenVerifier,
                                                             private_key: rsa.RSAPrivateKey) -> None:
    token = sign(id_claims(padding="p" * 9000), private_key)
    assert reason(verifier, token) == "malformed"


@pytest.mark.parametrize("missing", ["exp", "iat", "iss", "sub", "token_use"])
def test_missing_required_claim_is_invalid(verifier: TokenVerifier, private_key: rsa.RSAPrivateKey,
                                           missing: str) -> None:
    claims = {k: v for k, v in id_claims().items() if k != missing}
    assert reason(verifier, sign(claims, private_key)) == "invalid"


def test_non_numeric_exp_is_invalid(verifier: TokenVerifier, private_key: rsa.RSAPrivateKey) -> None:
    assert reason(verifier, sign(id_claims(exp="tomorrow"), private_key)) == "invalid"


# --- key set ---------------------------------------------------------------------------------------------------

def test_jwks_fetch_failure_is_jwks_unavailable(verifier: TokenVerifier, fetch: FakeFetch,
                                                private_key: rsa.RSAPrivateKey) -> None:
    fetch.fail = True
    assert reason(verifier, sign(id_claims(), private_key)) == "jwks_unavailable"


@pytest.mark.parametrize("document", [{}, {"keys": []}, {"keys": "nope"}, {"keys": [{"kty": "RSA", "kid": KID}]}])
def test_unusable_jwks_document_is_jwks_unavailable(private_key: rsa.RSAPrivateKey, document: dict) -> None:
    v = TokenVerifier(issuer=ISSUER, client_ids=(CLIENT_ID,), keys=KeySet(JWKS_URL, fetch=FakeFetch(document)))
    assert reason(v, sign(id_claims(), private_key)) == "jwks_unavailable"


def test_fetch_jwks_refuses_non_http_urls_without_opening_them() -> None:
    with pytest.raises(InvalidToken) as info:
        fetch_jwks("file:///etc/passwd")
    assert info.value.reason == "jwks_unavailable"


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    clock = Clock()
    monkeypatch.setattr(tokens, "time", SimpleNamespace(monotonic=clock))
    return clock


def test_unknown_kid_refetches_at_most_once_per_refresh_interval(clock: Clock, fetch: FakeFetch) -> None:
    keys = KeySet(JWKS_URL, fetch=fetch, refresh_interval=300.0)
    assert keys.key_for(KID) is not None
    assert len(fetch.calls) == 1

    clock.now += 1
    for _ in range(5):
        with pytest.raises(InvalidToken, match="unknown_key"):
            keys.key_for("rotated-key")
    assert len(fetch.calls) == 1

    clock.now += 299  # exactly refresh_interval after the first fetch
    with pytest.raises(InvalidToken, match="unknown_key"):
        keys.key_for("rotated-key")
    assert len(fetch.calls) == 2

    with pytest.raises(InvalidToken, match="unknown_key"):
        keys.key_for("rotated-key")
    assert len(fetch.calls) == 2


def test_known_kid_never_refetches(clock: Clock, fetch: FakeFetch) -> None:
    keys = KeySet(JWKS_URL, fetch=fetch, refresh_interval=300.0)
    keys.key_for(KID)
    clock.now += 10_000
    keys.key_for(KID)
    assert len(fetch.calls) == 1


def test_rotated_key_is_picked_up_after_the_refresh_interval(clock: Clock, fetch: FakeFetch,
                                                             private_key: rsa.RSAPrivateKey,
                                                             other_private_key: rsa.RSAPrivateKey) -> None:
    keys = KeySet(JWKS_URL, fetch=fetch, refresh_interval=300.0)
    keys.key_for(KID)
    fetch.document = {"keys": jwks_of(private_key)["keys"] + jwks_of(other_private_key, kid="key-2")["keys"]}
    clock.now += 300
    assert keys.key_for("key-2").key_id == "key-2"


def test_failed_fetch_is_retried_after_about_five_seconds(clock: Clock, fetch: FakeFetch) -> None:
    keys = KeySet(JWKS_URL, fetch=fetch, refresh_interval=300.0)
    fetch.fail = True
    with pytest.raises(InvalidToken, match="jwks_unavailable"):
        keys.key_for(KID)
    assert len(fetch.calls) == 1

    clock.now = 1004.9
    with pytest.raises(InvalidToken, match="unknown_key"):
        keys.key_for(KID)
    assert len(fetch.calls) == 1

    fetch.fail = False
    clock.now = 1005.0
    assert keys.key_for(KID) is not None
    assert len(fetch.calls) == 2


def test_failed_refresh_keeps_the_previous_keys(clock: Clock, fetch: FakeFetch) -> None:
    keys = KeySet(JWKS_URL, fetch=fetch, refresh_interval=300.0)
    first = keys.key_for(KID)
    fetch.fail = True
    clock.now += 300
    with pytest.raises(InvalidToken, match="jwks_unavailable"):
        keys.key_for("key-2")
    assert keys.key_for(KID) is first
    assert len(fetch.calls) == 2


def test_verifier_survives_jwks_outage_after_retry(clock: Clock, fetch: FakeFetch,
                                                   private_key: rsa.RSAPrivateKey) -> None:
    v = TokenVerifier(issuer=ISSUER, client_ids=(CLIENT_ID,), keys=KeySet(JWKS_URL, fetch=fetch))
    token = sign(id_claims(), private_key)
    fetch.fail = True
    assert reason(v, token) == "jwks_unavailable"
    fetch.fail = False
    clock.now += 5
    assert v.verify(token)["sub"] == "user-1"
