"""Reports for admins: per workshop, and per region over a date range.

Figures: places offered and filled, people who attended at least one session, the waiting-list peak
(the most people waiting at any one time, from each registration's waiting interval), feedback
response rate, average rating, and the share of respondents who say the workshop changed their
practice (the figure Cafcass reports nationally).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from chalicelib.core.auth.caller import Caller, Role
from chalicelib.core.time import utcnow
from chalicelib.workshops.domain.registrations import Registration
from chalicelib.workshops.domain.rules import (
    RegistrationStatus,
    Workshop,
    WorkshopStatus,
)
from chalicelib.workshops.store import registrations as regs
from chalicelib.workshops.store import workshops as store


@dataclass
class Figures:
    """The report's numbers (additive, so regions sum workshops)."""

    workshops: int = 0
    places_offered: int = 0
    places_filled: int = 0
    attended: int = 0
    waiting_list_peak: int = 0
    feedback_requests: int = 0
    feedback_responses: int = 0
    rating_total: int = 0
    changed_practice: dict[str, int] = field(default_factory=lambda: {"yes": 0, "no": 0, "not_yet": 0})

    @property
    def response_rate(self) -> float | None:
        """Responses per attendee."""
        return round(self.feedback_responses / self.attended, 3) if self.attended else None

    @property
    def average_rating(self) -> float | None:
        """Mean rating, 1 to 5."""
        return round(self.rating_total / self.feedback_responses, 2) if self.feedback_responses else None

    @property
    def changed_practice_share(self) -> float | None:
        """Share of respondents answering "yes"."""
        return round(self.changed_practice["yes"] / self.feedback_responses, 3) if self.feedback_responses else None

    def add(self, other: Figures) -> None:
        """Sum another report's figures into this one (the peak is the highest of the workshops')."""
        for name in ("workshops", "places_offered", "places_filled", "attended", "feedback_requests",
                     "feedback_responses", "rating_total"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.waiting_list_peak = max(self.waiting_list_peak, other.waiting_list_peak)
        for answer, n in other.changed_practice.items():
            self.changed_practice[answer] += n


def _waiting_peak(records: list[Registration], now: datetime) -> int:
    events: list[tuple[datetime, int]] = []
    for r in records:
        if r.waiting_since is None:
            continue
        end = r.waiting_until or r.ended_at or now
        events += [(r.waiting_since, 1), (end, -1)]
    peak = current = 0
    for _, step in sorted(events, key=lambda e: (e[0], e[1])):  # leaving before joining at the same instant
        current += step
        peak = max(peak, current)
    return peak


def figures_for(workshop: Workshop, now: datetime) -> Figures:
    """The figures of one workshop (one consistent Query of its registrations)."""
    records = regs.for_workshop(workshop.id)
    confirmed = [r for r in records if r.status is RegistrationStatus.CONFIRMED]
    responses = [r for r in confirmed if r.feedback_at is not None]
    figures = Figures(
        workshops=1, places_offered=workshop.places.capacity, places_filled=len(confirmed),
        attended=sum(1 for r in confirmed if r.attended),
        waiting_list_peak=_waiting_peak(records, now),
        feedback_requests=sum(1 for r in confirmed if r.feedback_requested_at is not None),
        feedback_responses=len(responses), rating_total=sum(r.feedback_rating or 0 for r in responses))
    for r in responses:
        if r.feedback_changed_practice in figures.changed_practice:
            figures.changed_practice[r.feedback_changed_practice] += 1
    return figures


@dataclass(frozen=True)
class FeedbackEntry:
    """One response, without who gave it (admins read what attendees wrote, not who wrote it)."""

    rating: int
    changed_practice: str | None
    comment: str | None
    given_at: datetime


def feedback(caller: Caller, workshop_id: str) -> list[FeedbackEntry]:
    """Every feedback response of a workshop, oldest first (admins). Comments are free text: never logged."""
    caller.require_any(Role.CAFCASS_ADMIN)
    store.get(workshop_id)  # 404 for an unknown workshop
    given = [r for r in regs.for_workshop(workshop_id) if r.feedback_at is not None]
    return [FeedbackEntry(rating=r.feedback_rating or 0, changed_practice=r.feedback_changed_practice,
                          comment=r.feedback_comment, given_at=r.feedback_at)
            for r in sorted(given, key=lambda r: r.feedback_at or r.created_at) if r.feedback_at is not None]


def workshop_report(caller: Caller, workshop_id: str, now: datetime | None = None) -> tuple[Workshop, Figures]:
    """One workshop's report (admins)."""
    caller.require_any(Role.CAFCASS_ADMIN)
    workshop = store.get(workshop_id)
    return workshop, figures_for(workshop, now or utcnow())


def region_report(caller: Caller, region: str | None, starts_from: datetime, starts_before: datetime,
                  now: datetime | None = None) -> tuple[Figures, list[tuple[Workshop, Figures]]]:
    """Totals and per-workshop figures for workshops starting in the range, in one region or all (admins)."""
    caller.require_any(Role.CAFCASS_ADMIN)
    now = now or utcnow()
    rows: list[tuple[Workshop, Figures]] = []
    cursor = None
    while True:
        page = store.list_page(admin=True, region=region, starts_from=starts_from, starts_before=starts_before,
                               limit=100, start=cursor)
        rows += [(w, figures_for(w, now)) for w in page.items if w.status is not WorkshopStatus.CANCELLED]
        cursor = page.next_cursor
        if not cursor:
            break
    total = Figures()
    for _, figures in rows:
        total.add(figures)
    return total, rows
