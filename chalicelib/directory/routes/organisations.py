"""Routes of the organisation directory: ``/organisations``."""

from __future__ import annotations

from typing import Any

from chalicelib.core.http.endpoint import ApiCall, Reply, endpoint
from chalicelib.directory import service as service
from chalicelib.directory.schemas import (
    OrganisationCreate,
    OrganisationOut,
    OrganisationPage,
    OrganisationPatch,
    OrganisationPath,
    OrganisationQuery,
)

TAG = "Organisations"


@endpoint(tag=TAG,
          summary="List the organisation directory",
          description="Local authorities with children's services in England and Wales, Cafcass, Cafcass Cymru "
                      "and ADCS, grouped by type and in name order. Filter by type and region; page with "
                      "`cursor`.", query_model=OrganisationQuery, response_model=OrganisationPage)
def list_organisations(call: ApiCall[None, OrganisationQuery, None]) -> OrganisationPage:
    """List organisations."""
    q = call.query
    page = service.list_organisations(call.signed_in, q.type, q.region, q.limit, q.cursor)
    return OrganisationPage(items=[OrganisationOut.of(o) for o in page.items], next_cursor=page.next_cursor)


@endpoint(tag=TAG,
          summary="Get one organisation", path_model=OrganisationPath, response_model=OrganisationOut,
          errors=(404,))
def get_organisation(call: ApiCall[OrganisationPath, None, None]) -> OrganisationOut:
    """Get an organisation by code."""
    return OrganisationOut.of(service.get_organisation(call.signed_in, call.path.code))


@endpoint(tag=TAG, summary="Add an organisation",
          description="For example a new authority after a local government reorganisation.",
          body_model=OrganisationCreate, response_model=OrganisationOut, status=201, errors=(409,))
def create_organisation(call: ApiCall[None, None, OrganisationCreate]) -> Reply:
    """Create an organisation."""
    created = service.create_organisation(call.signed_in, call.body.to_domain())
    return Reply(OrganisationOut.of(created), headers={"Location": f"/organisations/{created.code}"})


@endpoint(tag=TAG, summary="Edit an organisation",
          description="Only the fields sent change. A concurrent edit by someone else gives 409; read and retry.",
          path_model=OrganisationPath, body_model=OrganisationPatch, response_model=OrganisationOut,
          errors=(404, 409))
def update_organisation(call: ApiCall[OrganisationPath, None, OrganisationPatch]) -> OrganisationOut:
    """Edit an organisation."""
    changes: dict[str, Any] = call.body.changes()
    return OrganisationOut.of(service.update_organisation(call.signed_in, call.path.code, changes))
