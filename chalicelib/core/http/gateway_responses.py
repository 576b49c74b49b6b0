"""Responses the API gateway gives by itself, before any of our code runs.

API Gateway answers some requests without invoking a function: no
``Authorization`` header on a signed-in route (UNAUTHORIZED), an unknown path
(MISSING_AUTHENTICATION_TOKEN, a 403 by default), an authorizer's deny
(ACCESS_DENIED). Its default bodies are not our envelope. These definitions
are the one source for both places that must override them: ``infra/``
declares them as API Gateway "Gateway Responses", and the local runner
(``tools/local_gateway.py``) applies them to ``chalice local`` and Chalice's
test client, so clients see the same status and body everywhere.
"""

from __future__ import annotations

import json
from dataclasses import dataclass


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


GATEWAY_RESPONSES: dict[str, GatewayResponse] = {
    "UNAUTHORIZED": GatewayResponse(401, "not_authenticated",
                                    "Sign in and send your token as 'Authorization: Bearer <token>'.",
                                    "Authorization"),
    "MISSING_AUTHENTICATION_TOKEN": GatewayResponse(404, "route_not_found", "There is no such route."),
    "ACCESS_DENIED": GatewayResponse(403, "forbidden", "You may not call this."),
}
