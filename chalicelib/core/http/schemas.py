"""Pydantic models shared by every capability's API: errors, pages, and field types."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime, timezone
from typing import Annotated, Any, ClassVar

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
)
from pydantic_core import PydanticCustomError

from chalicelib.core.addresses import EMAIL_PATTERN, MAX_ADDRESS_LENGTH, is_deliverable
from chalicelib.core.errors import InvalidInput
from chalicelib.core.ids import ORG_CODE_PATTERN

# Characters no text field accepts: C0 controls and DEL (line breaks only where a field is multi-line), and
# the bidirectional overrides and isolates that can make text display differently from what it is.
_NOT_IN_TEXT = "\x00-\x09\x0b-\x1f\x7f\u202a-\u202e\u2066-\u2069"
_SINGLE_LINE = re.compile(f"[{_NOT_IN_TEXT}\n]")
_MULTI_LINE = re.compile(f"[{_NOT_IN_TEXT}]")


def _single_line(text: str) -> str:
    if _SINGLE_LINE.search(text):
        raise PydanticCustomError("text_not_single_line",
                                  "must be one line of text: no line breaks or control characters")
    return text


def _multi_line(text: str) -> str:
    if _MULTI_LINE.search(text.replace("\r\n", "\n")):
        raise PydanticCustomError("text_control_characters",
                                  "must be text: line breaks are allowed, other control characters are not")
    return text.replace("\r\n", "\n")


# Every text field of every request carries one of these (``Annotated[str, StringConstraints(...), SingleLine]``).
SingleLine = AfterValidator(_single_line)  # a name, a title, a venue: no line breaks
MultiLine = AfterValidator(_multi_line)  # a description, needs, a comment: line breaks (\\n) allowed


IDEMPOTENCY_KEY = re.compile(r"^[A-Za-z0-9_-]{8,128}$")


def idempotency_key(headers: Mapping[str, str]) -> str | None:
    """The request's ``Idempotency-Key`` header (8 to 128 of ``A-Z a-z 0-9 _ -``), or ``None``; a malformed
    one is a 422 naming the header."""
    key = headers.get("idempotency-key")
    if key is None:
        return None
    if not IDEMPOTENCY_KEY.match(key):
        raise InvalidInput("Send an Idempotency-Key of 8 to 128 letters, digits, '-' or '_'.",
                           code="invalid_idempotency_key", field="Idempotency-Key")
    return key


class StrictModel(BaseModel):
    """Base of every request model: unknown fields are an error, strings are trimmed."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True)


class PatchModel(StrictModel):
    """Base of partial-edit bodies: only the fields sent change, and ``null`` clears a field only where
    ``CLEARABLE`` allows it (elsewhere it is a 422 ``not_clearable`` naming the field)."""

    CLEARABLE: ClassVar[frozenset[str]] = frozenset()

    def changes(self) -> dict[str, object]:
        """The fields the client sent, as the domain names them (see :meth:`to_domain_value`)."""
        out: dict[str, object] = {}
        for name in sorted(self.model_fields_set):
            value = getattr(self, name)
            if value is None and name not in self.CLEARABLE:
                raise InvalidInput(f"'{name}' cannot be cleared.", code="not_clearable", field=name)
            out[name] = None if value is None else self.to_domain_value(name, value)
        return out

    def to_domain_value(self, name: str, value: Any) -> object:
        """The domain value of a sent field (subclasses convert nested models and enums)."""
        return value


class ResponseModel(BaseModel):
    """Base of every response model."""

    model_config = ConfigDict(extra="forbid")


OrgCode = Annotated[str, StringConstraints(pattern=ORG_CODE_PATTERN, min_length=2, max_length=32)]
Name = Annotated[str, StringConstraints(min_length=1, max_length=200), SingleLine]
ShortText = Annotated[str, StringConstraints(min_length=1, max_length=100), SingleLine]
Cursor = Annotated[str, StringConstraints(min_length=1, max_length=1024, pattern=r"^[A-Za-z0-9_-]+$")]
PageLimit = Annotated[int, Field(ge=1, le=100)]

_EARLIEST = datetime(2000, 1, 1, tzinfo=timezone.utc)
_LATEST = datetime(2100, 1, 1, tzinfo=timezone.utc)


def _plausible(moment: datetime) -> datetime:
    # Far-off instants (year 1, with an offset) overflow when converted to UTC: refuse them as input.
    if not _EARLIEST <= moment <= _LATEST:
        raise ValueError("must be between 2000 and 2099")
    return moment


Instant = Annotated[AwareDatetime, AfterValidator(_plausible)]


def _deliverable(address: str) -> str:
    if not is_deliverable(address):
        raise ValueError("is not an email address the service can deliver to")
    return address


# Every email field of every request: the strict rule of ``core.addresses`` (ASCII dot-atom local part, no
# brackets, quotes or control characters, a domain of DNS labels), the same rule the mail capability applies
# before it queues or sends a message. No email-validator: it would add its own cold-start cost.
Email = Annotated[str, StringConstraints(min_length=6, max_length=MAX_ADDRESS_LENGTH, pattern=EMAIL_PATTERN),
                  AfterValidator(_deliverable)]


class FieldError(ResponseModel):
    """One field that failed validation."""

    field: str
    code: str
    message: str


class ErrorDetail(ResponseModel):
    """What went wrong, for people and programs."""

    code: str = Field(description="Stable snake_case code; safe to branch on.", examples=["validation_error"])
    message: str = Field(description="A sentence for people.")
    field: str | None = Field(description="The input at fault, if any (body field, query or path parameter, "
                                          "or header).")
    correlation_id: str | None = Field(default=None, description="Quote this when reporting a server error.")
    details: list[FieldError] | None = Field(default=None, description="Every field at fault (validation only).")


class ErrorResponse(ResponseModel):
    """Every error response has this shape."""

    error: ErrorDetail


class PageQuery(StrictModel):
    """Pagination parameters shared by list endpoints."""

    limit: PageLimit = Field(default=50, description="Items per page (1 to 100).")
    cursor: Cursor | None = Field(default=None, description="The `next_cursor` of the previous page.")
