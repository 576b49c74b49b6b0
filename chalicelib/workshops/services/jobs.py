"""The workshops' scheduled job (hourly in AWS; every minute under ``make run``).

Each step is idempotent and safe to run twice or in overlapping invocations:
every email goes out in the same transaction as a per-registration marker
whose condition fails the second time (reminder names, the schedule version
told, the feedback request time).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta, timezone

from pynamodb.exceptions import TransactWriteError, UpdateError
from pynamodb.transactions import TransactWrite

from chalicelib.core.dynamo.model import connection
from chalicelib.core.errors import Conflict
from chalicelib.core.observability import count, logger
from chalicelib.mail.store import outbox
from chalicelib.workshops import mail as mail
from chalicelib.workshops.domain.rules import (
    REMINDERS,
    RegistrationStatus,
    Workshop,
    WorkshopStatus,
    reminders_due,
)
from chalicelib.workshops.services.registrations import fill_freed_places
from chalicelib.workshops.services.scheduling import (
    send_cancellation_notices,
    send_change_notices,
)
from chalicelib.workshops.store import registrations as regs
from chalicelib.workshops.store import workshops as store
from chalicelib.workshops.store.registrations import RegistrationRecord

LOOKBACK = timedelta(days=45)  # workshops that started this long ago still get completion and feedback
SYSTEM = "scheduler"
WHEN = {"7d": "in a week", "1d": "tomorrow"}


def run(now: datetime | None = None) -> dict[str, int]:
    """One pass over the recent and upcoming workshops. Returns counts of what it did."""
    now = now or datetime.now(timezone.utc)
    done = {"completed": 0, "change_notices": 0, "cancellation_notices": 0, "promoted": 0, "reminders": 0,
            "feedback_requests": 0}
    for workshop in store.all_since(now - LOOKBACK):
        try:
            if workshop.status in (WorkshopStatus.PUBLISHED, WorkshopStatus.CLOSED):
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
    logger.info("workshop jobs", extra=done)
    return done


def send_reminders(workshop: Workshop, now: datetime) -> int:
    """The reminders that are due, once per confirmed person. Someone who registered after a reminder's time
    is not sent it (they have just had their confirmation); when two are due only the later one is sent."""
    due = reminders_due(workshop, now)
    if not due:
        return 0
    points = {name: workshop.starts_at - before for name, before in REMINDERS}
    sent = 0
    for record in regs.for_workshop(workshop.id):
        if record.status != RegistrationStatus.CONFIRMED.value:
            continue
        already = set(record.reminders or ())
        pending = [name for name in due if name not in already]
        if not pending:
            continue
        latest = pending[-1]
        send = record.confirmed_at is not None and record.confirmed_at < points[latest]
        try:
            with TransactWrite(connection=connection()) as t:
                t.update(RegistrationRecord(workshop_id=workshop.id, sk=record.sk),
                         actions=[RegistrationRecord.reminders.add(set(pending))],
                         condition=(RegistrationRecord.status == RegistrationStatus.CONFIRMED.value)
                         & (RegistrationRecord.reminders.does_not_exist()
                            | ~RegistrationRecord.reminders.contains(latest)))
                if send:
                    outbox.add_to(t, mail.reminder(workshop, record.email, record.name, WHEN[latest]), now)
        except TransactWriteError:
            continue  # another run got there first
        sent += int(send)
    count("WorkshopReminder", sent)
    return sent


def send_feedback_requests(workshop: Workshop, now: datetime) -> int:
    """Ask everyone who attended at least one session for feedback, once."""
    sent = 0
    for record in regs.for_workshop(workshop.id):
        if record.feedback_requested_at is not None or "present" not in regs.attendance_of(record).values():
            continue
        try:
            with TransactWrite(connection=connection()) as t:
                t.update(RegistrationRecord(workshop_id=workshop.id, sk=record.sk),
                         actions=[RegistrationRecord.feedback_requested_at.set(now)],
                         condition=RegistrationRecord.feedback_requested_at.does_not_exist())
                outbox.add_to(t, mail.feedback_request(workshop, record.email, record.name,
                                                       record.registration_id), now)
        except (TransactWriteError, UpdateError):
            continue
        sent += 1
    count("WorkshopFeedbackRequest", sent)
    return sent
