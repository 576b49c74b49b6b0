"""The one JSON error shape of the API and the mapping from errors to HTTP statuses.

Every error body is ``{"error": {"code", "message", "field"}}``; validation
errors add ``details`` listing every field at fault. Messages are written for
people and never echo the input back (it may be personal data).
"""

from __future__ import annotations

from collections.abc import Iterator
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
from chalicelib.core.http.gateway_responses import RETRY_AFTER_SECONDS

JSON = "application/json"

# DynamoDB (and AWS) error codes that mean "not now", never "no": throttling, and DynamoDB's own failures.
UNAVAILABLE_CODES = frozenset({
    "ProvisionedThroughputExceededException", "ThrottlingException", "RequestLimitExceeded",
    "InternalServerError", "ServiceUnavailable", "TransactionInProgressException",
})
# Reasons a transaction was cancelled that are throttling, not a condition or another writer.
_UNAVAILABLE_CANCELLATIONS = frozenset({"ThrottlingError", "ProvisionedThroughputExceeded", "RequestLimitExceeded"})

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


class ServiceUnavailable(HttpError):
    """A dependency (DynamoDB, the pool's keys) cannot be reached or is throttling us: try again shortly."""

    def __init__(self, message: str = "The service is briefly unavailable; try again in a few seconds.") -> None:
        super().__init__(503, "service_unavailable", message)


def _chain(error: BaseException) -> Iterator[BaseException]:
    """``error``, what PynamoDB wrapped (``cause``), and what it was raised from or during."""
    seen: set[int] = set()
    todo: list[BaseException] = [error]
    while todo and len(seen) < 10:
        current = todo.pop(0)
        if id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        todo.extend(e for e in (getattr(current, "cause", None), current.__cause__, current.__context__)
                    if isinstance(e, BaseException))


def unavailability(error: BaseException) -> str | None:
    """Why ``error`` means AWS is unreachable or throttling (a code or exception type, safe to log), or ``None``
    when it is anything else (a bug, a validation error, a missing table: those stay 500).

    Connection failures and time-outs (``EndpointConnectionError``, ``ConnectTimeoutError``,
    ``ReadTimeoutError``, ``ConnectionClosedError``), and ``ClientError`` codes in ``UNAVAILABLE_CODES``,
    wrapped by PynamoDB or not, and transactions cancelled for throttling."""
    from botocore import exceptions as boto

    connection_errors = (boto.EndpointConnectionError, boto.ConnectTimeoutError, boto.ReadTimeoutError,
                         boto.ConnectionClosedError)
    for current in _chain(error):
        if isinstance(current, connection_errors):
            return type(current).__name__
        response = getattr(current, "response", None)
        if isinstance(current, boto.ClientError) and isinstance(response, dict):
            code = str((response.get("Error") or {}).get("Code") or "")
            if code in UNAVAILABLE_CODES:
                return code
        reasons = getattr(current, "cancellation_reasons", None)  # PynamoDB's transaction errors
        for reason in reasons if isinstance(reasons, list) else ():
            if getattr(reason, "code", None) in _UNAVAILABLE_CANCELLATIONS:
                return str(reason.code)
    return None


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


def unavailable_response(error: DomainError | None = None) -> Response:
    """A 503 ``service_unavailable`` with ``Retry-After``: nothing was done, send the same request again soon."""
    return error_response(error or ServiceUnavailable(), {"Retry-After": str(RETRY_AFTER_SECONDS)})


def internal_error_response(correlation_id: str) -> Response:
    """A 500 that says nothing about the failure except how to find it in the logs."""
    body = error_body("internal_error", "Something went wrong on our side. Quote the correlation id if you "
                      "report it.", None, correlation_id=correlation_id)
    return Response(body=body, status_code=500, headers={"Content-Type": JSON})
