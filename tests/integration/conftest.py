"""Integration fixtures: moto in process (``mock_aws``), the Chalice test client, real tokens.

Tokens are issued by moto's Cognito and verified by the real verifier; the
only seam is where the verifier gets its key set (PyJWKClient/urllib is not
intercepted by moto in process, so the JWKS document is handed over directly).
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator
from contextlib import suppress
from importlib import resources
from typing import Any

import boto3
import pytest
from moto import mock_aws

from tools import provision


def moto_public_jwks(url: str) -> dict[str, Any]:
    """The key set moto's Cognito signs with (what the pool's JWKS URL serves)."""
    data = resources.files("moto.cognitoidp").joinpath("resources/jwks-public.json.gz").read_bytes()
    return json.loads(gzip.decompress(data))


class Tokens:
    """Signs demo users in against moto's Cognito."""

    def __init__(self, idp: Any, identity: provision.Identity) -> None:
        self.idp = idp
        self.identity = identity

    def for_role(self, role: str, token: str = "IdToken") -> str:
        """A real token for the demo user holding ``role``."""
        email, _ = provision.DEMO_USERS[role]
        return provision.sign_in(self.idp, self.identity.client_id, email, token)

    def for_user(self, email: str, org: str | None, groups: list[str]) -> str:
        """Create (once) and sign in a user with the given organisation and groups."""
        with suppress(self.idp.exceptions.UsernameExistsException):
            provision.add_user(self.idp, self.identity.user_pool_id, email, org, groups)
        return provision.sign_in(self.idp, self.identity.client_id, email)

    def header(self, role: str) -> dict[str, str]:
        """An ``Authorization`` header for ``role``."""
        return {"Authorization": f"Bearer {self.for_role(role)}"}


@pytest.fixture(scope="session")
def aws() -> Iterator[provision.Identity]:
    """One in-process AWS for the session: tables, SES identity, Cognito pool, reference data."""
    from tools.moto_patches import install

    install()  # moto's TransactWriteItems copies whole tables per item; this one has DynamoDB's semantics
    with mock_aws():
        from chalicelib.core.auth.tokens import (
            KeySet,
            TokenVerifier,
            set_default_verifier,
        )
        from chalicelib.core.settings import get_settings

        identity = provision.provision()
        issuer = f"https://cognito-idp.{get_settings().region}.amazonaws.com/{identity.user_pool_id}"
        set_default_verifier(TokenVerifier(issuer=issuer, client_ids=(identity.client_id,),
                                           keys=KeySet("https://jwks.test/keys", fetch=moto_public_jwks)))
        yield identity
        set_default_verifier(None)


@pytest.fixture(scope="session")
def tokens(aws: provision.Identity) -> Tokens:
    """Real Cognito tokens for demo users."""
    return Tokens(boto3.client("cognito-idp", region_name="eu-west-2"), aws)


@pytest.fixture(scope="session")
def client(aws: provision.Identity) -> Iterator[Any]:
    """Chalice's test client over the real app (authorizer and middleware included)."""
    from chalice.test import Client

    from app import app
    from tools.local_gateway import install

    install()  # the gateway's own responses (no token, unknown path) as configured in AWS

    with Client(app) as test_client:
        yield test_client.http


def moto_private_jwk() -> dict[str, Any]:
    """moto's Cognito signing key: lets a test mint tokens with chosen claims (expired, wrong audience...)."""
    data = resources.files("moto.cognitoidp").joinpath("resources/jwks-private.json.gz").read_bytes()
    return json.loads(gzip.decompress(data))


def mint(claims: dict[str, Any], *, forged: bool = False, kid: str = "dummy", alg: str = "RS256") -> str:
    """Sign ``claims``: with moto's pool key, or (``forged``) with a fresh key claiming the same ``kid``."""
    import jwt
    from cryptography.hazmat.primitives.asymmetric import rsa

    if forged:
        key: Any = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    else:
        key = jwt.PyJWK(moto_private_jwk(), algorithm="RS256").key
    return jwt.encode(claims, key, algorithm=alg, headers={"kid": kid})


@pytest.fixture(scope="session")
def claims_for(aws: provision.Identity) -> Any:
    """Build ID-token claims for the session's pool, overridable per test."""
    import time

    def build(**overrides: Any) -> dict[str, Any]:
        now = int(time.time())
        claims = {"iss": f"https://cognito-idp.eu-west-2.amazonaws.com/{aws.user_pool_id}", "sub": "user-1",
                  "aud": aws.client_id, "token_use": "id", "iat": now, "exp": now + 600,
                  "cognito:groups": ["cafcass-admin"], "custom:org": "CAFCASS", "email": "minted.admin@example.org",
                  "email_verified": True}
        claims.update(overrides)
        return {k: v for k, v in claims.items() if v is not None}

    return build


class CapturedLogs:
    """What the service logged while a test ran: its JSON lines and any other logger's INFO+ records."""

    def __init__(self) -> None:
        import io

        self.stream = io.StringIO()

    def text(self) -> str:
        return self.stream.getvalue()

    def records(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.text().splitlines() if line.startswith("{")]


@pytest.fixture()
def service_logs() -> Iterator[CapturedLogs]:
    """Capture the service's logs as written (Powertools' JSON formatter), plus INFO+ from every other
    logger (botocore, chalice), starting now."""
    import logging

    from chalicelib.core.observability import logger

    captured = CapturedLogs()
    json_handler = logging.StreamHandler(captured.stream)
    json_handler.setFormatter(logger.registered_formatter)
    logger.addHandler(json_handler)
    other_handler = logging.StreamHandler(captured.stream)
    other_handler.setLevel(logging.INFO)
    root = logging.getLogger()
    root.addHandler(other_handler)
    yield captured
    logger.removeHandler(json_handler)
    root.removeHandler(other_handler)


class Mail:
    """What the service asked SES to send (captured requests) and what moto's SES holds."""

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []

    def capture(self, params: dict[str, Any], **kwargs: Any) -> None:
        self.requests.append(params)

    @staticmethod
    def sent() -> list[Any]:
        """Messages moto's SES accepted (Simple: subject/body; Raw: raw_data)."""
        from moto.backends import get_backend

        return list(get_backend("ses")["123456789012"]["eu-west-2"].sent_messages)

    def header(self, request: dict[str, Any], name: str) -> str | None:
        """A header of a captured Simple request."""
        for header in request["Content"].get("Simple", {}).get("Headers", []):
            if header["Name"] == name:
                return str(header["Value"])
        return None

    def tags(self, request: dict[str, Any]) -> dict[str, str]:
        return {t["Name"]: t["Value"] for t in request["EmailTags"]}


@pytest.fixture()
def mail(aws: provision.Identity) -> Iterator[Mail]:
    """An empty outbox and suppression list, and a record of every SES request made during the test."""
    from moto.backends import get_backend

    from chalicelib.mail.adapters import ses
    from chalicelib.mail.store.outbox import OutboxRecord
    from chalicelib.mail.store.suppressions import SuppressionRecord

    for model in (OutboxRecord, SuppressionRecord):
        with model.batch_write() as batch:
            for item in model.scan():
                batch.delete(item)
    get_backend("ses")["123456789012"]["eu-west-2"].sent_messages.clear()
    captured = Mail()
    client = ses.client()
    client.meta.events.register("provide-client-params.sesv2.SendEmail", captured.capture)
    yield captured
    client.meta.events.unregister("provide-client-params.sesv2.SendEmail", captured.capture)
