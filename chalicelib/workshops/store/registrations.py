"""DynamoDB storage of workshop registrations.

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
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from pynamodb.attributes import (
    MapAttribute,
    NumberAttribute,
    UnicodeAttribute,
    UnicodeSetAttribute,
    UTCDateTimeAttribute,
)
from pynamodb.exceptions import DoesNotExist
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex

from chalicelib.core.addresses import normalise_address
from chalicelib.core.dynamo import cursor
from chalicelib.core.dynamo.model import StoreMeta, StoreModel, setting
from chalicelib.core.errors import NotFound
from chalicelib.workshops.domain.rules import Group, RegistrationStatus, WaitingEntry

REG, PERSON, ORG, WAIT = "reg#", "person#", "org#", "wait#"


def person_key(email: str) -> str:
    """A stable key for a person that does not put their address in keys or URLs."""
    return hashlib.sha256(normalise_address(email).encode()).hexdigest()[:40]


class _Meta(StoreMeta):
    table_name = setting("registrations_table")


class PersonIndex(GlobalSecondaryIndex["RegistrationRecord"]):
    """A person's registrations, newest first."""

    class Meta:
        index_name = "person_index"
        projection = AllProjection()

    person_key = UnicodeAttribute(hash_key=True)
    created_key = UnicodeAttribute(range_key=True)


class RegistrationRecord(StoreModel):
    """A registration (``sk = reg#<id>``). This model owns the table definition."""

    Meta = _Meta

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
    confirmed_at = UTCDateTimeAttribute(null=True)
    waiting_key = UnicodeAttribute(null=True)
    waiting_since = UTCDateTimeAttribute(null=True)
    waiting_until = UTCDateTimeAttribute(null=True)
    ended_at = UTCDateTimeAttribute(null=True)
    end_reason = UnicodeAttribute(null=True)
    substitute_for = UnicodeAttribute(null=True)
    substituted_by = UnicodeAttribute(null=True)
    notified_sequence = NumberAttribute(default=0)
    reminders = UnicodeSetAttribute(null=True)
    attendance = MapAttribute(null=True)  # {"1": "present", "2": "absent"}
    feedback_requested_at = UTCDateTimeAttribute(null=True)
    feedback_at = UTCDateTimeAttribute(null=True)
    feedback_rating = NumberAttribute(null=True)
    feedback_changed_practice = UnicodeAttribute(null=True)
    feedback_comment = UnicodeAttribute(null=True)

    person_index = PersonIndex()


class GuardRecord(StoreModel):
    """One person per workshop (``sk = person#<hash>``)."""

    Meta = _Meta

    workshop_id = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    registration_id = UnicodeAttribute()


class OrgCountRecord(StoreModel):
    """Confirmed places held by one organisation (``sk = org#<code>``)."""

    Meta = _Meta

    workshop_id = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    confirmed = NumberAttribute(default=0)


class WaitingRecord(StoreModel):
    """A waiting-list entry (``sk = wait#<joined key>``), in arrival order."""

    Meta = _Meta

    workshop_id = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    registration_id = UnicodeAttribute()
    group = UnicodeAttribute()
    organisation = UnicodeAttribute()


def reg_sk(registration_id: str) -> str:
    return REG + registration_id


def guard_sk(email: str) -> str:
    return PERSON + person_key(email)


def org_sk(code: str) -> str:
    return ORG + code


def wait_sk(joined_key: str) -> str:
    return WAIT + joined_key


def get(workshop_id: str, registration_id: str) -> RegistrationRecord:
    """One registration, read consistently; ``NotFound`` otherwise."""
    try:
        return RegistrationRecord.get(workshop_id, reg_sk(registration_id), consistent_read=True)
    except DoesNotExist:
        raise NotFound("No registration has this id.", code="registration_not_found",
                       field="registration_id") from None


def existing_for(workshop_id: str, email: str) -> RegistrationRecord | None:
    """The registration a person already has for a workshop, if any (two consistent reads)."""
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


def for_workshop(workshop_id: str) -> list[RegistrationRecord]:
    """Every registration of a workshop, in creation order of ids (consistent, paged)."""
    return list(RegistrationRecord.query(workshop_id, RegistrationRecord.sk.startswith(REG), consistent_read=True))


@dataclass(frozen=True)
class Page:
    """One page of a person's registrations."""

    items: list[RegistrationRecord]
    next_cursor: str | None


def for_person(email: str, limit: int, start: str | None) -> Page:
    """A person's registrations across workshops, newest first (one Query per page)."""
    key = person_key(email)
    scope = f"person|{key}"
    start_key = cursor.decode(start, scope, ("workshop_id", "sk", "person_key", "created_key"),
                              fixed={"person_key": key})
    results = RegistrationRecord.person_index.query(key, scan_index_forward=False, limit=limit, page_size=limit,
                                                    last_evaluated_key=start_key)
    return Page(items=list(results), next_cursor=cursor.encode(results.last_evaluated_key, scope))


def is_active(record: RegistrationRecord) -> bool:
    """Confirmed or waiting."""
    return record.status in (RegistrationStatus.CONFIRMED.value, RegistrationStatus.WAITING.value)


def attendance_of(record: RegistrationRecord) -> dict[str, str]:
    """Attendance per session number, as recorded."""
    raw: Any = record.attendance
    return dict(raw.as_dict()) if raw is not None else {}
