"""Scheduling use cases (Cafcass admins) and what everyone may see of workshops.

Notices to registrants (a changed schedule, a cancelled workshop) fan out one
registration at a time: each registration's change and its email are one
small transaction guarded by a per-registration marker, so a notice goes out
exactly once per person however many registrants there are (a single
transaction holds at most 100 items), and the scheduled job finishes any
fan-out that was interrupted.
"""

from __future__ import annotations

import contextlib
from dataclasses import replace
from datetime import datetime
from typing import Any

from chalicelib.core.auth.caller import Caller, Role
from chalicelib.core.dynamo.marks import mark_once_and_send
from chalicelib.core.errors import Conflict, InvalidInput
from chalicelib.core.ids import derived_id, new_id
from chalicelib.core.observability import count, logger
from chalicelib.core.pages import Page
from chalicelib.core.time import utcnow
from chalicelib.directory import service as directory
from chalicelib.mail.services.queue import queued
from chalicelib.workshops import mail
from chalicelib.workshops.domain.errors import ChangedMeanwhile, WorkshopNotFound
from chalicelib.workshops.domain.registrations import Registration
from chalicelib.workshops.domain.rules import (
    VISIBLE_TO_ALL,
    Group,
    RegistrationStatus,
    Workshop,
    WorkshopStatus,
    check_schedule,
    check_transition,
    schedule_changed,
)
from chalicelib.workshops.services.promote import fill_freed_places
from chalicelib.workshops.store import registrations as regs
from chalicelib.workshops.store import workshops as store


def _validated(w: Workshop) -> Workshop:
    sessions = check_schedule(w.sessions, w.places, w.registration_opens_at, w.registration_closes_at,
                              w.cancellation_deadline, w.venue, w.online_url)
    return replace(w, sessions=sessions)


def create_workshop(caller: Caller, draft: Workshop, now: datetime | None = None,
                    idempotency_key: str | None = None) -> Workshop:
    """Schedule a new workshop, as a draft nobody else sees until it is published. A request resent with the
    same ``Idempotency-Key`` answers with the workshop the first one created, instead of a second one."""
    caller.require_any(Role.CAFCASS_ADMIN)
    now = now or utcnow()
    workshop_id = new_id() if idempotency_key is None else \
        derived_id(caller.id, "workshop", idempotency_key)
    if idempotency_key is not None:
        with contextlib.suppress(WorkshopNotFound):
            return store.get(workshop_id, consistent=True)
    directory.get_organisation(caller, draft.host_org)  # the host must be in the directory (NotFound otherwise)
    workshop = _validated(replace(draft, id=workshop_id, status=WorkshopStatus.DRAFT, sequence=0))
    try:
        created = store.create(workshop, caller.id, now)
    except ChangedMeanwhile:
        if idempotency_key is None:
            raise
        return store.get(workshop_id, consistent=True)  # the same request, resent at the same moment
    count("WorkshopCreated")
    return created


def get_workshop(caller: Caller, workshop_id: str) -> Workshop:
    """A workshop; drafts and cancelled ones only for admins."""
    workshop = store.get(workshop_id)
    if workshop.status not in VISIBLE_TO_ALL and not caller.is_cafcass_admin:
        raise WorkshopNotFound()
    return workshop


def list_workshops(caller: Caller, region: str | None, starts_from: datetime | None, starts_before: datetime | None,
                   limit: int, cursor: str | None, now: datetime | None = None) -> Page[Workshop]:
    """Workshops by date (upcoming by default), optionally in one region. Admins also see drafts and
    cancelled workshops."""
    now = now or utcnow()
    return store.list_page(admin=caller.is_cafcass_admin, region=region, starts_from=starts_from or now,
                           starts_before=starts_before, limit=limit, start=cursor)


def update_workshop(caller: Caller, workshop_id: str, changes: dict[str, Any], now: datetime | None = None) -> Workshop:
    """Edit a workshop. A new time, session or venue raises the calendar SEQUENCE and every confirmed and
    waiting registrant is told (with an updated invitation for people with a place)."""
    caller.require_any(Role.CAFCASS_ADMIN)
    now = now or utcnow()
    current = store.get(workshop_id, consistent=True)
    if current.status not in (WorkshopStatus.DRAFT, WorkshopStatus.PUBLISHED, WorkshopStatus.CLOSED):
        raise Conflict(f"A {current.status.value} workshop cannot be edited.", code="not_editable")
    edited = _validated(replace(current, **changes))
    for group in Group:
        if edited.places.allocations[group] < current.confirmed.get(group, 0):
            raise InvalidInput("An allocation cannot go below the places already taken in that group.",
                               code="allocation_below_confirmed", field="places.allocations")
    if "host_org" in changes:
        directory.get_organisation(caller, edited.host_org)
    notify = current.status is not WorkshopStatus.DRAFT and schedule_changed(current, edited)
    if notify:
        edited = replace(edited, sequence=current.sequence + 1)
    if edited == current:
        return current
    updated = store.update_definition(edited, current.version or 1, caller.id, now)
    count("WorkshopUpdated")
    if notify:
        send_change_notices(updated, now)
    fill_freed_places(workshop_id, now)  # more places, or places released, may let people in from the list
    return store.get(workshop_id, consistent=True)


def set_status(caller: Caller, workshop_id: str, target: WorkshopStatus, now: datetime | None = None) -> Workshop:
    """Publish, close or reopen registration, complete, or cancel (which tells everyone registered)."""
    caller.require_any(Role.CAFCASS_ADMIN)
    now = now or utcnow()
    current = store.get(workshop_id, consistent=True)
    if current.status is target:
        return current  # already there (a resent request): the same answer, nothing done twice
    check_transition(current.status, target)
    if target is WorkshopStatus.COMPLETED and now < current.ends_at:
        raise Conflict("A workshop is completed only after its last session.", code="not_finished")
    updated = store.update_definition(replace(current, status=target), current.version or 1, caller.id, now)
    count(f"Workshop{target.value.title()}")
    logger.info("workshop status", extra={"workshop_id": workshop_id, "status": target.value})
    if target is WorkshopStatus.CANCELLED:
        send_cancellation_notices(updated, now)
    return updated


def _active(workshop_id: str) -> list[Registration]:
    return [r for r in regs.for_workshop(workshop_id) if r.active]


def send_change_notices(workshop: Workshop, now: datetime) -> int:
    """Tell each active registrant not yet told about this version of the schedule. Returns how many."""
    sent = mark_once_and_send(
        (regs.told_schedule(r, workshop.sequence),
         queued([mail.changed(workshop, r.email, r.name, r.status is RegistrationStatus.CONFIRMED)], now))
        for r in _active(workshop.id) if r.notified_sequence < workshop.sequence)
    count("WorkshopChangeNotice", sent)
    return sent


def send_cancellation_notices(workshop: Workshop, now: datetime) -> int:
    """End every active registration of a cancelled workshop and tell the person. Returns how many."""
    sent = mark_once_and_send(
        (regs.ended_with_workshop(r, now),
         queued([mail.workshop_cancelled(workshop, r.email, r.name, r.status is RegistrationStatus.CONFIRMED)],
                now))
        for r in _active(workshop.id))
    count("WorkshopCancellationNotice", sent)
    return sent
