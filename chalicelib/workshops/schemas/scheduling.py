"""Request and response models of workshop scheduling: a workshop, its sessions and places, edits, listings."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Annotated, Any, ClassVar, Literal

from pydantic import ConfigDict, Field, HttpUrl
from pydantic.config import JsonDict, JsonValue

from chalicelib.core.http.schemas import Cursor, Instant, OrgCode, PageLimit, PatchModel, ResponseModel, StrictModel
from chalicelib.directory.service import Region
from chalicelib.workshops.domain.rules import Group, Places, Session, Workshop, WorkshopStatus
from chalicelib.workshops.schemas.common import LongText, Text, Venue

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
    venue: Venue | None = None
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
    venue: Venue | None = None
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


class WorkshopQuery(StrictModel):
    """Filters of the workshop listing."""

    region: Region | None = None
    starts_from: Instant | None = Field(default=None, alias="from",
                                              description="Workshops starting at or after this (default: now).")
    starts_before: Instant | None = Field(default=None, alias="to", description="...and before this.")
    limit: PageLimit = 20
    cursor: Cursor | None = None

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=False)
