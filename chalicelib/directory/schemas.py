"""Request and response models of the organisation directory."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, ClassVar

from pydantic import AfterValidator, ConfigDict, Field, StringConstraints
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
from chalicelib.directory.domain import (
    EMAIL_DOMAIN_ANY_CASE,
    MAX_DOMAIN_LENGTH,
    MAX_EMAIL_DOMAINS,
    Nation,
    Organisation,
    OrgType,
    Region,
)

# One DNS domain, compared and stored in lower case (``Cafcass.gov.UK`` is ``cafcass.gov.uk``).
EmailDomain = Annotated[str, StringConstraints(strip_whitespace=True, min_length=4, max_length=MAX_DOMAIN_LENGTH,
                                               pattern=EMAIL_DOMAIN_ANY_CASE), AfterValidator(str.lower)]
EmailDomains = Annotated[list[EmailDomain], Field(max_length=MAX_EMAIL_DOMAINS, description=(
    "The DNS domains this organisation's people have their email addresses at (`cafcass.gov.uk`), lower "
    "case. A place can be handed only to a colleague at one of them."))]

_EXAMPLE: JsonDict = {
    "code": "E09000033", "name": "Westminster", "type": "local_authority", "region": "london",
    "nation": "england", "cafcass_service_area": "ons-region-london", "reviewing_org": "CAFCASS",
    "active": True, "version": 1, "updated_at": "2026-11-22T09:00:00Z", "email_domains": ["westminster.gov.uk"],
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
    email_domains: list[str] = Field(description="The DNS domains of its people's email addresses, sorted; empty "
                                                 "when none are recorded.")

    @classmethod
    def of(cls, org: Organisation) -> OrganisationOut:
        """Shape a domain organisation for the API."""
        return cls(code=org.code, name=org.name, type=org.type, region=org.region, nation=org.nation,
                   cafcass_service_area=org.cafcass_service_area, reviewing_org=org.reviewing_org,
                   active=org.active, version=org.version or 0, updated_at=org.updated_at,
                   email_domains=sorted(org.email_domains))


class OrganisationPage(ResponseModel):
    """One page of the directory."""

    model_config = ConfigDict(extra="forbid", json_schema_serialization_defaults_required=True)

    items: list[OrganisationOut]
    next_cursor: str | None = Field(description="Pass as `cursor` for the next page; null on the last page.")


class OrganisationCreate(StrictModel):
    """A new directory entry (Cafcass admins)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True, json_schema_extra={
        "examples": [{"code": "E06000099", "name": "New Unitary Council", "type": "local_authority",
                      "region": "south-west", "nation": "england", "cafcass_service_area": "ons-region-south-west",
                      "email_domains": ["newunitary.gov.uk"]}]})

    code: OrgCode
    name: Name
    type: OrgType
    region: Region
    nation: Nation
    cafcass_service_area: ShortText | None = None
    reviewing_org: OrgCode | None = Field(default=None, description="Derived from the nation when omitted.")
    active: bool = True
    email_domains: EmailDomains = Field(default_factory=list)

    def to_domain(self) -> Organisation:
        """The domain entry this request describes."""
        return Organisation(**{**self.model_dump(), "email_domains": frozenset(self.email_domains)})


class OrganisationPatch(PatchModel):
    """A partial edit: only the fields given change; ``null`` clears an optional field."""

    CLEARABLE: ClassVar[frozenset[str]] = frozenset({"cafcass_service_area", "reviewing_org", "email_domains"})

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True, json_schema_extra={
        "examples": [{"cafcass_service_area": "ons-region-london"}, {"active": False},
                     {"email_domains": ["westminster.gov.uk", "rbkc.gov.uk"]}, {"email_domains": None}]})

    name: Name | None = None
    type: OrgType | None = None
    region: Region | None = None
    nation: Nation | None = None
    cafcass_service_area: ShortText | None = None
    reviewing_org: OrgCode | None = None
    active: bool | None = None
    email_domains: EmailDomains | None = Field(default=None, description="Replaces the recorded domains; `null` "
                                                                         "or `[]` clears them.")

    def to_domain_value(self, name: str, value: Any) -> object:
        """Email domains become the domain's set."""
        return frozenset(value) if name == "email_domains" else value


class OrganisationPath(StrictModel):
    """Path parameters of a single organisation."""

    code: OrgCode


class OrganisationQuery(PageQuery):
    """Filters of the directory listing."""

    type: OrgType | None = Field(default=None, description="Only this type of organisation.")
    region: Region | None = Field(default=None, description="Only this region.")
