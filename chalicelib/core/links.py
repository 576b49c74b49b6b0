"""Signed, encrypted links: one-click unsubscribe now; decline and feedback links later.

A link token is a Fernet token (AES-CBC + HMAC-SHA256, from ``cryptography``)
over a small JSON payload with a ``purpose``. Encrypted, not just signed,
because tokens sit in URLs and URLs end up in logs: the payload (which may
name an address) must not be readable there. Tokens cannot be forged without
``LINK_SIGNING_KEY`` and cannot be used for another purpose.
"""

from __future__ import annotations

import base64
import hashlib
import json
import time
from typing import Any

from chalicelib.core.errors import BadRequest
from chalicelib.core.settings import get_settings


class InvalidLink(BadRequest):
    """The link was tampered with, has expired, or is for something else."""

    code = "invalid_link"


def _fernet() -> Any:
    from cryptography.fernet import Fernet

    secret = get_settings().link_signing_key
    if len(secret) < 32:
        raise RuntimeError("LINK_SIGNING_KEY must be set to at least 32 characters")
    return Fernet(base64.urlsafe_b64encode(hashlib.sha256(secret.encode()).digest()))


def make_token(purpose: str, data: dict[str, Any], now: float | None = None) -> str:
    """An opaque token carrying ``data`` for ``purpose``."""
    payload = json.dumps({"p": purpose, "d": data}, separators=(",", ":")).encode()
    return _fernet().encrypt_at_time(payload, int(now if now is not None else time.time())).decode().rstrip("=")


def read_token(token: str, purpose: str, max_age_seconds: int | None = None,
               now: float | None = None) -> dict[str, Any]:
    """The data of a token made for ``purpose``; ``InvalidLink`` otherwise."""
    from cryptography.fernet import InvalidToken

    if not token or len(token) > 2048:
        raise InvalidLink("This link is not valid.", field="token")
    padded = token + "=" * (-len(token) % 4)
    try:
        raw = _fernet().decrypt_at_time(padded.encode(), max_age_seconds,
                                        int(now if now is not None else time.time())) \
            if max_age_seconds else _fernet().decrypt(padded.encode())
        payload = json.loads(raw)
    except (InvalidToken, ValueError, TypeError):
        raise InvalidLink("This link is not valid or has expired.", field="token") from None
    if not isinstance(payload, dict) or payload.get("p") != purpose or not isinstance(payload.get("d"), dict):
        raise InvalidLink("This link is not valid here.", field="token")
    return payload["d"]
