"""Routes of the workshop capability: scheduling, registration, the waiting list, and one's own places."""

from __future__ import annotations

from datetime import datetime, timezone

from chalice import Response

from chalicelib.core.auth.caller import Caller
from chalicelib.core.http.endpoint import ApiCall, Reply, endpoint
from chalicelib.core.http.schemas import ErrorDetail
from chalicelib.workshops.domain.rules import Group, WorkshopStatus
from chalicelib.workshops.schemas.workshops import (
    MyRegistrationsQuery,
    RegistrationConflictResponse,
    RegistrationIn,
    RegistrationOut,
    RegistrationPage,
    RegistrationPath,
    StatusIn,
    SubstituteIn,
    TokenQuery,
    WorkshopIn,
    WorkshopOut,
    WorkshopPage,
    WorkshopPatch,
    WorkshopPath,
    WorkshopQuery,
)
from chalicelib.workshops.services import registrations as placing
from chalicelib.workshops.services import scheduling as scheduling
from chalicelib.workshops.store.registrations import RegistrationRecord, attendance_of

TAG = "Workshops"
CONFLICT_BODY = ((409, RegistrationConflictResponse),)


def _now() -> datetime:
    return datetime.now(timezone.utc)


def registration_out(record: RegistrationRecord, caller: Caller | None, position: int | None = None) -> RegistrationOut:
    """Shape a registration; access and dietary needs (sensitive free text) only for admins."""
    admin = caller is not None and caller.is_cafcass_admin
    return RegistrationOut(
        id=record.registration_id, workshop_id=record.workshop_id, status=record.status, name=record.name,
        email=record.email, organisation=record.organisation, group=Group(record.group), job_title=record.job_title,
        waiting_position=position, access_needs=record.access_needs if admin else None,
        dietary_needs=record.dietary_needs if admin else None, attendance=attendance_of(record) or None,
        created_at=record.created_at, confirmed_at=record.confirmed_at, ended_at=record.ended_at,
        end_reason=record.end_reason, on_behalf=record.on_behalf is not None, substitute_for=record.substitute_for,
        substituted_by=record.substituted_by)


def _conflict(exc: placing.AlreadyRegistered, caller: Caller) -> Reply:
    return Reply(RegistrationConflictResponse(
        error=ErrorDetail(code=exc.code, message=exc.message, field=exc.field),
        registration=registration_out(exc.record, caller)), status=409)


@endpoint(tag=TAG, summary="Schedule a workshop",
          description="Creates a draft: nobody else sees it until it is published.", body_model=WorkshopIn,
          response_model=WorkshopOut, status=201, errors=(404,))
def create_workshop(call: ApiCall[None, None, WorkshopIn]) -> Reply:
    """Create a workshop."""
    created = scheduling.create_workshop(call.signed_in, call.body.to_domain())
    return Reply(WorkshopOut.of(created, _now()), headers={"Location": f"/workshops/{created.id}"})


@endpoint(tag=TAG, summary="List workshops",
          description="Upcoming workshops, soonest first; filter by region and a date range (`from`, `to`). "
                      "Admins also see drafts and cancelled workshops.", query_model=WorkshopQuery,
          response_model=WorkshopPage)
def list_workshops(call: ApiCall[None, WorkshopQuery, None]) -> WorkshopPage:
    """List workshops."""
    q = call.query
    now = _now()
    page = scheduling.list_workshops(call.signed_in, q.region.value if q.region else None, q.starts_from,
                                     q.starts_before, q.limit, q.cursor, now)
    return WorkshopPage(items=[WorkshopOut.of(w, now) for w in page.items], next_cursor=page.next_cursor)


@endpoint(tag=TAG, summary="Get a workshop",
          path_model=WorkshopPath, response_model=WorkshopOut, errors=(404,))
def get_workshop(call: ApiCall[WorkshopPath, None, None]) -> WorkshopOut:
    """Get a workshop with its places."""
    return WorkshopOut.of(scheduling.get_workshop(call.signed_in, call.path.workshop_id), _now())


@endpoint(tag=TAG, summary="Edit a workshop",
          description="Only the fields sent change. A new time, session or venue sends every confirmed and waiting "
                      "registrant an update (and people with a place an updated invitation: same UIDs, higher "
                      "SEQUENCE).", path_model=WorkshopPath, body_model=WorkshopPatch, response_model=WorkshopOut,
          errors=(404, 409))
def update_workshop(call: ApiCall[WorkshopPath, None, WorkshopPatch]) -> WorkshopOut:
    """Edit a workshop."""
    updated = scheduling.update_workshop(call.signed_in, call.path.workshop_id, call.body.changes())
    return WorkshopOut.of(updated, _now())


@endpoint(tag=TAG, summary="Change a workshop's status",
          description="draft -> published -> closed (registration) -> completed, or cancelled (everyone registered "
                      "is told, and people with a place get a calendar cancellation). A closed workshop can be "
                      "published again.", path_model=WorkshopPath, body_model=StatusIn, response_model=WorkshopOut,
          errors=(404, 409))
def set_status(call: ApiCall[WorkshopPath, None, StatusIn]) -> WorkshopOut:
    """Move a workshop through its lifecycle."""
    updated = scheduling.set_status(call.signed_in, call.path.workshop_id, WorkshopStatus(call.body.status))
    return WorkshopOut.of(updated, _now())


@endpoint(tag=TAG, summary="Register",
          description="Register yourself (name, email, organisation and group must match your account), or, as a "
                      "Cafcass admin, someone else. You get a place if one is free in your group (and within your "
                      "organisation's cap) and nobody is waiting for it; otherwise you join the waiting list and "
                      "are told your position. Registering twice is a 409 with the existing registration.",
          path_model=WorkshopPath, body_model=RegistrationIn, response_model=RegistrationOut, status=201,
          errors=(403, 404, 409), error_models=CONFLICT_BODY)
def register(call: ApiCall[WorkshopPath, None, RegistrationIn]) -> Reply:
    """Register for a workshop."""
    b = call.body
    who = placing.Registrant(name=b.name, email=b.email, organisation=b.organisation, group=b.group,
                             job_title=b.job_title, access_needs=b.access_needs, dietary_needs=b.dietary_needs)
    try:
        outcome = placing.register(call.signed_in, call.path.workshop_id, who)
    except placing.AlreadyRegistered as exc:
        return _conflict(exc, call.signed_in)
    record = outcome.record
    return Reply(registration_out(record, call.signed_in, outcome.position),
                 headers={"Location": f"/workshops/{record.workshop_id}/registrations/{record.registration_id}"})


@endpoint(tag=TAG,
          summary="Get a registration", description="Your own registration, or any for a Cafcass admin.",
          path_model=RegistrationPath, response_model=RegistrationOut, errors=(404,))
def get_registration(call: ApiCall[RegistrationPath, None, None]) -> RegistrationOut:
    """One registration, with its waiting-list position."""
    outcome = placing.get_registration(call.signed_in, call.path.workshop_id, call.path.registration_id)
    return registration_out(outcome.record, call.signed_in, outcome.position)


@endpoint(tag=TAG,
          summary="Cancel a place or leave the waiting list",
          description="The person themselves until the cancellation deadline; Cafcass admins at any time. A freed "
                      "place goes at once to the first eligible person waiting, who is emailed an invitation.",
          path_model=RegistrationPath, response_model=RegistrationOut, errors=(404, 409))
def cancel_registration(call: ApiCall[RegistrationPath, None, None]) -> RegistrationOut:
    """Cancel."""
    outcome = placing.cancel(call.signed_in, call.path.workshop_id, call.path.registration_id)
    return registration_out(outcome.record, call.signed_in)


@endpoint(tag=TAG, summary="Hand a place to a colleague",
          description="Before the workshop starts, a confirmed person (or an admin) hands the place to a colleague "
                      "from the same organisation and group: the colleague gets the invitation, the original "
                      "attendee a cancellation.", path_model=RegistrationPath, body_model=SubstituteIn,
          response_model=RegistrationOut, status=201, errors=(404, 409), error_models=CONFLICT_BODY)
def substitute(call: ApiCall[RegistrationPath, None, SubstituteIn]) -> Reply:
    """Substitute a colleague."""
    from chalicelib.workshops.store import registrations as regs

    original = regs.get(call.path.workshop_id, call.path.registration_id)
    b = call.body
    colleague = placing.Registrant(name=b.name, email=b.email, organisation=original.organisation,
                                   group=Group(original.group), job_title=b.job_title,
                                   access_needs=b.access_needs, dietary_needs=b.dietary_needs)
    try:
        outcome = placing.substitute(call.signed_in, call.path.workshop_id, call.path.registration_id, colleague)
    except placing.AlreadyRegistered as exc:
        return _conflict(exc, call.signed_in)
    return Reply(registration_out(outcome.record, call.signed_in))


@endpoint(tag=TAG, summary="Give back a place offered from the waiting list",
          description="The target of the link in the promotion email: the signed token is the authority.",
          path_model=RegistrationPath, query_model=TokenQuery, response_model=RegistrationOut, errors=(400, 404, 409))
def decline(call: ApiCall[RegistrationPath, TokenQuery, None]) -> RegistrationOut:
    """Decline a promotion."""
    outcome = placing.decline(call.path.workshop_id, call.path.registration_id, call.query.token)
    return registration_out(outcome.record, None)


@endpoint(tag=TAG,
          summary="List a workshop's registrations", path_model=WorkshopPath, response_model=RegistrationPage,
          errors=(404,))
def list_registrations(call: ApiCall[WorkshopPath, None, None]) -> RegistrationPage:
    """All registrations of a workshop (admins), with access and dietary needs."""
    from chalicelib.workshops.services import views as workshop_admin

    rows = workshop_admin.registrations(call.signed_in, call.path.workshop_id)
    return RegistrationPage(items=[registration_out(r, call.signed_in, p) for r, p in rows], next_cursor=None)


@endpoint(tag=TAG,
          summary="Export a workshop's registrations as CSV",
          description="UTF-8 CSV with a header row, safe to open in a spreadsheet (cells that would start a formula "
                      "are prefixed with an apostrophe).", path_model=WorkshopPath, errors=(404,),
          response_content_type="text/csv; charset=utf-8")
def export_registrations(call: ApiCall[WorkshopPath, None, None]) -> Response:
    """CSV export."""
    from chalicelib.workshops.services import views as workshop_admin

    body = workshop_admin.export_csv(call.signed_in, call.path.workshop_id)
    return Response(body=body, status_code=200, headers={
        "Content-Type": "text/csv; charset=utf-8",
        "Content-Disposition": f'attachment; filename="registrations-{call.path.workshop_id}.csv"'})


@endpoint(tag=TAG, summary="My registrations",
          description="Your registrations across workshops, newest first (matched on the email address in your "
                      "token).", query_model=MyRegistrationsQuery, response_model=RegistrationPage)
def my_registrations(call: ApiCall[None, MyRegistrationsQuery, None]) -> RegistrationPage:
    """One's own registrations."""
    from chalicelib.workshops.services import views as workshop_admin

    page = workshop_admin.my_registrations(call.signed_in, call.query.limit, call.query.cursor)
    return RegistrationPage(items=[registration_out(r, call.signed_in) for r in page.items],
                            next_cursor=page.next_cursor)


