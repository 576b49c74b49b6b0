"""Routes of registration: register, read, cancel, hand on, decline, and the lists of registrations."""

from __future__ import annotations

from chalice import Response

from chalicelib.core.auth.caller import Caller
from chalicelib.core.http.endpoint import ApiCall, Reply, endpoint
from chalicelib.core.http.schemas import ErrorDetail, idempotency_key
from chalicelib.workshops.schemas.common import RegistrationPath, TokenQuery, WorkshopPath
from chalicelib.workshops.schemas.links import DeclinedOut
from chalicelib.workshops.schemas.registrations import (
    MyRegistrationsQuery,
    RegistrationConflictResponse,
    RegistrationIn,
    RegistrationOut,
    RegistrationPage,
    SubstituteIn,
)
from chalicelib.workshops.services import cancel as cancel_service
from chalicelib.workshops.services import register as register_service
from chalicelib.workshops.services import substitute as substitute_service
from chalicelib.workshops.services import views
from chalicelib.workshops.services.register import AlreadyRegistered

TAG = "Workshops"
CONFLICT_BODY = ((409, RegistrationConflictResponse),)


def _conflict(exc: AlreadyRegistered, caller: Caller) -> Reply:
    return Reply(RegistrationConflictResponse(
        error=ErrorDetail(code=exc.code, message=exc.message, field=exc.field),
        registration=RegistrationOut.of(exc.registration, caller)), status=409)


@endpoint(tag=TAG, summary="Register",
          description="Register yourself (name, email, organisation and group must match your account), or, as a "
                      "Cafcass admin, someone else. You get a place if one is free in your group (and within your "
                      "organisation's cap) and nobody is waiting for it; otherwise you join the waiting list and "
                      "are told your position. Registering twice is a 409 with the existing registration. Send an "
                      "`Idempotency-Key` header to make a retry safe: a request repeated with the same key answers "
                      "with the registration the first one made.",
          path_model=WorkshopPath, body_model=RegistrationIn, response_model=RegistrationOut, status=201,
          errors=(403, 404, 409), error_models=CONFLICT_BODY)
def register(call: ApiCall[WorkshopPath, None, RegistrationIn]) -> Reply:
    """Register for a workshop."""
    try:
        outcome = register_service.register(call.signed_in, call.path.workshop_id, call.body.to_domain(),
                                            idempotency_key=idempotency_key(call.headers))
    except AlreadyRegistered as exc:
        return _conflict(exc, call.signed_in)
    reg = outcome.registration
    return Reply(RegistrationOut.of(reg, call.signed_in, outcome.position),
                 headers={"Location": f"/workshops/{reg.workshop_id}/registrations/{reg.id}"})


@endpoint(tag=TAG,
          summary="Get a registration", description="Your own registration, or any for a Cafcass admin.",
          path_model=RegistrationPath, response_model=RegistrationOut, errors=(404,))
def get_registration(call: ApiCall[RegistrationPath, None, None]) -> RegistrationOut:
    """One registration, with its waiting-list position."""
    outcome = views.get_registration(call.signed_in, call.path.workshop_id, call.path.registration_id)
    return RegistrationOut.of(outcome.registration, call.signed_in, outcome.position)


@endpoint(tag=TAG,
          summary="Cancel a place or leave the waiting list",
          description="The person themselves until the cancellation deadline; Cafcass admins at any time. A freed "
                      "place goes at once to the first eligible person waiting, who is emailed an invitation. "
                      "Send an `Idempotency-Key` header to make a retry safe: a request repeated with the same key "
                      "answers with the cancellation the first one made.",
          path_model=RegistrationPath, response_model=RegistrationOut, errors=(404, 409, 422))
def cancel_registration(call: ApiCall[RegistrationPath, None, None]) -> RegistrationOut:
    """Cancel."""
    outcome = cancel_service.cancel(call.signed_in, call.path.workshop_id, call.path.registration_id,
                                    idempotency_key=idempotency_key(call.headers))
    return RegistrationOut.of(outcome.registration, call.signed_in)


@endpoint(tag=TAG, summary="Hand a place to a colleague",
          description="Before the workshop starts, a confirmed person (or an admin) hands the place to a colleague "
                      "from the same organisation and group: the colleague gets the invitation, the original "
                      "attendee a cancellation.", path_model=RegistrationPath, body_model=SubstituteIn,
          response_model=RegistrationOut, status=201, errors=(404, 409), error_models=CONFLICT_BODY)
def substitute(call: ApiCall[RegistrationPath, None, SubstituteIn]) -> Reply:
    """Substitute a colleague."""
    try:
        outcome = substitute_service.substitute(call.signed_in, call.path.workshop_id, call.path.registration_id,
                                                call.body.to_domain())
    except AlreadyRegistered as exc:
        return _conflict(exc, call.signed_in)
    return Reply(RegistrationOut.of(outcome.registration, call.signed_in))


@endpoint(tag=TAG, summary="Give back a place offered from the waiting list",
          description="For API clients holding the token of a promotion email's decline link (people open the link's "
                      "page, `/links/decline/{token}`): the signed token is the authority. The link works for "
                      "7 days, until the cancellation deadline, and only for the promotion it was sent for. The "
                      "answer is a status only.",
          path_model=RegistrationPath, query_model=TokenQuery, response_model=DeclinedOut, errors=(400, 404, 409))
def decline(call: ApiCall[RegistrationPath, TokenQuery, None]) -> DeclinedOut:
    """Decline a promotion."""
    cancel_service.decline(call.path.workshop_id, call.path.registration_id, call.query.token)
    return DeclinedOut(status="declined", message="The place has been given back.")


@endpoint(tag=TAG,
          summary="List a workshop's registrations", path_model=WorkshopPath, response_model=RegistrationPage,
          errors=(404,))
def list_registrations(call: ApiCall[WorkshopPath, None, None]) -> RegistrationPage:
    """All registrations of a workshop (admins), with access and dietary needs."""
    rows = views.registrations(call.signed_in, call.path.workshop_id)
    return RegistrationPage(items=[RegistrationOut.of(r.registration, call.signed_in, r.position) for r in rows],
                            next_cursor=None)


@endpoint(tag=TAG,
          summary="Export a workshop's registrations as CSV",
          description="UTF-8 CSV with a header row, safe to open in a spreadsheet (cells that would start a formula "
                      "are prefixed with an apostrophe).", path_model=WorkshopPath, errors=(404,),
          response_content_type="text/csv; charset=utf-8")
def export_registrations(call: ApiCall[WorkshopPath, None, None]) -> Response:
    """CSV export."""
    body = views.export_csv(call.signed_in, call.path.workshop_id)
    return Response(body=body, status_code=200, headers={
        "Content-Type": "text/csv; charset=utf-8",
        "Content-Disposition": f'attachment; filename="registrations-{call.path.workshop_id}.csv"'})


@endpoint(tag=TAG, summary="My registrations",
          description="Your registrations across workshops, newest first. Registrations an admin made for your "
                      "verified address become yours when you first list them.", query_model=MyRegistrationsQuery,
          response_model=RegistrationPage)
def my_registrations(call: ApiCall[None, MyRegistrationsQuery, None]) -> RegistrationPage:
    """One's own registrations."""
    page = views.my_registrations(call.signed_in, call.query.limit, call.query.cursor)
    return RegistrationPage(items=[RegistrationOut.of(r, call.signed_in) for r in page.items],
                            next_cursor=page.next_cursor)


