"""Models of the emailed links' pages and answers: a token in the path, a form's fields, a bare status."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator

from chalicelib.core.http.schemas import ResponseModel, StrictModel
from chalicelib.workshops.schemas.common import Comment, LinkToken


class LinkPath(StrictModel):
    """A link's token, as the last segment of its path (a query string would reach access logs)."""

    token: LinkToken


class FeedbackForm(StrictModel):
    """The feedback page's form, as a browser posts it (``application/x-www-form-urlencoded``)."""

    rating: Literal["1", "2", "3", "4", "5"] = Field(description="1 (poor) to 5 (excellent).")
    changed_practice: Literal["yes", "no", "not_yet"] = Field(description="Has this changed your practice?")
    comment: Comment | None = None

    @field_validator("comment", mode="before")
    @classmethod
    def _browser_newlines(cls, value: object) -> object:
        """Browsers send a textarea's line breaks as CRLF; an empty answer is no answer."""
        if isinstance(value, str):
            value = value.replace("\r\n", "\n")
            return value if value.strip() else None
        return value


class DeclinedOut(ResponseModel):
    """What whoever holds a decline link is told: the outcome only, nothing about the person."""

    status: Literal["declined"]
    message: str
