"""Errors raised by domain rules and use cases.

Each carries a stable snake_case ``code`` that clients can rely on and an
optional ``field`` naming the input at fault. The API layer maps the classes
to HTTP statuses; nothing here knows about HTTP.
"""

from __future__ import annotations


class DomainError(Exception):
    """Base class: a rule refused the request. Messages never contain personal data."""

    code = "domain_error"

    def __init__(self, message: str, *, code: str | None = None, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        self.field = field


class InvalidInput(DomainError):
    """The input is well-formed but breaks a rule (HTTP 422)."""

    code = "validation_error"


class BadRequest(DomainError):
    """The request itself cannot be read (HTTP 400)."""

    code = "bad_request"


class NotAuthenticated(DomainError):
    """No valid identity (HTTP 401)."""

    code = "not_authenticated"


class PermissionDenied(DomainError):
    """A valid identity that may not do this (HTTP 403)."""

    code = "forbidden"


class NotFound(DomainError):
    """The resource does not exist, or the caller may not know it does (HTTP 404)."""

    code = "not_found"


class Conflict(DomainError):
    """The request clashes with the current state (HTTP 409)."""

    code = "conflict"


class SignInRequired(NotAuthenticated):
    """No token was sent to a route that needs one."""

    code = "not_authenticated"

    def __init__(self) -> None:
        super().__init__("Sign in and send your token as 'Authorization: Bearer <token>'.", field="Authorization")


class NoEmailInToken(InvalidInput):
    """The use case needs the caller's address, and the token carries none (an access token)."""

    code = "no_email_in_token"

    def __init__(self, purpose: str = "") -> None:
        super().__init__(f"Your token has no email address{purpose}; use an ID token.", field="Authorization")
