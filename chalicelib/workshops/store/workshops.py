"""DynamoDB storage of workshops.

Table ``workshops``: hash key ``workshop_id``. The item carries the place
counters (confirmed and waiting, per group) that registration transactions
update with conditions comparing them to the capacity and allocations stored
beside them, so no write can overbook even while an admin edits the capacity.

Listings are single Queries on four indexes, all ordered by ``starts_key``
(first session start, UTC, then id), so a date range is a key condition:

* ``public_index`` (``visible``) and ``public_region_index`` (``visible_region``):
  sparse, only workshops everyone may see (published, closed, completed);
* ``admin_index`` (``listing``) and ``admin_region_index`` (``region``): all.
"""

from __future__ import annotations

import json
from datetime import date, datetime, time, timezone
from typing import Any

from pynamodb.attributes import NumberAttribute, UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.exceptions import DoesNotExist, PutError
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex

from chalicelib.core.dynamo import cursor
from chalicelib.core.dynamo.model import StoreMeta, StoreModel, condition_failed, setting, update_if
from chalicelib.core.pages import Page
from chalicelib.workshops.domain.errors import ChangedMeanwhile, WorkshopNotFound
from chalicelib.workshops.domain.rules import (
    VISIBLE_TO_ALL,
    Group,
    Places,
    Session,
    Workshop,
    WorkshopStatus,
)

LISTING = "workshop"
PUBLIC = "public"
GROUP_KEY = {Group.LA_SOCIAL_WORKER: "la", Group.CAFCASS: "cafcass", Group.ADCS_PARTNER: "adcs"}


class PublicIndex(GlobalSecondaryIndex["WorkshopRecord"]):
    """Workshops everyone may see (sparse), by start."""

    class Meta:
        index_name = "public_index"
        projection = AllProjection()

    visible = UnicodeAttribute(hash_key=True)
    starts_key = UnicodeAttribute(range_key=True)


class PublicRegionIndex(GlobalSecondaryIndex["WorkshopRecord"]):
    """Workshops everyone may see in one region (sparse), by start."""

    class Meta:
        index_name = "public_region_index"
        projection = AllProjection()

    visible_region = UnicodeAttribute(hash_key=True)
    starts_key = UnicodeAttribute(range_key=True)


class AdminIndex(GlobalSecondaryIndex["WorkshopRecord"]):
    """All workshops, by start."""

    class Meta:
        index_name = "admin_index"
        projection = AllProjection()

    listing = UnicodeAttribute(hash_key=True)
    starts_key = UnicodeAttribute(range_key=True)


class AdminRegionIndex(GlobalSecondaryIndex["WorkshopRecord"]):
    """All workshops of one region, by start."""

    class Meta:
        index_name = "admin_region_index"
        projection = AllProjection()

    region = UnicodeAttribute(hash_key=True)
    starts_key = UnicodeAttribute(range_key=True)


class WorkshopRecord(StoreModel):
    """One workshop as stored, with its place counters."""

    class Meta(StoreMeta):
        table_name = setting("workshops_table")

    workshop_id = UnicodeAttribute(hash_key=True)
    title = UnicodeAttribute()
    description = UnicodeAttribute()
    host_org = UnicodeAttribute()
    region = UnicodeAttribute()
    venue = UnicodeAttribute(null=True)
    online_url = UnicodeAttribute(null=True)
    sessions = UnicodeAttribute()  # JSON [{"day","start","end"}], Europe/London wall-clock
    capacity = NumberAttribute()
    alloc_la = NumberAttribute()
    alloc_cafcass = NumberAttribute()
    alloc_adcs = NumberAttribute()
    release_days_before = NumberAttribute(null=True)
    org_cap = NumberAttribute(null=True)
    confirmed_total = NumberAttribute(default=0)
    confirmed_la = NumberAttribute(default=0)
    confirmed_cafcass = NumberAttribute(default=0)
    confirmed_adcs = NumberAttribute(default=0)
    waiting_total = NumberAttribute(default=0)
    waiting_la = NumberAttribute(default=0)
    waiting_cafcass = NumberAttribute(default=0)
    waiting_adcs = NumberAttribute(default=0)
    registration_opens_at = UTCDateTimeAttribute()
    registration_closes_at = UTCDateTimeAttribute()
    cancellation_deadline = UTCDateTimeAttribute()
    status = UnicodeAttribute()
    sequence = NumberAttribute(default=0)
    edit_version = NumberAttribute(default=1)
    starts_key = UnicodeAttribute()
    listing = UnicodeAttribute(default=LISTING)
    visible = UnicodeAttribute(null=True)
    visible_region = UnicodeAttribute(null=True)
    created_at = UTCDateTimeAttribute()
    updated_at = UTCDateTimeAttribute()
    updated_by = UnicodeAttribute(null=True)

    public_index = PublicIndex()
    public_region_index = PublicRegionIndex()
    admin_index = AdminIndex()
    admin_region_index = AdminRegionIndex()


def attr(kind: str, group: Group) -> Any:
    """The counter or allocation attribute of ``group`` (``kind``: confirmed, waiting or alloc)."""
    return getattr(WorkshopRecord, f"{kind}_{GROUP_KEY[group]}")


def _sessions_json(sessions: tuple[Session, ...]) -> str:
    return json.dumps([{"day": s.day.isoformat(), "start": s.start.strftime("%H:%M"), "end": s.end.strftime("%H:%M")}
                       for s in sessions], separators=(",", ":"))


def to_domain(rec: WorkshopRecord) -> Workshop:
    """The workshop a record holds (for this package's modules)."""
    sessions = tuple(Session(day=date.fromisoformat(s["day"]), start=time.fromisoformat(s["start"]),
                             end=time.fromisoformat(s["end"])) for s in json.loads(rec.sessions))
    places = Places(capacity=int(rec.capacity),
                    allocations={g: int(getattr(rec, f"alloc_{k}")) for g, k in GROUP_KEY.items()},
                    release_days_before=None if rec.release_days_before is None else int(rec.release_days_before),
                    org_cap=None if rec.org_cap is None else int(rec.org_cap))
    return Workshop(
        id=rec.workshop_id, title=rec.title, description=rec.description, host_org=rec.host_org, region=rec.region,
        venue=rec.venue, online_url=rec.online_url, sessions=sessions, places=places,
        registration_opens_at=rec.registration_opens_at, registration_closes_at=rec.registration_closes_at,
        cancellation_deadline=rec.cancellation_deadline, status=WorkshopStatus(rec.status),
        sequence=int(rec.sequence),
        confirmed={g: int(getattr(rec, f"confirmed_{k}")) for g, k in GROUP_KEY.items()},
        waiting={g: int(getattr(rec, f"waiting_{k}")) for g, k in GROUP_KEY.items()},
        version=int(rec.edit_version),
    )


def _starts_key(w: Workshop) -> str:
    return f"{w.starts_at.astimezone(timezone.utc).strftime('%Y-%m-%dT%H:%M:%SZ')}#{w.id}"


def _definition_values(w: Workshop, actor: str, now: datetime) -> dict[str, Any]:
    """Attribute values of everything an admin defines (not the counters); ``None`` means absent."""
    visible = w.status in VISIBLE_TO_ALL
    values: dict[str, Any] = {
        "title": w.title, "description": w.description, "host_org": w.host_org, "region": w.region,
        "venue": w.venue, "online_url": w.online_url, "sessions": _sessions_json(w.sessions),
        "capacity": w.places.capacity, "release_days_before": w.places.release_days_before,
        "org_cap": w.places.org_cap, "registration_opens_at": w.registration_opens_at,
        "registration_closes_at": w.registration_closes_at, "cancellation_deadline": w.cancellation_deadline,
        "status": w.status.value, "sequence": w.sequence, "starts_key": _starts_key(w),
        "visible": PUBLIC if visible else None, "visible_region": w.region if visible else None,
        "updated_at": now, "updated_by": actor,
    }
    for group, key in GROUP_KEY.items():
        values[f"alloc_{key}"] = w.places.allocations[group]
    return values


def create(w: Workshop, actor: str, now: datetime) -> Workshop:
    """Insert a new workshop (one conditional PutItem)."""
    values = {k: v for k, v in _definition_values(w, actor, now).items() if v is not None}
    rec = WorkshopRecord(workshop_id=w.id, created_at=now, listing=LISTING, edit_version=1, **values)
    try:
        rec.save(condition=WorkshopRecord.workshop_id.does_not_exist())
    except PutError as exc:
        if condition_failed(exc):
            raise ChangedMeanwhile("A workshop with this id exists already.") from None
        raise
    return to_domain(rec)


def get(workshop_id: str, consistent: bool = False) -> Workshop:
    """Read one workshop (one GetItem); ``NotFound`` if there is none."""
    try:
        return to_domain(WorkshopRecord.get(workshop_id, consistent_read=consistent))
    except DoesNotExist:
        raise WorkshopNotFound() from None


def update_definition(w: Workshop, expected_version: int, actor: str, now: datetime,
                      extra: list[Any] | None = None) -> Workshop:
    """Write an admin's edit if nobody else edited meanwhile (optimistic locking on ``edit_version``).

    The counters are untouched; the capacity check in registration transactions compares them with
    whatever capacity is current, so an edit can never retroactively overbook.
    """
    rec = WorkshopRecord(workshop_id=w.id)
    actions = [getattr(WorkshopRecord, name).remove() if value is None else getattr(WorkshopRecord, name).set(value)
               for name, value in _definition_values(w, actor, now).items()]
    actions += [WorkshopRecord.edit_version.add(1)] + (extra or [])
    if not update_if(rec, actions, WorkshopRecord.edit_version == expected_version):
        raise ChangedMeanwhile("The workshop was changed by someone else; read it again and retry.")
    return to_domain(rec)


def list_page(*, admin: bool, region: str | None, starts_from: datetime, starts_before: datetime | None,
              limit: int, start: str | None) -> Page[Workshop]:
    """Workshops starting in ``[starts_from, starts_before)``, soonest first, one Query per page."""
    index: GlobalSecondaryIndex[WorkshopRecord]
    if admin:
        index, hash_name, hash_value = ((WorkshopRecord.admin_region_index, "region", region) if region
                                        else (WorkshopRecord.admin_index, "listing", LISTING))
    else:
        index, hash_name, hash_value = ((WorkshopRecord.public_region_index, "visible_region", region) if region
                                        else (WorkshopRecord.public_index, "visible", PUBLIC))
    low = starts_from.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    high = (starts_before.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ") if starts_before
            else "9999")
    scope = f"{index.Meta.index_name}|{hash_value}|{low}|{high}"
    start_key = cursor.decode(start, scope, ("workshop_id", hash_name, "starts_key"), fixed={hash_name: hash_value})
    results = index.query(hash_value, WorkshopRecord.starts_key.between(low, high), limit=limit, page_size=limit,
                          last_evaluated_key=start_key)
    return Page(items=[to_domain(r) for r in results], next_cursor=cursor.encode(results.last_evaluated_key, scope))


def started_between(low: datetime, high: datetime) -> list[Workshop]:
    """Every workshop (any status) whose first session starts in ``[low, high)`` (one Query, paged)."""
    start, end = (moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ") for moment in (low, high))
    found = WorkshopRecord.admin_index.query(LISTING, WorkshopRecord.starts_key.between(start, end))
    return [to_domain(r) for r in found if r.starts_key < end]  # between is inclusive; the range is not


def all_since(since: datetime) -> list[Workshop]:
    """Every workshop (any status) that starts from ``since``: the scheduled jobs' working set."""
    low = since.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    return [to_domain(r) for r in WorkshopRecord.admin_index.query(LISTING, WorkshopRecord.starts_key >= low)]
