"""Filling freed places from the waiting list, first come first served, one transaction per person."""

from __future__ import annotations

from datetime import datetime

from chalicelib.core.observability import count, logger
from chalicelib.core.time import utcnow
from chalicelib.mail.services.queue import queued
from chalicelib.workshops import mail
from chalicelib.workshops.domain.rules import WorkshopStatus, next_to_promote
from chalicelib.workshops.services.contention import keep_trying
from chalicelib.workshops.store import placement
from chalicelib.workshops.store import registrations as regs
from chalicelib.workshops.store import workshops as store

ONGOING = (WorkshopStatus.PUBLISHED, WorkshopStatus.CLOSED)


def fill_freed_places(workshop_id: str, now: datetime | None = None, limit: int = 100) -> int:
    """Give free places to the first eligible people waiting, one transaction each. Returns how many."""
    now = now or utcnow()
    promoted = 0
    for _ in range(limit):
        def attempt(n: int) -> bool:
            workshop = store.get(workshop_id, consistent=True)
            if workshop.status not in ONGOING or now >= workshop.starts_at:
                return False
            entry = next_to_promote(workshop, regs.waiting_list(workshop_id), regs.org_counts(workshop_id), now)
            if entry is None:
                return False
            person = regs.get(workshop_id, entry.registration_id)
            placement.promote(workshop, entry, queued([mail.promoted(workshop, person.email, person.name,
                                                                     entry.registration_id, now)], now), now)
            count("RegistrationPromoted")
            logger.info("promoted from waiting list", extra={"workshop_id": workshop_id,
                                                              "registration_id": entry.registration_id})
            return True

        if not keep_trying(attempt):
            break
        promoted += 1
    return promoted
