"""Request and response models of the workshop routes."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Annotated, Any, ClassVar, Literal

from pydantic import ConfigDict, Field, HttpUrl, StringConstraints
from pydantic.config import JsonDict, JsonValue

from chalicelib.core.auth.caller import Caller
from chalicelib.core.http.schemas import (
    Cursor,
    Email,
    ErrorDetail,
    Instant,
    Name,
    OrgCode,
    PageLimit,
    PatchModel,
    ResponseModel,
    StrictModel,
)
from chalicelib.directory.service import Region
from chalicelib.workshops.domain.registrations import Colleague, Registrant, Registration
from chalicelib.workshops.domain.rules import (
    EndReason,
    Group,
    Places,
    RegistrationStatus,
    Session,
    Workshop,
    WorkshopStatus,
)

WorkshopId = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{32}$")]
Text = Annotated[str, StringConstraints(min_length=1, max_length=200)]
LongText = Annotated[str, StringConstraints(min_length=1, max_length=5000)]
Needs = Annotated[str, StringConstraints(max_length=1000)]
LinkToken = Annotated[str, StringConstraints(min_length=20, max_length=2048, pattern=r"^[A-Za-z0-9_=-]+$")]

_SESSIONS_EXAMPLE: list[JsonValue] = [{"date": "2027-03-01", "start": "09:30", "end": "16:30"},
                                      {"date": "2027-03-02", "start": "09:30", "end": "16:30"},
                                      {"date": "2027-03-09", "start": "09:30", "end": "13:00"}]
_PLACES_EXAMPLE: JsonDict = {"capacity": 28, "allocations": {"la-social-worker": 12, "cafcass": 12, "adcs-partner": 4},
                             "release_days_before": 14, "org_cap": 4}
_WORKSHOP_EXAMPLE: JsonDict = {
    "title": "Working together in care proceedings", "description": "A joint Cafcass and local authority workshop.",
    "host_org": "E08000025", "region": "west-midlands", "venue": "Council House, Victoria Square, Birmingham B1 1BB",
    "sessions": _SESSIONS_EXAMPLE, "places": _PLACES_EXAMPLE,
    "registration_opens_at": "2027-01-04T09:00:00Z", "registration_closes_at": "2027-02-22T17:00:00Z",
    "cancellation_deadline": "2027-02-26T17:00:00Z"}


class SessionIn(StrictModel):
    """One session, in Europe/London local time."""

    date: Annotated[date, Field(ge=date(2000, 1, 1), le=date(2099, 12, 31))]
    start: time
    end: time

    def to_domain(self) -> Session:
        return Session(day=self.date, start=self.start.replace(second=0, microsecond=0, tzinfo=None),
                       end=self.end.replace(second=0, microsecond=0, tzinfo=None))


class Allocations(StrictModel):
    """Places per attendee group; they must add up to the capacity."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    la_social_worker: int = Field(ge=0, le=1000, alias="la-social-worker")
    cafcass: int = Field(ge=0, le=1000)
    adcs_partner: int = Field(ge=0, le=1000, alias="adcs-partner")


class PlacesIn(StrictModel):
    """Capacity, allocations, release of unfilled group places, and a cap per organisation."""

    capacity: int = Field(ge=1, le=1000)
    allocations: Allocations
    release_days_before: int | None = Field(default=None, ge=0, le=365,
                                            description="From this many days before the first session, unfilled "
                                                        "group places are open to everyone.")
    org_cap: int | None = Field(default=None, ge=1, le=1000, description="At most this many people from one "
                                                                         "organisation.")

    def to_domain(self) -> Places:
        a = self.allocations
        return Places(capacity=self.capacity, allocations={Group.LA_SOCIAL_WORKER: a.la_social_worker,
                                                           Group.CAFCASS: a.cafcass,
                                                           Group.ADCS_PARTNER: a.adcs_partner},
                      release_days_before=self.release_days_before, org_cap=self.org_cap)


class WorkshopIn(StrictModel):
    """A new workshop (created as a draft)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True,
                              json_schema_extra={"examples": [_WORKSHOP_EXAMPLE]})

    title: Text
    description: LongText
    host_org: OrgCode
    region: Region
    venue: Annotated[str, StringConstraints(min_length=1, max_length=500)] | None = None
    online_url: HttpUrl | None = None
    sessions: list[SessionIn] = Field(min_length=1, max_length=10)
    places: PlacesIn
    registration_opens_at: Instant
    registration_closes_at: Instant
    cancellation_deadline: Instant

    def to_domain(self) -> Workshop:
        return Workshop(id="", title=self.title, description=self.description, host_org=self.host_org,
                        region=self.region.value, venue=self.venue,
                        online_url=str(self.online_url) if self.online_url else None,
                        sessions=tuple(s.to_domain() for s in self.sessions), places=self.places.to_domain(),
                        registration_opens_at=self.registration_opens_at,
                        registration_closes_at=self.registration_closes_at,
                        cancellation_deadline=self.cancellation_deadline)


class WorkshopPatch(PatchModel):
    """A partial edit; changing sessions or venue sends updated invitations to everyone registered."""

    CLEARABLE: ClassVar[frozenset[str]] = frozenset({"venue", "online_url"})

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True,
                              json_schema_extra={"examples": [{"venue": "Committee Room 1, Council House"}]})

    title: Text | None = None
    description: LongText | None = None
    host_org: OrgCode | None = None
    region: Region | None = None
    venue: Annotated[str, StringConstraints(min_length=1, max_length=500)] | None = None
    online_url: HttpUrl | None = None
    sessions: list[SessionIn] | None = Field(default=None, min_length=1, max_length=10)
    places: PlacesIn | None = None
    registration_opens_at: Instant | None = None
    registration_closes_at: Instant | None = None
    cancellation_deadline: Instant | None = None

    def to_domain_value(self, name: str, value: Any) -> object:
        """Sessions and places as domain objects, the region as its code, the link as text."""
        if name == "sessions":
            return tuple(session.to_domain() for session in value)
        if name == "places":
            return value.to_domain()
        if name == "region":
            return value.value
        if name == "online_url":
            return str(value)
        return value


class StatusIn(StrictModel):
    """A lifecycle step."""

    model_config = ConfigDict(extra="forbid", frozen=True, json_schema_extra={"examples": [{"status": "published"}]})

    status: Literal["published", "closed", "completed", "cancelled"]

    def target(self) -> WorkshopStatus:
        """The status to move to."""
        return WorkshopStatus(self.status)


class SessionOut(ResponseModel):
    """A session (Europe/London) with its instants."""

    number: int
    date: date
    start: str
    end: str
    starts_at: datetime
    ends_at: datetime


class GroupPlaces(ResponseModel):
    """Places of one group."""

    allocation: int
    confirmed: int
    waiting: int


class WorkshopOut(ResponseModel):
    """A workshop, with its places."""

    model_config = ConfigDict(extra="forbid", json_schema_serialization_defaults_required=True,
                              json_schema_extra={"examples": [{
                                  "id": "730af589a9e8464bbd54e7345ca26c82",
                                  "title": "Working together in care proceedings",
                                  "description": "A joint Cafcass and local authority workshop.",
                                  "host_org": "E08000025",
                                  "region": "west-midlands", "venue": "Council House, Birmingham B1 1BB",
                                  "online_url": None, "sessions": [{
                                      "number": 1, "date": "2027-03-01", "start": "09:30", "end": "16:30",
                                      "starts_at": "2027-03-01T09:30:00Z", "ends_at": "2027-03-01T16:30:00Z"}],
                                  "status": "published", "capacity": 28, "places_left": 3,
                                  "groups": {"la-social-worker": {"allocation": 12, "confirmed": 12, "waiting": 4},
                                             "cafcass": {"allocation": 12, "confirmed": 10, "waiting": 0},
                                             "adcs-partner": {"allocation": 4, "confirmed": 3, "waiting": 0}},
                                  "release_days_before": 14, "places_released": False, "org_cap": 4,
                                  "registration_opens_at": "2027-01-04T09:00:00Z",
                                  "registration_closes_at": "2027-02-22T17:00:00Z",
                                  "cancellation_deadline": "2027-02-26T17:00:00Z", "version": 2}]})

    id: str
    title: str
    description: str
    host_org: str
    region: str
    venue: str | None
    online_url: str | None
    sessions: list[SessionOut]
    status: WorkshopStatus
    capacity: int
    places_left: int
    groups: dict[str, GroupPlaces]
    release_days_before: int | None
    places_released: bool
    org_cap: int | None
    registration_opens_at: datetime
    registration_closes_at: datetime
    cancellation_deadline: datetime
    version: int

    @classmethod
    def of(cls, w: Workshop, now: datetime) -> WorkshopOut:
        return cls(
            id=w.id, title=w.title, description=w.description, host_org=w.host_org, region=w.region, venue=w.venue,
            online_url=w.online_url,
            sessions=[SessionOut(number=i, date=s.day, start=s.start.strftime("%H:%M"), end=s.end.strftime("%H:%M"),
                                 starts_at=s.starts_at, ends_at=s.ends_at) for i, s in enumerate(w.sessions, 1)],
            status=w.status, capacity=w.places.capacity, places_left=max(0, w.places.capacity - w.confirmed_total),
            groups={g.value: GroupPlaces(allocation=w.places.allocations[g], confirmed=w.confirmed.get(g, 0),
                                         waiting=w.waiting.get(g, 0)) for g in Group},
            release_days_before=w.places.release_days_before, places_released=w.released(now),
            org_cap=w.places.org_cap, registration_opens_at=w.registration_opens_at,
            registration_closes_at=w.registration_closes_at, cancellation_deadline=w.cancellation_deadline,
            version=w.version or 1)


class WorkshopPage(ResponseModel):
    """One page of workshops, soonest first."""

    model_config = ConfigDict(extra="forbid", json_schema_serialization_defaults_required=True)

    items: list[WorkshopOut]
    next_cursor: str | None


class WorkshopPath(StrictModel):
    """Path of one workshop."""

    workshop_id: WorkshopId


class WorkshopQuery(StrictModel):
    """Filters of the workshop listing."""

    region: Region | None = None
    starts_from: Instant | None = Field(default=None, alias="from",
                                              description="Workshops starting at or after this (default: now).")
    starts_before: Instant | None = Field(default=None, alias="to", description="...and before this.")
    limit: PageLimit = 20
    cursor: Cursor | None = None

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=False)


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


class RegistrationPath(StrictModel):
    """Path of one registration."""

    workshop_id: WorkshopId
    registration_id: WorkshopId


class SubstituteIn(StrictModel):
    """The colleague who takes the place (same organisation and group)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True)

    name: Name
    email: Email
    job_title: Text
    access_needs: Needs | None = None
    dietary_needs: Needs | None = None

    def to_domain(self) -> Colleague:
        """The colleague who takes the place."""
        return Colleague(name=self.name, email=self.email, job_title=self.job_title,
                         access_needs=self.access_needs, dietary_needs=self.dietary_needs)


class TokenQuery(StrictModel):
    """A signed link's token."""

    token: LinkToken


class MyRegistrationsQuery(StrictModel):
    """Paging of one's own registrations."""

    limit: PageLimit = 20
    cursor: Cursor | None = None


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
    comment: Annotated[str, StringConstraints(max_length=2000)] | None = None


class FeedbackInfoOut(ResponseModel):
    """What a feedback link is for."""

    workshop_title: str
    already_given: bool


class FeedbackReceivedOut(ResponseModel):
    """Thanks."""

    received: bool
    message: str


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
