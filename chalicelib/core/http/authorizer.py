"""The built-in Chalice authorizer: verifies the Cognito token and passes the identity on.

It never denies. API Gateway can only turn an authorizer's refusal into a 403
(or, by raising, a 401 that ``chalice local`` cannot reproduce), and neither
carries our JSON error envelope. So the authorizer verifies the token and
returns either ``status=valid`` with the caller's identity or
``status=invalid`` with a reason code; the route layer (``endpoint``) refuses
with 401/403 according to each route's access rule. Behaviour is identical
under ``chalice local``, the test client and API Gateway.

One exception: when the pool's keys cannot be fetched, the token was not
checked at all (it may well be valid, and a 401 would sign its holder out).
Then the authorizer raises :class:`AuthorizerUnavailable`: API Gateway does not
cache a failed authorizer (it would cache a returned context for the TTL) and
answers its AUTHORIZER_FAILURE gateway response, which ``gateway_responses``
declares as 503 ``service_unavailable`` with ``Retry-After``;
``tools/local_gateway.py`` does the same locally.

A request without an ``Authorization`` header never reaches this function:
API Gateway (and ``chalice local``) answer 401 themselves.
"""

from __future__ import annotations

from chalice import AuthResponse, Blueprint
from chalice.app import AuthRequest

from chalicelib.core.auth.caller import Caller
from chalicelib.core.observability import logger

bp = Blueprint(__name__)


class AuthorizerUnavailable(Exception):
    """The token could not be checked now (the pool's keys are unreachable): answered 503, never cached."""


def check_identity(claims: dict[str, object]) -> None:
    """The service's identity rules on top of a valid token: only ID tokens (they carry the address and the
    organisation; access tokens carry neither), and only a verified address."""
    from chalicelib.core.auth.tokens import InvalidToken

    if claims.get("token_use") != "id":
        raise InvalidToken("id_token_required")
    if claims.get("email_verified") not in (True, "true"):
        raise InvalidToken("email_not_verified")


def resolve(authorization: str) -> dict[str, str]:
    """Verify an ``Authorization`` header value and return the authorizer context (strings only); raise
    ``AuthorizerUnavailable`` when the token cannot be checked now."""
    from chalicelib.core.auth.tokens import (  # PyJWT: only the authorizer needs it
        InvalidToken,
        JwksUnavailable,
        default_verifier,
    )

    logger.set_correlation_id(None)  # a TOKEN authorizer event has no request id; do not reuse the last one
    scheme, _, token = authorization.strip().partition(" ")
    try:
        if scheme.lower() != "bearer":
            raise InvalidToken("not_bearer")
        claims = default_verifier().verify(token.strip())
        check_identity(claims)
        caller = Caller.from_claims(claims)
    except JwksUnavailable:
        logger.warning("token not checked", extra={"reason": "jwks_unavailable"})
        raise AuthorizerUnavailable("jwks_unavailable") from None
    except InvalidToken as exc:
        logger.info("token refused", extra={"reason": exc.reason})
        return {"status": "invalid", "reason": exc.reason}
    return {"status": "valid", "exp": str(int(claims["exp"])), **caller.to_context()}


@bp.authorizer(ttl_seconds=300)
def cognito_authorizer(auth_request: AuthRequest) -> AuthResponse:
    """Identity for every signed-in route; access rules are applied per route."""
    context = resolve(auth_request.token or "")
    return AuthResponse(routes=["*"], principal_id=context.get("sub", "anonymous"), context=context)
