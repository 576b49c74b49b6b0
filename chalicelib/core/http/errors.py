"""The one JSON error shape of the API and the mapping from errors to HTTP statuses.

Every error body is ``{"error": {"code", "message", "field"}}``; validation
errors add ``details`` listing every field at fault. Messages are written for
people and never echo the input back (it may be personal data).
"""

from __future__ import annotations

from typing import Any

from chalice import Response

from chalicelib.core.errors import (
    BadRequest,
    Conflict,
    DomainError,
    InvalidInput,
    NotAuthenticated,
    NotFound,
    PermissionDenied,
)

JSON = "application/json"

_STATUS_BY_CLASS: dict[type[DomainError], int] = {
    BadRequest: 400,
    NotAuthenticated: 401,
    PermissionDenied: 403,
    NotFound: 404,
    Conflict: 409,
    InvalidInput: 422,
}


class HttpError(DomainError):
    """An error that only exists at the HTTP boundary (415, 413, 405...)."""

    def __init__(self, status: int, code: str, message: str, field: str | None = None) -> None:
        super().__init__(message, code=code, field=field)
        self.status = status


class RequestValidationError(InvalidInput):
    """Several fields failed validation; ``details`` lists them all."""

    def __init__(self, details: list[dict[str, str]]) -> None:
        first = details[0]
        super().__init__(first["message"], code="validation_error", field=first["field"])
        self.details = details


def status_for(error: DomainError) -> int:
    """The HTTP status of a domain or HTTP error."""
    if isinstance(error, HttpError):
        return error.status
    for cls in type(error).__mro__:
        if cls in _STATUS_BY_CLASS:
            return _STATUS_BY_CLASS[cls]
    return 400


def error_body(code: str, message: str, field: str | None = None, **extra: Any) -> dict[str, Any]:
    """The error envelope."""
    return {"error": {"code": code, "message": message, "field": field, **extra}}


def error_response(error: DomainError, headers: dict[str, str] | None = None) -> Response:
    """Turn a raised error into the JSON response a client sees."""
    extra: dict[str, Any] = {}
    if isinstance(error, RequestValidationError):
        extra["details"] = error.details
    return Response(body=error_body(error.code, error.message, error.field, **extra),
                    status_code=status_for(error), headers={"Content-Type": JSON, **(headers or {})})


def internal_error_response(correlation_id: str) -> Response:
    """A 500 that says nothing about the failure except how to find it in the logs."""
    body = error_body("internal_error", "Something went wrong on our side. Quote the correlation id if you "
                      "report it.", None, correlation_id=correlation_id)
    return Response(body=body, status_code=500, headers={"Content-Type": JSON})
