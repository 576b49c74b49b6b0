"""Signed, encrypted links: one-click unsubscribe now; decline and feedback links later.

A link token is a Fernet token (AES-CBC + HMAC-SHA256, from ``cryptography``)
over a small JSON payload with a ``purpose``. Encrypted, not just signed,
because tokens sit in URLs and URLs end up in logs: the payload (which may
name an address) must not be readable there. Tokens cannot be forged without the signing keys and
cannot be used for another purpose (each purpose has its own key, derived with HKDF).

Keys rotate: the secret holds several keys, newest first, comma- or line-separated. The newest signs;
every key listed is accepted. To rotate, put a new key first; once the longest-lived links signed with the
old key have expired (a decline link lives 7 days, a feedback link 90), remove the old key. In AWS the keys
live in Secrets Manager or Parameter Store (``LINK_SIGNING_SECRET``), re-read every 15 minutes; locally
and in tests, in ``LINK_SIGNING_KEYS``.
"""

from __future__ import annotations

import base64
import json
import time
from functools import lru_cache
from typing import Any

from chalicelib.core.errors import BadRequest
from chalicelib.core.settings import MIN_LINK_KEY_CHARS, get_settings


class InvalidLink(BadRequest):
    """The link was tampered with, has expired, or is for something else."""

    code = "invalid_link"


STORE_TTL_SECONDS = 900.0  # a rotated secret reaches every warm function within 15 minutes
_stored: dict[str, tuple[float, tuple[str, ...]]] = {}


def _keys(value: str) -> tuple[str, ...]:
    return tuple(k.strip() for k in value.replace("\n", ",").split(",") if k.strip())


def _from_store(reference: str) -> tuple[str, ...]:
    """The keys kept in AWS (``secretsmanager:<id>`` or ``ssm:<name>``), newest first; fetched through the
    shared session and kept for ``STORE_TTL_SECONDS``."""
    cached = _stored.get(reference)
    if cached is not None and time.monotonic() - cached[0] < STORE_TTL_SECONDS:
        return cached[1]
    from chalicelib.core import aws

    kind, _, name = reference.partition(":")
    region = get_settings().region
    if kind == "secretsmanager":
        value = aws.client("secretsmanager", region_name=region).get_secret_value(SecretId=name)["SecretString"]
    elif kind == "ssm":
        value = aws.client("ssm", region_name=region).get_parameter(Name=name, WithDecryption=True)["Parameter"][
            "Value"]
    else:
        raise RuntimeError("LINK_SIGNING_SECRET must be secretsmanager:<secret id> or ssm:<parameter name>")
    keys = _keys(str(value))
    _stored[reference] = (time.monotonic(), keys)
    return keys


def _secrets() -> tuple[str, ...]:
    """The signing secrets, newest first: from Secrets Manager or Parameter Store (``LINK_SIGNING_SECRET``,
    outside the emulator stages), or from ``LINK_SIGNING_KEYS`` (or the single ``LINK_SIGNING_KEY``)."""
    settings = get_settings()
    secrets = _from_store(settings.link_signing_secret) if settings.link_signing_secret \
        else _keys(settings.link_signing_key)
    if not secrets or any(len(k) < MIN_LINK_KEY_CHARS for k in secrets):
        raise RuntimeError(f"the link signing keys must be set, each at least {MIN_LINK_KEY_CHARS} characters")
    return secrets


@lru_cache(maxsize=32)
def _fernet_for(secrets: tuple[str, ...], purpose: str) -> Any:
    from cryptography.fernet import Fernet, MultiFernet
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF

    def derive(secret: str) -> Any:  # one key per purpose: a key for one kind of link opens no other
        key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None,
                   info=b"partnerships link v1: " + purpose.encode()).derive(secret.encode())
        return Fernet(base64.urlsafe_b64encode(key))

    # MultiFernet encrypts with the first (newest) key and accepts a token made with any of them.
    return MultiFernet([derive(secret) for secret in secrets])


def _fernet(purpose: str) -> Any:
    return _fernet_for(_secrets(), purpose)


def make_token(purpose: str, data: dict[str, Any], now: float | None = None) -> str:
    """An opaque token carrying ``data`` for ``purpose``."""
    payload = json.dumps({"p": purpose, "d": data}, separators=(",", ":")).encode()
    return _fernet(purpose).encrypt_at_time(payload, int(now if now is not None else time.time())).decode().rstrip("=")


def read_token(token: str, purpose: str, max_age_seconds: int | None = None,
               now: float | None = None) -> dict[str, Any]:
    """The data of a token made for ``purpose``; ``InvalidLink`` otherwise."""
    from cryptography.fernet import InvalidToken

    if not token or len(token) > 2048:
        raise InvalidLink("This link is not valid.", field="token")
    padded = token + "=" * (-len(token) % 4)
    try:
        fernet = _fernet(purpose)
        raw = fernet.decrypt_at_time(padded.encode(), max_age_seconds, int(now if now is not None else time.time())) \
            if max_age_seconds else fernet.decrypt(padded.encode())
        payload = json.loads(raw)
    except (InvalidToken, ValueError, TypeError):
        raise InvalidLink("This link is not valid or has expired.", field="token") from None
    if not isinstance(payload, dict) or payload.get("p") != purpose or not isinstance(payload.get("d"), dict):
        raise InvalidLink("This link is not valid here.", field="token")
    return payload["d"]
