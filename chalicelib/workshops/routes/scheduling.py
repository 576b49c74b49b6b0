"""Routes of workshop scheduling: create, list, read, edit, and move a workshop through its lifecycle."""

from __future__ import annotations

from chalicelib.core.http.endpoint import ApiCall, Reply, endpoint
from chalicelib.core.http.schemas import idempotency_key
from chalicelib.core.time import utcnow
from chalicelib.workshops.schemas.common import WorkshopPath
from chalicelib.workshops.schemas.scheduling import (
    StatusIn,
    WorkshopIn,
    WorkshopOut,
    WorkshopPage,
    WorkshopPatch,
    WorkshopQuery,
)
from chalicelib.workshops.services import scheduling

TAG = "Workshops"


@endpoint(tag=TAG, summary="Schedule a workshop",
          description="Creates a draft: nobody else sees it until it is published. Send an `Idempotency-Key` "
                      "header to make a retry safe: a request repeated with the same key answers with the workshop "
                      "the first one created.", body_model=WorkshopIn,
          response_model=WorkshopOut, status=201, errors=(404,))
def create_workshop(call: ApiCall[None, None, WorkshopIn]) -> Reply:
    """Create a workshop."""
    created = scheduling.create_workshop(call.signed_in, call.body.to_domain(),
                                         idempotency_key=idempotency_key(call.headers))
    return Reply(WorkshopOut.of(created, utcnow()), headers={"Location": f"/workshops/{created.id}"})


@endpoint(tag=TAG, summary="List workshops",
          description="Upcoming workshops, soonest first; filter by region and a date range (`from`, `to`). "
                      "Admins also see drafts and cancelled workshops.", query_model=WorkshopQuery,
          response_model=WorkshopPage)
def list_workshops(call: ApiCall[None, WorkshopQuery, None]) -> WorkshopPage:
    """List workshops."""
    q = call.query
    now = utcnow()
    page = scheduling.list_workshops(call.signed_in, q.region.value if q.region else None, q.starts_from,
                                     q.starts_before, q.limit, q.cursor, now)
    return WorkshopPage(items=[WorkshopOut.of(w, now) for w in page.items], next_cursor=page.next_cursor)


@endpoint(tag=TAG, summary="Get a workshop",
          path_model=WorkshopPath, response_model=WorkshopOut, errors=(404,))
def get_workshop(call: ApiCall[WorkshopPath, None, None]) -> WorkshopOut:
    """Get a workshop with its places."""
    return WorkshopOut.of(scheduling.get_workshop(call.signed_in, call.path.workshop_id), utcnow())


@endpoint(tag=TAG, summary="Edit a workshop",
          description="Only the fields sent change. A new time, session or venue sends every confirmed and waiting "
                      "registrant an update (and people with a place an updated invitation: same UIDs, higher "
                      "SEQUENCE).", path_model=WorkshopPath, body_model=WorkshopPatch, response_model=WorkshopOut,
          errors=(404, 409))
def update_workshop(call: ApiCall[WorkshopPath, None, WorkshopPatch]) -> WorkshopOut:
    """Edit a workshop."""
    updated = scheduling.update_workshop(call.signed_in, call.path.workshop_id, call.body.changes())
    return WorkshopOut.of(updated, utcnow())


@endpoint(tag=TAG, summary="Change a workshop's status",
          description="draft -> published -> closed (registration) -> completed, or cancelled (everyone registered "
                      "is told, and people with a place get a calendar cancellation). A closed workshop can be "
                      "published again.", path_model=WorkshopPath, body_model=StatusIn, response_model=WorkshopOut,
          errors=(404, 409))
def set_status(call: ApiCall[WorkshopPath, None, StatusIn]) -> WorkshopOut:
    """Move a workshop through its lifecycle."""
    updated = scheduling.set_status(call.signed_in, call.path.workshop_id, call.body.target())
    return WorkshopOut.of(updated, utcnow())
