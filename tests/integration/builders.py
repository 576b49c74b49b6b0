"""Building published workshops for tests (imports ``chalicelib`` only when called: the concurrency
scenarios import this before their environment is set)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from chalicelib.core.auth.caller import Caller
    from chalicelib.workshops.domain.rules import Workshop

NOW = datetime(2027, 1, 10, 9, 0, tzinfo=timezone.utc)
START = date(2027, 3, 1)


def published_workshop(admin: Caller, allocations: tuple[int, int, int] = (2, 1, 1), *, title: str = "Working together",
                       days: tuple[int, ...] = (0,), org_cap: int | None = None, release_days: int | None = None,
                       start: date = START, now: datetime = NOW) -> Workshop:
    """A published workshop hosted by Westminster: places per group (LA, Cafcass, ADCS), one session a
    day at the given offsets from ``start`` (the last one a half day when there are several), registration
    open from 1 January to 20 February 2027, cancellation until 25 February."""
    from chalicelib.workshops.domain.rules import Group, Places, Session, Workshop, WorkshopStatus
    from chalicelib.workshops.services import scheduling

    la, cafcass, adcs = allocations
    sessions = tuple(Session(start + timedelta(days=d), time(9, 30),
                             time(13, 0) if len(days) > 1 and i == len(days) - 1 else time(16, 30))
                     for i, d in enumerate(days))
    draft = Workshop(
        id="", title=title, description="Joint workshop", host_org="E09000033", region="london",
        venue="Civic Centre, Room 2", online_url=None, sessions=sessions,
        places=Places(capacity=la + cafcass + adcs, allocations={Group.LA_SOCIAL_WORKER: la, Group.CAFCASS: cafcass,
                                                                 Group.ADCS_PARTNER: adcs},
                      release_days_before=release_days, org_cap=org_cap),
        registration_opens_at=datetime(2027, 1, 1, tzinfo=timezone.utc),
        registration_closes_at=datetime(2027, 2, 20, tzinfo=timezone.utc),
        cancellation_deadline=datetime(2027, 2, 25, tzinfo=timezone.utc))
    created = scheduling.create_workshop(admin, draft, now=now)
    return scheduling.set_status(admin, created.id, WorkshopStatus.PUBLISHED, now=now)
