"""Rules of joint Cafcass and local authority workshops: schedule, lifecycle, places and the waiting list.

Pure: no storage, no clock of its own (``now`` is always passed in). The store
enforces these rules atomically with conditional writes; the functions here
decide what to attempt and describe the conditions.

Places. A workshop has an overall capacity split into allocations per
attendee group (the allocations add up to the capacity, e.g. 12 + 12 + 4 of
28). Optionally, unfilled group places are released to everyone from a set
number of days before the first session. Optionally, at most ``org_cap``
people from one organisation hold places.

Fairness. Nobody takes a place while someone eligible for it is waiting: a
newcomer may only be confirmed directly when nobody waits in their group (or,
once places are released, nobody waits at all); otherwise they join the
waiting list and places are filled from it first come, first served, skipping
people whose organisation is at its cap.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from enum import Enum
from itertools import pairwise

from chalicelib.core.errors import Conflict, InvalidInput
from chalicelib.core.ids import is_local_authority_code
from chalicelib.core.time import LONDON

MAX_SESSIONS = 10


class WorkshopStatus(str, Enum):
    """``draft -> published -> closed -> completed``, or ``cancelled`` from any but completed."""

    DRAFT = "draft"
    PUBLISHED = "published"
    CLOSED = "closed"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


VISIBLE_TO_ALL = frozenset({WorkshopStatus.PUBLISHED, WorkshopStatus.CLOSED, WorkshopStatus.COMPLETED})
EDITABLE = frozenset({WorkshopStatus.DRAFT, WorkshopStatus.PUBLISHED, WorkshopStatus.CLOSED})


class Group(str, Enum):
    """Attendee groups, each with its own allocation of places."""

    LA_SOCIAL_WORKER = "la-social-worker"
    CAFCASS = "cafcass"
    ADCS_PARTNER = "adcs-partner"


class RegistrationStatus(str, Enum):
    """Where a registration stands."""

    CONFIRMED = "confirmed"
    WAITING = "waiting"
    CANCELLED = "cancelled"  # by the person, an admin, a decline of a promotion, or a substitution
    LEFT_WAITING_LIST = "left_waiting_list"
    WORKSHOP_STARTED = "workshop_started"  # still waiting when the workshop began: no place came free
    WORKSHOP_CANCELLED = "workshop_cancelled"


ACTIVE = frozenset({RegistrationStatus.CONFIRMED, RegistrationStatus.WAITING})


class EndReason(str, Enum):
    """Why a registration ended."""

    CANCELLED = "cancelled"  # by the person or an admin
    DECLINED = "declined"  # a promoted person gave the place back through the link
    SUBSTITUTED = "substituted"  # handed to a colleague
    LEFT_WAITING_LIST = "left_waiting_list"
    WORKSHOP_STARTED = "workshop_started"  # still waiting when the workshop began: no place came free
    WORKSHOP_CANCELLED = "workshop_cancelled"


@dataclass(frozen=True)
class Session:
    """One session, in Europe/London wall-clock time."""

    day: date
    start: time
    end: time

    @property
    def starts_at(self) -> datetime:
        """The start as an aware datetime (DST-correct)."""
        return datetime.combine(self.day, self.start, tzinfo=LONDON)

    @property
    def ends_at(self) -> datetime:
        """The end as an aware datetime."""
        return datetime.combine(self.day, self.end, tzinfo=LONDON)


@dataclass(frozen=True)
class Places:
    """Capacity, allocations per group, release of unfilled group places, and the organisation cap.

    The cap is for local authorities ("at most 4 people from one LA"): Cafcass and ADCS are single
    national organisations whose people fill whole group allocations.
    """

    capacity: int
    allocations: Mapping[Group, int]
    release_days_before: int | None = None
    org_cap: int | None = None

    def cap_for(self, organisation: str) -> int | None:
        """The cap that applies to ``organisation``, if any."""
        return self.org_cap if self.org_cap is not None and is_local_authority_code(organisation) else None


@dataclass(frozen=True)
class Workshop:
    """A scheduled workshop (the counters are maintained by the store)."""

    id: str
    title: str
    description: str
    host_org: str
    region: str
    venue: str | None
    online_url: str | None
    sessions: tuple[Session, ...]
    places: Places
    registration_opens_at: datetime
    registration_closes_at: datetime
    cancellation_deadline: datetime
    status: WorkshopStatus = WorkshopStatus.DRAFT
    sequence: int = 0  # calendar SEQUENCE: raised whenever time, sessions or venue change
    confirmed: Mapping[Group, int] = field(default_factory=dict)
    waiting: Mapping[Group, int] = field(default_factory=dict)
    version: int | None = None

    @property
    def starts_at(self) -> datetime:
        """Start of the first session."""
        return self.sessions[0].starts_at

    @property
    def ends_at(self) -> datetime:
        """End of the last session."""
        return self.sessions[-1].ends_at

    @property
    def confirmed_total(self) -> int:
        """Places taken."""
        return sum(self.confirmed.values())

    @property
    def waiting_total(self) -> int:
        """People waiting."""
        return sum(self.waiting.values())

    def released(self, now: datetime) -> bool:
        """True once unfilled group places are open to everyone."""
        days = self.places.release_days_before
        return days is not None and now >= self.starts_at - timedelta(days=days)

    def location(self) -> str:
        """Where it happens: the venue, or the joining link."""
        return self.venue or self.online_url or ""


def check_schedule(sessions: Sequence[Session], places: Places, opens: datetime, closes: datetime,
                   cancel_deadline: datetime, venue: str | None, online_url: str | None) -> tuple[Session, ...]:
    """Validate a schedule; return the sessions in time order. Raises ``InvalidInput`` naming the field."""
    if not sessions:
        raise InvalidInput("A workshop needs at least one session.", code="no_sessions", field="sessions")
    if len(sessions) > MAX_SESSIONS:
        raise InvalidInput(f"A workshop has at most {MAX_SESSIONS} sessions.", code="too_many_sessions",
                           field="sessions")
    # Compare instants in UTC: aware datetimes sharing a tzinfo compare by wall clock, which is wrong
    # across a clock change. Errors name sessions by the position the admin gave them.
    def utc(moment: datetime) -> datetime:
        return moment.astimezone(timezone.utc)

    for i, session in enumerate(sessions):
        if utc(session.ends_at) <= utc(session.starts_at):
            raise InvalidInput("A session must end after it starts.", code="session_ends_before_start",
                               field=f"sessions.{i}.end")
    order = sorted(range(len(sessions)), key=lambda i: utc(sessions[i].starts_at))
    for previous, current in pairwise(order):
        if utc(sessions[current].starts_at) < utc(sessions[previous].ends_at):
            raise InvalidInput("Sessions must not overlap.", code="sessions_overlap", field=f"sessions.{current}.start")
    ordered = tuple(sessions[i] for i in order)
    if not venue and not online_url:
        raise InvalidInput("Give a venue address or an online joining link.", code="no_location", field="venue")
    if set(places.allocations) != set(Group):
        raise InvalidInput("Give an allocation for every group (0 for none).", code="invalid_allocations",
                           field="places.allocations")
    if any(n < 0 for n in places.allocations.values()) or sum(places.allocations.values()) != places.capacity:
        raise InvalidInput("The group allocations must add up to the capacity.", code="allocations_do_not_add_up",
                           field="places.allocations")
    if places.capacity < 1:
        raise InvalidInput("A workshop needs at least one place.", code="invalid_capacity", field="places.capacity")
    if places.org_cap is not None and places.org_cap < 1:
        raise InvalidInput("The organisation cap must be at least 1.", code="invalid_org_cap", field="places.org_cap")
    first_start = ordered[0].starts_at
    if not opens < closes:
        raise InvalidInput("Registration must open before it closes.", code="invalid_registration_window",
                           field="registration_closes_at")
    if closes > first_start:
        raise InvalidInput("Registration must close by the start of the first session.",
                           code="invalid_registration_window", field="registration_closes_at")
    if cancel_deadline > first_start:
        raise InvalidInput("The self-cancellation deadline must be by the start of the first session.",
                           code="invalid_cancellation_deadline", field="cancellation_deadline")
    return ordered


_TRANSITIONS: dict[WorkshopStatus, frozenset[WorkshopStatus]] = {
    WorkshopStatus.DRAFT: frozenset({WorkshopStatus.PUBLISHED, WorkshopStatus.CANCELLED}),
    WorkshopStatus.PUBLISHED: frozenset({WorkshopStatus.CLOSED, WorkshopStatus.COMPLETED, WorkshopStatus.CANCELLED}),
    WorkshopStatus.CLOSED: frozenset({WorkshopStatus.PUBLISHED, WorkshopStatus.COMPLETED, WorkshopStatus.CANCELLED}),
    WorkshopStatus.COMPLETED: frozenset(),
    WorkshopStatus.CANCELLED: frozenset(),
}


def check_transition(current: WorkshopStatus, target: WorkshopStatus) -> None:
    """Raise ``Conflict`` unless the lifecycle allows ``current -> target``."""
    if target not in _TRANSITIONS[current]:
        raise Conflict(f"A {current.value} workshop cannot become {target.value}.", code="invalid_transition",
                       field="status")


def schedule_changed(before: Workshop, after: Workshop) -> bool:
    """True when registrants must get an updated invitation (time, sessions or place changed)."""
    return (before.sessions, before.venue, before.online_url) != (after.sessions, after.venue, after.online_url)


def check_registration_open(workshop: Workshop, now: datetime) -> None:
    """Raise ``Conflict`` unless people may register for ``workshop`` at ``now``."""
    if workshop.status is not WorkshopStatus.PUBLISHED:
        raise Conflict("Registration is not open for this workshop.", code="registration_closed")
    if now < workshop.registration_opens_at:
        raise Conflict("Registration has not opened yet.", code="registration_not_open")
    if now >= workshop.registration_closes_at:
        raise Conflict("Registration has closed.", code="registration_closed")


class Placement(str, Enum):
    """What registering now would give."""

    CONFIRM = "confirm"
    WAIT = "wait"


class WaitReason(str, Enum):
    """Why a newcomer waits; the store conditions the join on the same rule still holding."""

    FULL = "full"  # every place is taken
    GROUP_FULL = "group_full"  # the group's allocation is taken (before places are released)
    ORG_CAP = "org_cap"  # the organisation holds its cap of places
    OTHERS_WAITING = "others_waiting"  # people eligible for the free place are waiting already


@dataclass(frozen=True)
class PlacementDecision:
    """The decision and, for a wait, which rule made it (the store conditions on that rule)."""

    placement: Placement
    reason: WaitReason | None = None


def decide(workshop: Workshop, group: Group, organisation: str, org_confirmed: int,
           now: datetime) -> PlacementDecision:
    """Whether a newcomer of ``group`` from ``organisation`` (which holds ``org_confirmed`` places) is
    confirmed now."""
    released = workshop.released(now)
    if workshop.confirmed_total >= workshop.places.capacity:
        return PlacementDecision(Placement.WAIT, WaitReason.FULL)
    if not released and workshop.confirmed.get(group, 0) >= workshop.places.allocations[group]:
        return PlacementDecision(Placement.WAIT, WaitReason.GROUP_FULL)
    cap = workshop.places.cap_for(organisation)
    if cap is not None and org_confirmed >= cap:
        return PlacementDecision(Placement.WAIT, WaitReason.ORG_CAP)
    waiting = workshop.waiting_total if released else workshop.waiting.get(group, 0)
    if waiting:
        return PlacementDecision(Placement.WAIT, WaitReason.OTHERS_WAITING)
    return PlacementDecision(Placement.CONFIRM)


@dataclass(frozen=True)
class WaitingEntry:
    """Someone on the waiting list, in arrival order."""

    registration_id: str
    group: Group
    organisation: str
    joined_key: str  # orders the list (arrival time and id)


def has_place_for(workshop: Workshop, group: Group, now: datetime) -> bool:
    """Is there a free place a person of ``group`` may take (ignoring the organisation cap)?"""
    if workshop.confirmed_total >= workshop.places.capacity:
        return False
    return workshop.released(now) or workshop.confirmed.get(group, 0) < workshop.places.allocations[group]


def next_to_promote(workshop: Workshop, waiting: Sequence[WaitingEntry], org_confirmed: Mapping[str, int],
                    now: datetime) -> WaitingEntry | None:
    """The first person on the waiting list who may take a free place now, if any."""
    for entry in sorted(waiting, key=lambda e: e.joined_key):
        if not has_place_for(workshop, entry.group, now):
            continue
        cap = workshop.places.cap_for(entry.organisation)
        if cap is not None and org_confirmed.get(entry.organisation, 0) >= cap:
            continue
        return entry
    return None


def position(waiting: Sequence[WaitingEntry], registration_id: str) -> int | None:
    """1-based place in the waiting list of one's own group, or ``None`` if not waiting."""
    mine = next((e for e in waiting if e.registration_id == registration_id), None)
    if mine is None:
        return None
    return 1 + sum(1 for e in waiting if e.group is mine.group and e.joined_key < mine.joined_key)


REMINDERS: tuple[tuple[str, timedelta], ...] = (("7d", timedelta(days=7)), ("1d", timedelta(days=1)))


def reminders_due(workshop: Workshop, now: datetime) -> list[str]:
    """Which reminders should have gone out by ``now`` (each is sent once per registrant)."""
    if workshop.status not in (WorkshopStatus.PUBLISHED, WorkshopStatus.CLOSED) or now >= workshop.starts_at:
        return []
    return [name for name, before in REMINDERS if now >= workshop.starts_at - before]


# What starts a formula (OWASP CSV injection guidance), with the full-width forms some spreadsheets and input
# methods take as their ASCII ones.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")


def csv_safe(value: object) -> str:
    """A cell value that spreadsheets will not run as a formula: a leading apostrophe before a formula at the start
    and after every ``;`` (Excel's list separator in many locales splits a cell there)."""
    text = "" if value is None else str(value)
    return ";".join("'" + part if part.startswith(_FORMULA_START) else part for part in text.split(";"))
