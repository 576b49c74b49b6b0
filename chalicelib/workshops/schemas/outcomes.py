"""Request and response models of what follows a workshop: attendance, feedback, reports."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import ConfigDict, Field, StringConstraints

from chalicelib.core.http.schemas import Instant, ResponseModel, StrictModel
from chalicelib.directory.service import Region
from chalicelib.workshops.domain.rules import Workshop, WorkshopStatus
from chalicelib.workshops.schemas.common import Comment


class AttendanceIn(StrictModel):
    """Attendance per session number: present or absent."""

    model_config = ConfigDict(extra="forbid", frozen=True,
                              json_schema_extra={"examples": [{"sessions": {"1": "present", "2": "absent"}}]})

    sessions: dict[Annotated[str, StringConstraints(pattern=r"^[1-9][0-9]?$")], Literal["present", "absent"]] = \
        Field(min_length=1, max_length=10)


class FeedbackIn(StrictModel):
    """One attendee's feedback."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True, json_schema_extra={
        "examples": [{"rating": 5, "changed_practice": "yes", "comment": "Clearer about what the court needs."}]})

    rating: int = Field(ge=1, le=5, description="1 (poor) to 5 (excellent).")
    changed_practice: Literal["yes", "no", "not_yet"] = Field(description="Has this changed your practice?")
    comment: Comment | None = None


class FeedbackInfoOut(ResponseModel):
    """What a feedback link is for."""

    workshop_title: str
    already_given: bool


class FeedbackReceivedOut(ResponseModel):
    """Thanks."""

    received: bool
    message: str


class FeedbackOut(ResponseModel):
    """One feedback response (who gave it is not shown)."""

    rating: int
    changed_practice: str | None = Field(description="yes, no or not_yet.")
    comment: str | None
    given_at: datetime


class FeedbackListOut(ResponseModel):
    """A workshop's feedback responses, oldest first."""

    model_config = ConfigDict(extra="forbid", json_schema_serialization_defaults_required=True)

    workshop_id: str
    items: list[FeedbackOut]


class FiguresOut(ResponseModel):
    """Report figures."""

    model_config = ConfigDict(extra="forbid", json_schema_serialization_defaults_required=True)

    workshops: int
    places_offered: int
    places_filled: int
    attended: int
    waiting_list_peak: int
    feedback_requests: int
    feedback_responses: int
    response_rate: float | None
    average_rating: float | None
    changed_practice: dict[str, int]
    changed_practice_share: float | None = Field(description="Share of respondents who say the workshop changed "
                                                             "their practice.")

    @classmethod
    def of(cls, f: object) -> FiguresOut:
        return cls(**{name: getattr(f, name) for name in cls.model_fields})


class WorkshopReportOut(ResponseModel):
    """One workshop's report."""

    workshop_id: str
    title: str
    region: str
    starts_at: datetime
    status: WorkshopStatus
    figures: FiguresOut

    @classmethod
    def of(cls, workshop: Workshop, figures: object) -> WorkshopReportOut:
        """One workshop's line of a report."""
        return cls(workshop_id=workshop.id, title=workshop.title, region=workshop.region,
                   starts_at=workshop.starts_at, status=workshop.status, figures=FiguresOut.of(figures))


class RegionReportOut(ResponseModel):
    """Totals for a region (or all regions) over a date range, and each workshop's figures."""

    region: str | None
    starts_from: datetime
    starts_before: datetime
    totals: FiguresOut
    workshops: list[WorkshopReportOut]


class ReportQuery(StrictModel):
    """Which workshops a report covers: those starting in [from, to), optionally in one region."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    region: Region | None = None
    starts_from: Instant = Field(alias="from")
    starts_before: Instant = Field(alias="to")
