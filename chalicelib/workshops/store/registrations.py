"""DynamoDB storage of workshop registrations: records, reads, and the markers jobs set once.

Table ``workshop-registrations``: hash key ``workshop_id``, range key ``sk``.
One partition per workshop holds every item the registration rules need, so
they can be read with strongly consistent Queries and changed together in
one transaction:

* ``reg#<registration_id>``: a registration (person, group, status, attendance, feedback);
* ``person#<hash of email>``: a guard that makes a second registration of the
  same person for the same workshop fail its condition (409, not a second place);
* ``org#<code>``: places held by an organisation (the organisation cap);
* ``wait#<joined key>``: a waiting-list entry, in arrival order.

``person_index`` (hash of the email, creation time) serves "my registrations".

Records never leave this package: every function returns ``Registration`` domain objects. The
transactions that move places (confirm, wait, promote, cancel...) are in ``placement``.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any

from pynamodb.attributes import (
    MapAttribute,
    NumberAttribute,
    UnicodeAttribute,
    UnicodeSetAttribute,
    UTCDateTimeAttribute,
)
from pynamodb.exceptions import DeleteError, DoesNotExist
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex

from chalicelib.core.addresses import person_key
from chalicelib.core.dynamo import cursor
from chalicelib.core.dynamo.model import StoreMeta, StoreModel, condition_failed, setting, update_if
from chalicelib.core.dynamo.transactions import Update
from chalicelib.core.pages import Page
from chalicelib.workshops.domain.errors import ChangedMeanwhile, RegistrationNotFound
from chalicelib.workshops.domain.registrations import Registrant, Registration
from chalicelib.workshops.domain.rules import EndReason, Group, RegistrationStatus, WaitingEntry

REG, PERSON, ORG, WAIT = "reg#", "person#", "org#", "wait#"


class _Meta(StoreMeta):
    table_name = setting("registrations_table")


class PersonIndex(GlobalSecondaryIndex["RegistrationRecord"]):
    """A person's registrations, newest first."""

    class Meta:
        index_name = "person_index"
        projection = AllProjection()

    person_key = UnicodeAttribute(hash_key=True)
    created_key = UnicodeAttribute(range_key=True)


class OwnerIndex(GlobalSecondaryIndex["RegistrationRecord"]):
    """A person's registrations by their Cognito subject, newest first ("my registrations")."""

    class Meta:
        index_name = "owner_index"
        projection = AllProjection()

    owner = UnicodeAttribute(hash_key=True)
    created_key = UnicodeAttribute(range_key=True)


class RegistrationRecord(StoreModel):
    """A registration (``sk = reg#<id>``). This model owns the table definition."""

    class Meta(_Meta):
        pass

    workshop_id = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    registration_id = UnicodeAttribute()
    status = UnicodeAttribute()
    group = UnicodeAttribute()
    organisation = UnicodeAttribute()
    name = UnicodeAttribute()
    email = UnicodeAttribute()
    job_title = UnicodeAttribute()
    access_needs = UnicodeAttribute(null=True)
    dietary_needs = UnicodeAttribute(null=True)
    person_key = UnicodeAttribute()
    created_key = UnicodeAttribute()
    created_at = UTCDateTimeAttribute()
    created_by = UnicodeAttribute()
    on_behalf = UnicodeAttribute(null=True)  # the admin's subject id when registered on someone's behalf
    owner = UnicodeAttribute(null=True)  # the person's Cognito subject (who may act on it without being an admin)
    confirmed_at = UTCDateTimeAttribute(null=True)
    waiting_key = UnicodeAttribute(null=True)
    waiting_since = UTCDateTimeAttribute(null=True)
    waiting_until = UTCDateTimeAttribute(null=True)
    ended_at = UTCDateTimeAttribute(null=True)
    end_reason = UnicodeAttribute(null=True)
    end_key = UnicodeAttribute(null=True)  # the hashed Idempotency-Key of the request that ended it
    substitute_for = UnicodeAttribute(null=True)
    substituted_by = UnicodeAttribute(null=True)
    notified_sequence = NumberAttribute(default=0)
    reminders = UnicodeSetAttribute(null=True)
    attendance: MapAttribute[str, str] = MapAttribute(null=True)  # {"1": "present", "2": "absent"}
    feedback_requested_at = UTCDateTimeAttribute(null=True)
    feedback_at = UTCDateTimeAttribute(null=True)
    feedback_rating = NumberAttribute(null=True)
    feedback_changed_practice = UnicodeAttribute(null=True)
    feedback_comment = UnicodeAttribute(null=True)
    erased_at = UTCDateTimeAttribute(null=True)  # personal data removed (on request, or at the end of retention)
    needs_removed_at = UTCDateTimeAttribute(null=True)  # access and dietary needs removed after the workshop
    hand_ons = NumberAttribute(null=True)  # times the place was handed on along its chain (absent: never)
    domain_override_by = UnicodeAttribute(null=True)  # the admin (subject id) who waived the colleague domain check
    domain_override_at = UTCDateTimeAttribute(null=True)

    person_index = PersonIndex()
    owner_index = OwnerIndex()


class GuardRecord(StoreModel):
    """One person per workshop (``sk = person#<hash>``)."""

    class Meta(_Meta):
        pass

    workshop_id = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    registration_id = UnicodeAttribute()


class OrgCountRecord(StoreModel):
    """Confirmed places held by one organisation (``sk = org#<code>``)."""

    class Meta(_Meta):
        pass

    workshop_id = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    confirmed = NumberAttribute(default=0)


class WaitingRecord(StoreModel):
    """A waiting-list entry (``sk = wait#<joined key>``), in arrival order."""

    class Meta(_Meta):
        pass

    workshop_id = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    registration_id = UnicodeAttribute()
    group = UnicodeAttribute()
    organisation = UnicodeAttribute()


def reg_sk(registration_id: str) -> str:
    """The sort key of a registration item."""
    return REG + registration_id


def guard_sk(email: str) -> str:
    """The sort key of a person's guard item."""
    return PERSON + person_key(email)


def org_sk(code: str) -> str:
    """The sort key of an organisation's place count."""
    return ORG + code


def wait_sk(joined_key: str) -> str:
    """The sort key of a waiting-list entry."""
    return WAIT + joined_key


def to_domain(rec: RegistrationRecord) -> Registration:
    """The registration a record holds (for this package's modules)."""
    raw: Any = rec.attendance
    who = Registrant(name=rec.name, email=rec.email, organisation=rec.organisation, group=Group(rec.group),
                     job_title=rec.job_title, access_needs=rec.access_needs, dietary_needs=rec.dietary_needs)
    return Registration(
        id=rec.registration_id, workshop_id=rec.workshop_id, status=RegistrationStatus(rec.status), registrant=who,
        created_at=rec.created_at, created_by=rec.created_by, on_behalf=rec.on_behalf, owner=rec.owner,
        confirmed_at=rec.confirmed_at,
        waiting_key=rec.waiting_key, waiting_since=rec.waiting_since, waiting_until=rec.waiting_until,
        ended_at=rec.ended_at, end_reason=EndReason(rec.end_reason) if rec.end_reason else None, end_key=rec.end_key,
        substitute_for=rec.substitute_for, substituted_by=rec.substituted_by,
        notified_sequence=int(rec.notified_sequence),
        reminders=frozenset(rec.reminders or ()), attendance=dict(raw.as_dict()) if raw is not None else {},
        feedback_requested_at=rec.feedback_requested_at, feedback_at=rec.feedback_at,
        feedback_rating=None if rec.feedback_rating is None else int(rec.feedback_rating),
        feedback_changed_practice=rec.feedback_changed_practice, feedback_comment=rec.feedback_comment,
        erased_at=rec.erased_at, hand_ons=int(rec.hand_ons or 0), domain_override_by=rec.domain_override_by,
        domain_override_at=rec.domain_override_at)


def new_record(reg: Registration) -> RegistrationRecord:
    """The item of a registration as first written (for this package's modules)."""
    who = reg.registrant
    return RegistrationRecord(
        workshop_id=reg.workshop_id, sk=reg_sk(reg.id), registration_id=reg.id, status=reg.status.value,
        group=who.group.value, organisation=who.organisation, name=who.name, email=who.email.strip(),
        job_title=who.job_title, access_needs=who.access_needs, dietary_needs=who.dietary_needs,
        person_key=person_key(who.email), created_key=f"{reg.created_at.isoformat()}#{reg.id}",
        created_at=reg.created_at, created_by=reg.created_by, on_behalf=reg.on_behalf, owner=reg.owner,
        confirmed_at=reg.confirmed_at, waiting_key=reg.waiting_key, waiting_since=reg.waiting_since,
        notified_sequence=reg.notified_sequence, substitute_for=reg.substitute_for, hand_ons=reg.hand_ons or None,
        domain_override_by=reg.domain_override_by, domain_override_at=reg.domain_override_at)


def key_of(reg: Registration) -> RegistrationRecord:
    """A record naming only the registration's key (the target of an update)."""
    return RegistrationRecord(workshop_id=reg.workshop_id, sk=reg_sk(reg.id))


def get(workshop_id: str, registration_id: str) -> Registration:
    """One registration, read consistently (one GetItem); ``RegistrationNotFound`` otherwise."""
    try:
        return to_domain(RegistrationRecord.get(workshop_id, reg_sk(registration_id), consistent_read=True))
    except DoesNotExist:
        raise RegistrationNotFound() from None


def find(workshop_id: str, registration_id: str) -> Registration | None:
    """One registration read consistently, or ``None`` (one GetItem)."""
    try:
        return get(workshop_id, registration_id)
    except RegistrationNotFound:
        return None


def existing_for(workshop_id: str, email: str) -> Registration | None:
    """The registration a person already has for a workshop, if any (two consistent GetItems)."""
    try:
        guard = GuardRecord.get(workshop_id, guard_sk(email), consistent_read=True)
    except DoesNotExist:
        return None
    return get(workshop_id, guard.registration_id)


def waiting_list(workshop_id: str) -> list[WaitingEntry]:
    """The whole waiting list in arrival order (one consistent Query, paged if long)."""
    return [WaitingEntry(registration_id=r.registration_id, group=Group(r.group), organisation=r.organisation,
                         joined_key=r.sk[len(WAIT):])
            for r in WaitingRecord.query(workshop_id, WaitingRecord.sk.startswith(WAIT), consistent_read=True)]


def org_counts(workshop_id: str) -> dict[str, int]:
    """Confirmed places per organisation (one consistent Query)."""
    return {r.sk[len(ORG):]: int(r.confirmed)
            for r in OrgCountRecord.query(workshop_id, OrgCountRecord.sk.startswith(ORG), consistent_read=True)}


def for_workshop(workshop_id: str) -> list[Registration]:
    """Every registration of a workshop, in order of creation (one consistent Query, paged)."""
    records = RegistrationRecord.query(workshop_id, RegistrationRecord.sk.startswith(REG), consistent_read=True)
    return [to_domain(r) for r in sorted(records, key=lambda r: r.created_key)]


def for_owner(owner: str, limit: int, start: str | None) -> Page[Registration]:
    """A person's registrations across workshops by their subject, newest first (one Query per page)."""
    scope = f"owner|{owner}"
    start_key = cursor.decode(start, scope, ("workshop_id", "sk", "owner", "created_key"), fixed={"owner": owner})
    results = RegistrationRecord.owner_index.query(owner, scan_index_forward=False, limit=limit, page_size=limit,
                                                   last_evaluated_key=start_key)
    return Page(items=[to_domain(r) for r in results], next_cursor=cursor.encode(results.last_evaluated_key, scope))


def claim(reg: Registration, owner: str) -> Registration | None:
    """Record ``owner`` as the person of a registration nobody has claimed yet (one conditional UpdateItem);
    ``None`` if someone claimed it first."""
    if not update_if(key_of(reg), [RegistrationRecord.owner.set(owner)], RegistrationRecord.owner.does_not_exist()):
        return None
    return replace(reg, owner=owner)


def record_attendance(reg: Registration, attendance: dict[str, str]) -> Registration:
    """Store a confirmed person's attendance (one conditional UpdateItem); ``ChangedMeanwhile`` if the
    registration is no longer confirmed."""
    record = key_of(reg)
    if not update_if(record, [RegistrationRecord.attendance.set(attendance)],
                     RegistrationRecord.status == RegistrationStatus.CONFIRMED.value):
        raise ChangedMeanwhile("The registration changed meanwhile.")
    return replace(reg, attendance=dict(attendance))


def record_feedback(reg: Registration, at: datetime, rating: int, changed_practice: str,
                    comment: str | None) -> bool:
    """Store the one feedback response (one conditional UpdateItem); ``False`` if one was given already."""
    return update_if(key_of(reg), [
        RegistrationRecord.feedback_at.set(at), RegistrationRecord.feedback_rating.set(rating),
        RegistrationRecord.feedback_changed_practice.set(changed_practice),
        RegistrationRecord.feedback_comment.set(comment) if comment else RegistrationRecord.feedback_comment.remove()],
        RegistrationRecord.feedback_at.does_not_exist())


# Markers: each a write whose condition fails once it is set (for ``core.dynamo.marks``).


def told_schedule(reg: Registration, sequence: int) -> Update:
    """The person has been told about schedule version ``sequence``."""
    return Update(key_of(reg), [RegistrationRecord.notified_sequence.set(sequence)],
                  RegistrationRecord.notified_sequence < sequence, label="registration")


def ended_with_workshop(reg: Registration, now: datetime) -> Update:
    """The registration ends because the workshop was cancelled (only from the status it was read in)."""
    return Update(key_of(reg), [RegistrationRecord.status.set(RegistrationStatus.WORKSHOP_CANCELLED.value),
                                RegistrationRecord.ended_at.set(now),
                                RegistrationRecord.end_reason.set(EndReason.WORKSHOP_CANCELLED.value)],
                  RegistrationRecord.status == reg.status.value, label="registration")


def reminded(reg: Registration, pending: set[str], latest: str) -> Update:
    """The reminders ``pending`` are done for a confirmed person (the latest of them not yet)."""
    return Update(key_of(reg), [RegistrationRecord.reminders.add(set(pending))],
                  (RegistrationRecord.status == RegistrationStatus.CONFIRMED.value)
                  & (RegistrationRecord.reminders.does_not_exist() | ~RegistrationRecord.reminders.contains(latest)),
                  label="registration")


def needs_removed(reg: Registration, now: datetime) -> Update:
    """Access and dietary needs (special category data) are removed, once, after the workshop."""
    return Update(key_of(reg), [RegistrationRecord.access_needs.remove(), RegistrationRecord.dietary_needs.remove(),
                                RegistrationRecord.needs_removed_at.set(now)],
                  RegistrationRecord.needs_removed_at.does_not_exist(), label="registration")


def feedback_requested(reg: Registration, now: datetime) -> Update:
    """The person has been asked for feedback."""
    return Update(key_of(reg), [RegistrationRecord.feedback_requested_at.set(now)],
                  RegistrationRecord.feedback_requested_at.does_not_exist(), label="registration")


ERASED = "[erased]"


def all_for_person(email: str) -> list[Registration]:
    """Every registration of a person, across workshops (the person index, every page)."""
    return [to_domain(r) for r in RegistrationRecord.person_index.query(person_key(email))]


def anonymise(reg: Registration, now: datetime, *, ended_only: bool = True) -> bool:
    """Remove the person from a registration, keeping the item for the workshop's figures (status, group,
    organisation, attendance, rating), in one conditional UpdateItem; then drop their guard if it still points
    at it. ``False`` if it was anonymised already or (with ``ended_only``) is still active."""
    condition = RegistrationRecord.erased_at.does_not_exist()
    if ended_only:
        condition &= ~RegistrationRecord.status.is_in(RegistrationStatus.CONFIRMED.value,
                                                      RegistrationStatus.WAITING.value)
    if not update_if(key_of(reg), [
            RegistrationRecord.name.set(ERASED), RegistrationRecord.email.set(f"erased+{reg.id}@erased.invalid"),
            RegistrationRecord.job_title.set(ERASED), RegistrationRecord.access_needs.remove(),
            RegistrationRecord.dietary_needs.remove(), RegistrationRecord.feedback_comment.remove(),
            RegistrationRecord.person_key.set(f"erased#{reg.id}"), RegistrationRecord.owner.remove(),
            RegistrationRecord.created_by.set(ERASED), RegistrationRecord.erased_at.set(now)],
            condition):
        return False
    try:
        GuardRecord(workshop_id=reg.workshop_id, sk=guard_sk(reg.email)).delete(
            condition=GuardRecord.registration_id == reg.id)
    except DeleteError as exc:
        if not condition_failed(exc):
            raise
    return True
