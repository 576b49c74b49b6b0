"""Routes for what happens at and after a workshop: attendance, feedback, and reports."""

from __future__ import annotations

from chalicelib.core.http.endpoint import ApiCall, endpoint
from chalicelib.workshops.schemas.common import RegistrationPath, TokenQuery, WorkshopPath
from chalicelib.workshops.schemas.outcomes import (
    AttendanceIn,
    FeedbackIn,
    FeedbackInfoOut,
    FeedbackListOut,
    FeedbackOut,
    FeedbackReceivedOut,
    FiguresOut,
    RegionReportOut,
    ReportQuery,
    WorkshopReportOut,
)
from chalicelib.workshops.schemas.registrations import RegistrationOut
from chalicelib.workshops.services import attendance
from chalicelib.workshops.services import reports as workshop_reports

TAG = "Workshops"


@endpoint(tag=TAG, summary="Record attendance",
          description="Present or absent, per session number, for a person with a place; sessions that have "
                      "not started cannot be recorded.", path_model=RegistrationPath, body_model=AttendanceIn,
          response_model=RegistrationOut, errors=(404, 409))
def record_attendance(call: ApiCall[RegistrationPath, None, AttendanceIn]) -> RegistrationOut:
    """Record attendance."""
    reg = attendance.record_attendance(call.signed_in, call.path.workshop_id, call.path.registration_id,
                                       dict(call.body.sessions))
    return RegistrationOut.of(reg, call.signed_in)


@endpoint(tag=TAG, summary="Check a feedback link",
          description="The signed link in the feedback request is the authority.", query_model=TokenQuery,
          response_model=FeedbackInfoOut, errors=(400, 404))
def feedback_info(call: ApiCall[None, TokenQuery, None]) -> FeedbackInfoOut:
    """Which workshop a feedback link is for."""
    info = attendance.feedback_invitation(call.query.token)
    return FeedbackInfoOut(workshop_title=info.workshop_title, already_given=info.already_given)


@endpoint(tag=TAG, summary="Give feedback",
          description="One response per attendee: a second one with the same link is a 409.",
          query_model=TokenQuery, body_model=FeedbackIn, response_model=FeedbackReceivedOut, status=201,
          errors=(400, 403, 404, 409))
def give_feedback(call: ApiCall[None, TokenQuery, FeedbackIn]) -> FeedbackReceivedOut:
    """Store feedback."""
    b = call.body
    attendance.give_feedback(call.query.token, b.rating, b.changed_practice, b.comment)
    return FeedbackReceivedOut(received=True, message="Thank you for your feedback.")


@endpoint(tag=TAG, summary="Report on a workshop",
          path_model=WorkshopPath, response_model=WorkshopReportOut, errors=(404,))
def workshop_report(call: ApiCall[WorkshopPath, None, None]) -> WorkshopReportOut:
    """One workshop's figures."""
    workshop, figures = workshop_reports.workshop_report(call.signed_in, call.path.workshop_id)
    return WorkshopReportOut.of(workshop, figures)


@endpoint(tag=TAG, summary="Report on workshops over a period",
          description="Workshops starting in [from, to), in one region or all: totals and each workshop.",
          query_model=ReportQuery, response_model=RegionReportOut)
def region_report(call: ApiCall[None, ReportQuery, None]) -> RegionReportOut:
    """Figures per region and date range."""
    q = call.query
    region = q.region.value if q.region else None
    totals, rows = workshop_reports.region_report(call.signed_in, region, q.starts_from, q.starts_before)
    return RegionReportOut(region=region, starts_from=q.starts_from, starts_before=q.starts_before,
                           totals=FiguresOut.of(totals), workshops=[WorkshopReportOut.of(w, f) for w, f in rows])


@endpoint(tag=TAG, summary="Read a workshop's feedback",
          description="Every response (rating, whether it changed practice, the comment), oldest first, without who "
                      "gave it.", path_model=WorkshopPath, response_model=FeedbackListOut, errors=(404,))
def workshop_feedback(call: ApiCall[WorkshopPath, None, None]) -> FeedbackListOut:
    """A workshop's feedback."""
    entries = workshop_reports.feedback(call.signed_in, call.path.workshop_id)
    return FeedbackListOut(workshop_id=call.path.workshop_id, items=[
        FeedbackOut(rating=e.rating, changed_practice=e.changed_practice, comment=e.comment,
                    given_at=e.given_at) for e in entries])
