"""Makes Chalice's local API Gateway emulation apply our Gateway Responses.

``chalice local`` and ``chalice.test.Client`` both route requests through
``chalice.local.LocalGateway.handle_request``, which answers a missing
``Authorization`` header, an unknown path or an authorizer's deny with API
Gateway's *default* bodies (and lets an authorizer's exception escape). In AWS,
``infra/`` replaces those with the definitions in
``chalicelib.core.http.gateway_responses``; :func:`install` makes the local
emulation do the same (status, body and headers, the security headers
included), so local runs and tests see what clients of the deployed service
see. Verified by the e2e and integration tests (a chalice
upgrade that changes these internals fails them).
"""

from __future__ import annotations

from typing import Any

from chalice import local

from chalicelib.core.http.authorizer import AuthorizerUnavailable
from chalicelib.core.http.gateway_responses import GATEWAY_RESPONSES


class GatewayError(local.LocalGatewayException):
    """A gateway response with an arbitrary status (LocalGatewayException uses a class-level CODE)."""

    def __init__(self, response_type: str, request_id: str | None) -> None:
        spec = GATEWAY_RESPONSES[response_type]
        headers = {**spec.headers(), "x-amzn-ErrorType": response_type}
        if request_id:
            headers["x-amzn-RequestId"] = request_id
        super().__init__(headers, spec.body().encode())
        self.CODE = spec.status


def _response_type(error: local.LocalGatewayException) -> str | None:
    error_type = (error.headers or {}).get("x-amzn-ErrorType")
    if isinstance(error, local.NotAuthorizedError):
        return "UNAUTHORIZED"
    if isinstance(error, local.ForbiddenError):
        return "ACCESS_DENIED" if error_type == "AccessDeniedException" else "MISSING_AUTHENTICATION_TOKEN"
    return None


def install() -> None:
    """Patch ``LocalGateway.handle_request`` once (idempotent)."""
    original = local.LocalGateway.handle_request
    if getattr(original, "_gateway_responses", False):
        return

    def handle_request(self: Any, method: str, path: str, headers: Any, body: Any) -> Any:
        try:
            return original(self, method, path, headers, body)
        except local.LocalGatewayException as error:
            response_type = _response_type(error)
            if response_type is None:
                raise
            raise GatewayError(response_type, (error.headers or {}).get("x-amzn-RequestId")) from None
        except AuthorizerUnavailable:  # API Gateway: the authorizer function raised
            raise GatewayError("AUTHORIZER_FAILURE", None) from None

    handle_request._gateway_responses = True  # type: ignore[attr-defined]
    local.LocalGateway.handle_request = handle_request  # type: ignore[method-assign]
