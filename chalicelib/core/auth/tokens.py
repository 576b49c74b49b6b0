"""Verification of Cognito ID and access tokens with PyJWT.

Checks: RS256 signature against the user pool's JWKS, issuer, audience
(ID tokens: ``aud``; access tokens: ``client_id``), expiry, ``token_use``.
The key set is fetched once and cached; an unknown ``kid`` triggers at most
one refetch per ``refresh_interval`` so garbage tokens cannot turn the
authorizer into a JWKS-fetching amplifier.

PyJWT (and ``cryptography``) are imported lazily: they cost ~100 ms and only
the authorizer needs them, not every cold start of the API handler.
"""

from __future__ import annotations

import json
import threading
import time
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

_ALLOWED_TOKEN_USES = ("id", "access")
_LEEWAY_SECONDS = 30
_RETRY_FAILED_FETCH_SECONDS = 5.0


class InvalidToken(Exception):
    """The token must be refused. ``reason`` is a stable code, safe to log."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class JwksUnavailable(InvalidToken):
    """The pool's keys could not be fetched: the token was not checked, and may well be valid."""

    def __init__(self) -> None:
        super().__init__("jwks_unavailable")


def fetch_jwks(url: str, timeout: float = 3.0) -> dict[str, Any]:
    """Download a JWKS document (plain HTTPS GET)."""
    if not url.startswith(("https://", "http://")):
        raise JwksUnavailable()
    with urllib.request.urlopen(url, timeout=timeout) as response:
        return json.loads(response.read())


class KeySet:
    """The pool's signing keys, cached for the life of the process."""

    def __init__(self, url: str, fetch: Callable[[str], Mapping[str, Any]] = fetch_jwks,
                 refresh_interval: float = 300.0) -> None:
        self._url = url
        self._fetch = fetch
        self._refresh_interval = refresh_interval
        self._keys: dict[str, Any] = {}
        self._fetched_at = float("-inf")
        self._lock = threading.Lock()

    def _load(self) -> None:
        from jwt import PyJWKSet

        try:
            jwks = PyJWKSet.from_dict(dict(self._fetch(self._url)))
        except Exception as exc:  # network, JSON or key errors: refuse the token, keep the old keys
            # Retry a failed fetch sooner than a successful one would be refreshed.
            self._fetched_at = time.monotonic() - self._refresh_interval + _RETRY_FAILED_FETCH_SECONDS
            raise JwksUnavailable() from exc
        self._fetched_at = time.monotonic()
        self._keys = {k.key_id: k for k in jwks.keys if k.key_id}

    def key_for(self, kid: str) -> Any:
        """Return the signing key for ``kid``, refetching the set at most once per interval."""
        with self._lock:
            if kid not in self._keys and time.monotonic() - self._fetched_at >= self._refresh_interval:
                self._load()
            key = self._keys.get(kid)
        if key is None:
            raise InvalidToken("unknown_key")
        return key


@dataclass
class TokenVerifier:
    """Verifies tokens issued by one user pool to a set of app clients."""

    issuer: str
    client_ids: tuple[str, ...]
    keys: KeySet

    def verify(self, token: str) -> dict[str, Any]:
        """Return the claims of a valid token or raise ``InvalidToken`` with a reason code."""
        import jwt

        if not token or len(token) > 8192 or token.count(".") != 2:
            raise InvalidToken("malformed")
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as exc:
            raise InvalidToken("malformed") from exc
        if header.get("alg") != "RS256":
            raise InvalidToken("unsupported_algorithm")
        kid = header.get("kid")
        if not isinstance(kid, str) or not kid:
            raise InvalidToken("malformed")
        key = self.keys.key_for(kid)
        try:
            # Audience is checked below: Cognito access tokens carry client_id, not aud.
            claims = jwt.decode(
                token, key=key, algorithms=["RS256"], issuer=self.issuer, leeway=_LEEWAY_SECONDS,
                options={"require": ["exp", "iat", "iss", "sub", "token_use"], "verify_aud": False},
            )
        except jwt.ExpiredSignatureError as exc:
            raise InvalidToken("expired") from exc
        except jwt.InvalidIssuerError as exc:
            raise InvalidToken("wrong_issuer") from exc
        except jwt.InvalidSignatureError as exc:
            raise InvalidToken("bad_signature") from exc
        except jwt.PyJWTError as exc:
            raise InvalidToken("invalid") from exc
        token_use = claims.get("token_use")
        if token_use not in _ALLOWED_TOKEN_USES:
            raise InvalidToken("wrong_token_use")
        audience = claims.get("aud") if token_use == "id" else claims.get("client_id")
        if audience not in self.client_ids:
            raise InvalidToken("wrong_audience")
        return claims


_verifier: TokenVerifier | None = None


def default_verifier() -> TokenVerifier:
    """The process-wide verifier for the configured pool (keys cached across invocations)."""
    global _verifier
    if _verifier is None:
        from chalicelib.core.settings import get_settings

        s = get_settings()
        _verifier = TokenVerifier(issuer=s.cognito_issuer, client_ids=s.cognito_client_ids, keys=KeySet(s.jwks_url))
    return _verifier


def set_default_verifier(verifier: TokenVerifier | None) -> None:
    """Replace (or with ``None`` forget) the process-wide verifier; used by tests and settings changes."""
    global _verifier
    _verifier = verifier
