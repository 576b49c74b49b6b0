"""Request and response models of registration: registering, a registration, handing a place on, lists."""

from __future__ import annotations

from datetime import datetime

from pydantic import ConfigDict, Field

from chalicelib.core.auth.caller import Caller
from chalicelib.core.http.schemas import (
    Cursor,
    Email,
    ErrorDetail,
    Name,
    OrgCode,
    PageLimit,
    ResponseModel,
    StrictModel,
)
from chalicelib.workshops.domain.registrations import Colleague, Registrant, Registration
from chalicelib.workshops.domain.rules import EndReason, Group, RegistrationStatus
from chalicelib.workshops.schemas.common import Needs, Text


class RegistrationIn(StrictModel):
    """Register yourself (or, for admins, someone else)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True, json_schema_extra={"examples": [
        {"name": "Sam Taylor", "email": "sam.taylor@westminster.example.org", "organisation": "E09000033",
         "group": "la-social-worker", "job_title": "Senior social worker", "dietary_needs": "Vegetarian"}]})

    name: Name
    email: Email
    organisation: OrgCode
    group: Group
    job_title: Text
    access_needs: Needs | None = Field(default=None, description="Shown only to admins.")
    dietary_needs: Needs | None = Field(default=None, description="Shown only to admins.")

    def to_domain(self) -> Registrant:
        """The person this request registers."""
        return Registrant(name=self.name, email=self.email, organisation=self.organisation, group=self.group,
                          job_title=self.job_title, access_needs=self.access_needs, dietary_needs=self.dietary_needs)


class RegistrationOut(ResponseModel):
    """A registration. Access and dietary needs appear only for admins."""

    model_config = ConfigDict(extra="forbid", json_schema_serialization_defaults_required=True,
                              json_schema_extra={"examples": [{
                                  "id": "8fa451d8e5984d1abf1fe1f0177b6652",
                                  "workshop_id": "730af589a9e8464bbd54e7345ca26c82",
                                  "status": "waiting", "name": "Sam Taylor",
                                  "email": "sam.taylor@westminster.example.org",
                                  "organisation": "E09000033", "group": "la-social-worker",
                                  "job_title": "Senior social worker", "waiting_position": 1, "access_needs": None,
                                  "dietary_needs": None, "attendance": None, "created_at": "2027-01-10T09:00:00Z",
                                  "confirmed_at": None, "ended_at": None, "end_reason": None, "on_behalf": False,
                                  "substitute_for": None, "substituted_by": None}]})

    id: str
    workshop_id: str
    status: RegistrationStatus
    name: str
    email: str
    organisation: str
    group: Group
    job_title: str
    waiting_position: int | None = Field(description="Place in the waiting list of your group, if waiting.")
    access_needs: str | None = None
    dietary_needs: str | None = None
    attendance: dict[str, str] | None = None
    created_at: datetime
    confirmed_at: datetime | None
    ended_at: datetime | None
    end_reason: EndReason | None
    on_behalf: bool
    substitute_for: str | None
    substituted_by: str | None

    @classmethod
    def of(cls, reg: Registration, caller: Caller | None, position: int | None = None) -> RegistrationOut:
        """Shape a registration; access and dietary needs (sensitive free text) only for admins."""
        admin = caller is not None and caller.is_cafcass_admin
        who = reg.registrant
        return cls(
            id=reg.id, workshop_id=reg.workshop_id, status=reg.status, name=who.name, email=who.email,
            organisation=who.organisation, group=who.group, job_title=who.job_title, waiting_position=position,
            access_needs=who.access_needs if admin else None, dietary_needs=who.dietary_needs if admin else None,
            attendance=dict(reg.attendance) or None, created_at=reg.created_at, confirmed_at=reg.confirmed_at,
            ended_at=reg.ended_at, end_reason=reg.end_reason, on_behalf=reg.on_behalf is not None,
            substitute_for=reg.substitute_for, substituted_by=reg.substituted_by)


class RegistrationConflictResponse(ResponseModel):
    """A 409: the error and, for a second registration of the same person, the registration that exists."""

    model_config = ConfigDict(extra="forbid")

    error: ErrorDetail
    registration: RegistrationOut | None = None


class RegistrationPage(ResponseModel):
    """One page of registrations."""

    model_config = ConfigDict(extra="forbid", json_schema_serialization_defaults_required=True)

    items: list[RegistrationOut]
    next_cursor: str | None


class SubstituteIn(StrictModel):
    """The colleague who takes the place (same organisation and group). Their address must be at one of the
    organisation's email domains in the directory (where none is recorded: at the domain of the address the
    place is registered to)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True, json_schema_extra={"examples": [
        {"name": "Alex Jones", "email": "alex.jones@westminster.gov.uk", "job_title": "Social worker"}]})

    name: Name
    email: Email
    job_title: Text
    access_needs: Needs | None = None
    dietary_needs: Needs | None = None
    override_domain_check: bool = Field(default=False, description=(
        "Cafcass admins only (403 otherwise): hand the place on although the address is not at one of the "
        "organisation's domains. Recorded on the new registration (who and when) and logged."))

    def to_domain(self) -> Colleague:
        """The colleague who takes the place."""
        return Colleague(name=self.name, email=self.email, job_title=self.job_title,
                         access_needs=self.access_needs, dietary_needs=self.dietary_needs,
                         override_domain_check=self.override_domain_check)


class MyRegistrationsQuery(StrictModel):
    """Paging of one's own registrations."""

    limit: PageLimit = 20
    cursor: Cursor | None = None
