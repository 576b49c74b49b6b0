"""The workshops' scheduled job (hourly in AWS; every minute under ``make run``).

Each step is idempotent and safe to run twice or in overlapping invocations:
every email goes out in the same transaction as a per-registration marker
whose condition fails the second time (reminder names, the schedule version
told, the feedback request time).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime, timedelta

from chalicelib.core.dynamo.marks import mark_once_and_send
from chalicelib.core.dynamo.transactions import Update, Write
from chalicelib.core.errors import Conflict
from chalicelib.core.observability import count, logger
from chalicelib.core.settings import get_settings
from chalicelib.core.time import utcnow
from chalicelib.mail.services.queue import queued
from chalicelib.workshops import mail
from chalicelib.workshops.domain.rules import (
    REMINDERS,
    EndReason,
    RegistrationStatus,
    Workshop,
    WorkshopStatus,
    reminders_due,
)
from chalicelib.workshops.services.promote import fill_freed_places
from chalicelib.workshops.services.scheduling import (
    send_cancellation_notices,
    send_change_notices,
)
from chalicelib.workshops.store import placement
from chalicelib.workshops.store import registrations as regs
from chalicelib.workshops.store import workshops as store

LOOKBACK = timedelta(days=45)  # workshops that started this long ago still get completion and feedback
RETENTION_WINDOW = timedelta(days=60)
SYSTEM = "scheduler"
WHEN = {"7d": "in a week", "1d": "tomorrow"}


def run(now: datetime | None = None) -> dict[str, int]:
    """One pass over the recent and upcoming workshops. Returns counts of what it did."""
    now = now or utcnow()
    done = {"completed": 0, "change_notices": 0, "cancellation_notices": 0, "promoted": 0, "reminders": 0,
            "feedback_requests": 0, "not_placed": 0, "needs_removed": 0, "anonymised": 0}
    for workshop in store.all_since(now - LOOKBACK):
        try:
            if workshop.status in (WorkshopStatus.PUBLISHED, WorkshopStatus.CLOSED):
                if now >= workshop.starts_at and workshop.waiting_total:
                    done["not_placed"] += close_waiting_list(workshop, now)
                if now >= workshop.ends_at:
                    workshop = store.update_definition(replace(workshop, status=WorkshopStatus.COMPLETED),
                                                       workshop.version or 1, SYSTEM, now)
                    done["completed"] += 1
                else:
                    if workshop.sequence:
                        done["change_notices"] += send_change_notices(workshop, now)
                    if workshop.waiting_total:
                        done["promoted"] += fill_freed_places(workshop.id, now)
                    done["reminders"] += send_reminders(workshop, now)
            if workshop.status is WorkshopStatus.CANCELLED:
                done["cancellation_notices"] += send_cancellation_notices(workshop, now)
            if workshop.status is WorkshopStatus.COMPLETED:
                done["feedback_requests"] += send_feedback_requests(workshop, now)
        except Conflict:
            continue  # an admin edited it meanwhile: the next run picks it up
    done["needs_removed"] = remove_needs(now)
    done["anonymised"] = anonymise_past_retention(now)
    logger.info("workshop jobs", extra=done)
    return done


def _ended_before(since: timedelta, now: datetime) -> list[Workshop]:
    """Workshops that ended more than ``since`` ago and entered that state within the last ``RETENTION_WINDOW``
    (an hourly job sees each of them many times; every step is idempotent)."""
    return [w for w in store.started_between(now - since - RETENTION_WINDOW, now - since) if now >= w.ends_at + since]


def remove_needs(now: datetime) -> int:
    """Access and dietary needs (special category data) go ``NEEDS_RETENTION_DAYS`` after a workshop ends."""
    since = timedelta(days=get_settings().needs_retention_days)
    removed = 0
    for workshop in _ended_before(since, now):
        removed += mark_once_and_send(
            (regs.needs_removed(r, now), []) for r in regs.for_workshop(workshop.id)
            if (r.registrant.access_needs or r.registrant.dietary_needs) and r.erased_at is None)
    count("RegistrationNeedsRemoved", removed)
    return removed


def anonymise_past_retention(now: datetime) -> int:
    """Registrations and their feedback are anonymised ``REGISTRATION_RETENTION_DAYS`` after the workshop ends;
    the workshop's figures keep what they count (status, group, organisation, attendance, rating)."""
    since = timedelta(days=get_settings().registration_retention_days)
    anonymised = 0
    for workshop in _ended_before(since, now):
        anonymised += sum(regs.anonymise(r, now, ended_only=False) for r in regs.for_workshop(workshop.id)
                          if r.erased_at is None)
    count("RegistrationAnonymised", anonymised)
    return anonymised


def close_waiting_list(workshop: Workshop, now: datetime) -> int:
    """Once the workshop has started, everyone still waiting leaves the list and is told, once each."""
    sent = mark_once_and_send(
        (placement.LeaveWaitingList(r, now, EndReason.WORKSHOP_STARTED),
         queued([mail.not_placed(workshop, r.email, r.name)], now))
        for r in regs.for_workshop(workshop.id) if r.status is RegistrationStatus.WAITING)
    count("WorkshopNotPlaced", sent)
    return sent


def send_reminders(workshop: Workshop, now: datetime) -> int:
    """The reminders that are due, once per confirmed person. Someone who registered after a reminder's time
    is not sent it (they have just had their confirmation); when two are due only the later one is sent."""
    due = reminders_due(workshop, now)
    if not due:
        return 0
    points = {name: workshop.starts_at - before for name, before in REMINDERS}

    def marks() -> Iterator[tuple[Update, list[Write]]]:
        for reg in regs.for_workshop(workshop.id):
            pending = [name for name in due if name not in reg.reminders]
            if reg.status is not RegistrationStatus.CONFIRMED or not pending:
                continue
            latest = pending[-1]
            send = reg.confirmed_at is not None and reg.confirmed_at < points[latest]
            emails = queued([mail.reminder(workshop, reg.email, reg.name, WHEN[latest])], now) if send else []
            yield regs.reminded(reg, set(pending), latest), emails

    sent = mark_once_and_send(marks())
    count("WorkshopReminder", sent)
    return sent


def send_feedback_requests(workshop: Workshop, now: datetime) -> int:
    """Ask everyone who attended at least one session for feedback, once."""
    sent = mark_once_and_send(
        (regs.feedback_requested(r, now), queued([mail.feedback_request(workshop, r.email, r.name, r.id)], now))
        for r in regs.for_workshop(workshop.id) if r.feedback_requested_at is None and r.attended)
    count("WorkshopFeedbackRequest", sent)
    return sent
