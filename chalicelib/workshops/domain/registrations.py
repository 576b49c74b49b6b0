"""Registrations: who holds or waits for a place at a workshop, and what became of it.

Pure: no storage and no clock of its own. The store turns these into items and back.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from chalicelib.core.errors import Conflict, InvalidInput
from chalicelib.workshops.domain.rules import (
    ACTIVE,
    EndReason,
    Group,
    RegistrationStatus,
    WaitReason,
    Workshop,
)

PRESENT = "present"

# A place passes along one chain of substitutions at most this many times (A -> B -> C; C cannot hand it on).
# Admins are exempt: they sort out what people cannot, and every hand-on they make is recorded as theirs.
MAX_HAND_ONS = 2


@dataclass(frozen=True)
class Registrant:
    """The person a registration is for (personal data: never logged)."""

    name: str
    email: str
    organisation: str
    group: Group
    job_title: str
    access_needs: str | None = None
    dietary_needs: str | None = None


@dataclass(frozen=True)
class Colleague:
    """Who takes over a place (their organisation and group are those of the place)."""

    name: str
    email: str
    job_title: str
    access_needs: str | None = None
    dietary_needs: str | None = None
    override_domain_check: bool = False  # a Cafcass admin hands the place to an address outside the domains


@dataclass(frozen=True)
class Registration:
    """One person's registration for one workshop."""

    id: str
    workshop_id: str
    status: RegistrationStatus
    registrant: Registrant
    created_at: datetime
    created_by: str  # the subject id of whoever registered
    on_behalf: str | None = None  # the admin's subject id when registered on someone's behalf
    owner: str | None = None  # the person's Cognito subject: set when they act for themselves, or claim it
    confirmed_at: datetime | None = None
    waiting_key: str | None = None  # orders the waiting list (arrival), while waiting
    waiting_since: datetime | None = None
    waiting_until: datetime | None = None
    ended_at: datetime | None = None
    end_reason: EndReason | None = None
    end_key: str | None = None  # the Idempotency-Key (hashed) of the request that ended it, if it sent one
    substitute_for: str | None = None
    substituted_by: str | None = None
    notified_sequence: int = 0  # the workshop's schedule version this person was told about
    reminders: frozenset[str] = frozenset()
    attendance: Mapping[str, str] = field(default_factory=dict)  # {"1": "present", "2": "absent"}
    feedback_requested_at: datetime | None = None
    feedback_at: datetime | None = None
    feedback_rating: int | None = None
    feedback_changed_practice: str | None = None
    feedback_comment: str | None = None
    erased_at: datetime | None = None  # the person was removed (on request, or at the end of retention)
    hand_ons: int = 0  # how many times this place has been handed on along its chain of substitutions
    domain_override_by: str | None = None  # the admin's subject id who handed it outside the organisation's domains
    domain_override_at: datetime | None = None

    @property
    def email(self) -> str:
        """The registered person's address."""
        return self.registrant.email

    @property
    def name(self) -> str:
        """The registered person's name."""
        return self.registrant.name

    @property
    def organisation(self) -> str:
        """The registered person's organisation code."""
        return self.registrant.organisation

    @property
    def group(self) -> Group:
        """The attendee group whose place this is."""
        return self.registrant.group

    @property
    def active(self) -> bool:
        """Confirmed or waiting."""
        return self.status in ACTIVE

    @property
    def attended(self) -> bool:
        """Present at one session at least."""
        return PRESENT in self.attendance.values()


def new_registration(workshop: Workshop, who: Registrant, registration_id: str, status: RegistrationStatus,
                     created_by: str, on_behalf: str | None, now: datetime, waiting_key: str | None = None,
                     substitute_for: str | None = None, owner: str | None = None, hand_ons: int = 0,
                     domain_override_by: str | None = None) -> Registration:
    """A registration as first written: confirmed (with a place) or waiting (with its arrival key). ``owner``
    is the person's subject when they register themselves; otherwise their first sign-in claims it."""
    return Registration(
        id=registration_id, workshop_id=workshop.id, status=status, registrant=who, created_at=now,
        created_by=created_by, on_behalf=on_behalf, owner=owner,
        confirmed_at=now if status is RegistrationStatus.CONFIRMED else None,
        waiting_key=waiting_key, waiting_since=now if waiting_key else None,
        notified_sequence=workshop.sequence, substitute_for=substitute_for, hand_ons=hand_ons,
        domain_override_by=domain_override_by, domain_override_at=now if domain_override_by else None)


class ColleagueNotInOrganisation(InvalidInput):
    """The colleague's address is not at one of the domains of the place's organisation."""

    code = "colleague_not_in_organisation"

    def __init__(self) -> None:
        super().__init__("The colleague's address must be at one of their organisation's email domains.",
                         field="email")


class HandOnLimitReached(Conflict):
    """The place has been handed on as many times as one chain of substitutions allows."""

    code = "substitution_limit_reached"

    def __init__(self) -> None:
        super().__init__(f"This place has already been handed on {MAX_HAND_ONS} times; ask a Cafcass admin.")


def address_domain(address: str) -> str:
    """The domain of an address, in lower case (``Sam@Westminster.gov.uk`` -> ``westminster.gov.uk``)."""
    return address.strip().rsplit("@", 1)[-1].lower()


def colleague_domain_allowed(colleague_email: str, org_domains: frozenset[str], original_email: str) -> bool:
    """Whether a place may go to ``colleague_email``: its domain is one the directory records for the place's
    organisation (exactly: a subdomain is another domain). Where none is recorded, the colleague's domain must be
    the one of the person handing the place on, so an unknown organisation never widens who can be mailed."""
    domain = address_domain(colleague_email)
    if org_domains:
        return domain in org_domains
    return domain == address_domain(original_email)


def check_hand_on(original: Registration, by_admin: bool) -> int:
    """The hand-on count of the registration that takes over ``original``'s place; ``HandOnLimitReached`` once
    the place has passed ``MAX_HAND_ONS`` times (admins are exempt)."""
    if original.hand_ons >= MAX_HAND_ONS and not by_admin:
        raise HandOnLimitReached()
    return original.hand_ons + 1


@dataclass(frozen=True)
class Outcome:
    """A registration after a use case, with the person's waiting-list position if waiting."""

    registration: Registration
    position: int | None = None
    reason: WaitReason | None = None  # why the person waits


class ArrivalClock:
    """Orders the waiting list by arrival.

    Keys come from a real clock in nanoseconds (never the business ``now``, which tests and jobs set),
    strictly increasing within a process even if the clock stalls or steps back; a retried join gets a
    new, later key. Injected into the use cases that join people to a list.
    """

    def __init__(self, clock_ns: Callable[[], int] = time.time_ns) -> None:
        self._clock_ns = clock_ns
        self._last = 0
        self._lock = threading.Lock()

    def key(self, registration_id: str) -> str:
        """The waiting-list key of a join happening now."""
        with self._lock:
            self._last = max(self._clock_ns(), self._last + 1)
            return f"{self._last:020d}#{registration_id}"
