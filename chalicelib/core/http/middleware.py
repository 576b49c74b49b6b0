"""HTTP middleware for every route: correlation id, access log, security headers,
metrics flush, and the JSON error envelope for the errors Chalice itself produces
(405, 415, binary-accept 400, and any 500 that escaped a route)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from chalice import Chalice, Response

from chalicelib.core.http.errors import (
    JSON,
    error_body,
    internal_error_response,
    unavailability,
    unavailable_response,
)
from chalicelib.core.http.gateway_responses import SECURITY_HEADERS
from chalicelib.core.ids import new_id
from chalicelib.core.observability import flush_metrics, logger

_CHALICE_CODES = {
    "MethodNotAllowedError": "method_not_allowed",
    "UnsupportedMediaType": "unsupported_media_type",
    "BadRequest": "bad_request",
    "BadRequestError": "bad_request",
    "NotFoundError": "not_found",
}


def _envelope_chalice_error(response: Response, correlation_id: str) -> Response:
    """Rewrite Chalice's own ``{"Code", "Message"}`` error bodies into our envelope."""
    body = response.body
    if not (isinstance(body, dict) and "Code" in body and "Message" in body):
        return response
    if response.status_code >= 500:
        new = internal_error_response(correlation_id)
        new.headers.update({k: v for k, v in response.headers.items() if k.lower() != "content-type"})
        return new
    code = _CHALICE_CODES.get(str(body["Code"]), "bad_request")
    response.body = error_body(code, str(body["Message"]).split(":")[0] + ".", None)
    response.headers["Content-Type"] = JSON
    return response


def register(app: Chalice) -> None:
    """Install the middleware on ``app`` (blueprint routes included)."""

    @app.middleware("http")
    def http_envelope(event: Any, get_response: Callable[[Any], Response]) -> Response:
        context = getattr(event, "context", None)
        if context is None:
            context = {}
        # API Gateway always sends a request id; local runners may not, so make one (routes read it back).
        correlation_id = str(context.get("requestId") or "") or new_id()
        context["requestId"] = correlation_id
        logger.set_correlation_id(correlation_id)
        started = time.perf_counter()
        try:
            response = _envelope_chalice_error(get_response(event), correlation_id)
        except Exception as exc:  # never let a stack trace reach a client
            reason = unavailability(exc)
            if reason is not None:
                logger.warning("dependency unavailable outside a route", extra={"error_type": reason})
                response = unavailable_response()
            else:
                logger.exception("unhandled error outside a route")
                response = internal_error_response(correlation_id)
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        response.headers["X-Correlation-Id"] = correlation_id
        # Route template and status only: paths and query strings may identify people.
        logger.info("request", extra={"method": getattr(event, "method", ""),
                                      "route": context.get("resourcePath", ""),
                                      "status": response.status_code,
                                      "duration_ms": round((time.perf_counter() - started) * 1000, 1)})
        flush_metrics()
        return response
