"""Request and response models of the organisation directory."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

from pydantic import ConfigDict, Field
from pydantic.config import JsonDict

from chalicelib.core.http.schemas import (
    Name,
    OrgCode,
    PageQuery,
    PatchModel,
    ResponseModel,
    ShortText,
    StrictModel,
)
from chalicelib.directory.domain import Nation, Organisation, OrgType, Region

_EXAMPLE: JsonDict = {
    "code": "E09000033", "name": "Westminster", "type": "local_authority", "region": "london",
    "nation": "england", "cafcass_service_area": "ons-region-london", "reviewing_org": "CAFCASS",
    "active": True, "version": 1, "updated_at": "2026-11-22T09:00:00Z",
}


class OrganisationOut(ResponseModel):
    """A directory entry."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [_EXAMPLE]},
                              json_schema_serialization_defaults_required=True)

    code: str = Field(description="GSS code for local authorities; CAFCASS, CAFCASS-CYMRU, ADCS otherwise.")
    name: str
    type: OrgType
    region: Region
    nation: Nation
    cafcass_service_area: str | None = Field(description="The Cafcass (or Cafcass Cymru) area that reviews "
                                                         "this authority's evidence.")
    reviewing_org: str | None = Field(description="CAFCASS or CAFCASS-CYMRU for local authorities.")
    active: bool
    version: int = Field(description="Increases with every edit.")
    updated_at: datetime | None

    @classmethod
    def of(cls, org: Organisation) -> OrganisationOut:
        """Shape a domain organisation for the API."""
        return cls(code=org.code, name=org.name, type=org.type, region=org.region, nation=org.nation,
                   cafcass_service_area=org.cafcass_service_area, reviewing_org=org.reviewing_org,
                   active=org.active, version=org.version or 0, updated_at=org.updated_at)


class OrganisationPage(ResponseModel):
    """One page of the directory."""

    model_config = ConfigDict(extra="forbid", json_schema_serialization_defaults_required=True)

    items: list[OrganisationOut]
    next_cursor: str | None = Field(description="Pass as `cursor` for the next page; null on the last page.")


class OrganisationCreate(StrictModel):
    """A new directory entry (Cafcass admins)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True, json_schema_extra={
        "examples": [{"code": "E06000099", "name": "New Unitary Council", "type": "local_authority",
                      "region": "south-west", "nation": "england", "cafcass_service_area": "ons-region-south-west"}]})

    code: OrgCode
    name: Name
    type: OrgType
    region: Region
    nation: Nation
    cafcass_service_area: ShortText | None = None
    reviewing_org: OrgCode | None = Field(default=None, description="Derived from the nation when omitted.")
    active: bool = True

    def to_domain(self) -> Organisation:
        """The domain entry this request describes."""
        return Organisation(**self.model_dump())


class OrganisationPatch(PatchModel):
    """A partial edit: only the fields given change; ``null`` clears an optional field."""

    CLEARABLE: ClassVar[frozenset[str]] = frozenset({"cafcass_service_area", "reviewing_org"})

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True, json_schema_extra={
        "examples": [{"cafcass_service_area": "ons-region-london"}, {"active": False}]})

    name: Name | None = None
    type: OrgType | None = None
    region: Region | None = None
    nation: Nation | None = None
    cafcass_service_area: ShortText | None = None
    reviewing_org: OrgCode | None = None
    active: bool | None = None


class OrganisationPath(StrictModel):
    """Path parameters of a single organisation."""

    code: OrgCode


class OrganisationQuery(PageQuery):
    """Filters of the directory listing."""

    type: OrgType | None = Field(default=None, description="Only this type of organisation.")
    region: Region | None = Field(default=None, description="Only this region.")
