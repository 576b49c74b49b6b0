"""Responses the API gateway gives by itself, before any of our code runs.

API Gateway answers some requests without invoking a function: no
``Authorization`` header on a signed-in route (UNAUTHORIZED), an unknown path
(MISSING_AUTHENTICATION_TOKEN, a 403 by default), an authorizer's deny
(ACCESS_DENIED), an authorizer that fails (AUTHORIZER_FAILURE,
AUTHORIZER_CONFIGURATION_ERROR: ours raises when the pool's keys cannot be
fetched, so that API Gateway does not cache the answer). Its default bodies are
not our envelope, and carry none of our headers. These definitions are the one
source for both places that must override them: ``infra/`` declares them as
API Gateway "Gateway Responses" (status, body template and headers), and the
local runner (``tools/local_gateway.py``) applies them to ``chalice local`` and
Chalice's test client, so clients see the same status, body and headers
everywhere.

``SECURITY_HEADERS`` is defined here, with no dependencies, because both the
service's middleware and the gateway's responses (and so the CDK app) use it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

SECURITY_HEADERS: dict[str, str] = {
    # Responses carry personal data about children: never cache them anywhere.
    "Cache-Control": "no-store",
    "Pragma": "no-cache",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'",
    "Referrer-Policy": "no-referrer",
    "Strict-Transport-Security": "max-age=31536000; includeSubDomains",
}
"""Every answer carries these: the service's (``middleware``) and the gateway's own (below)."""

RETRY_AFTER_SECONDS = 5
"""What a 503 ``service_unavailable`` asks a client to wait before trying again (``Retry-After``)."""


@dataclass(frozen=True)
class GatewayResponse:
    """A status and error envelope for one API Gateway response type."""

    status: int
    code: str
    message: str
    field: str | None = None

    def body(self) -> str:
        """The JSON body (also usable as an API Gateway response template)."""
        error = {"code": self.code, "message": self.message, "field": self.field}
        return json.dumps({"error": error}, separators=(",", ":"))

    def headers(self) -> dict[str, str]:
        """The headers of this answer: the security headers, and ``Retry-After`` on a 503."""
        extra = {"Retry-After": str(RETRY_AFTER_SECONDS)} if self.status == 503 else {}
        return {"Content-Type": "application/json", **SECURITY_HEADERS, **extra}

    def response_parameters(self) -> dict[str, str]:
        """The headers as API Gateway ``responseParameters`` (static values are single-quoted)."""
        return {f"gatewayresponse.header.{name}": f"'{value}'" for name, value in self.headers().items()
                if name != "Content-Type"}


GATEWAY_RESPONSES: dict[str, GatewayResponse] = {
    "UNAUTHORIZED": GatewayResponse(401, "not_authenticated",
                                    "Sign in and send your token as 'Authorization: Bearer <token>'.",
                                    "Authorization"),
    "MISSING_AUTHENTICATION_TOKEN": GatewayResponse(404, "route_not_found", "There is no such route."),
    "ACCESS_DENIED": GatewayResponse(403, "forbidden", "You may not call this."),
    # The authorizer could not check the token (the pool's keys are unreachable): the token may well be valid, so
    # not a 401 (that signs people out). API Gateway answers these when the authorizer function raises.
    "AUTHORIZER_FAILURE": GatewayResponse(503, "service_unavailable",
                                          "The service is briefly unavailable; try again in a few seconds."),
    "AUTHORIZER_CONFIGURATION_ERROR": GatewayResponse(503, "service_unavailable",
                                                      "The service is briefly unavailable; try again in a few "
                                                      "seconds."),
}
