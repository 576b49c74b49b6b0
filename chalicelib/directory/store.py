"""DynamoDB storage of the organisation directory.

Table ``organisations``: hash key ``code``. Two global secondary indexes serve
every listing with a Query (never a Scan):

* ``listing_index`` (``listing`` = constant, ``sort_key``): everything, or one
  type via ``begins_with(sort_key, "<type>#")``. A single partition is fine
  for ~200 rarely-written reference items.
* ``region_index`` (``region``, ``sort_key``): one region, optionally one type.

``sort_key`` is ``<type>#<name key>#<code>`` so pages come back grouped by
type and in name order, and stays unique.
"""

from __future__ import annotations

from datetime import datetime, timezone

from pynamodb.attributes import (
    BooleanAttribute,
    UnicodeAttribute,
    UnicodeSetAttribute,
    UTCDateTimeAttribute,
    VersionAttribute,
)
from pynamodb.exceptions import DoesNotExist, PutError
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex

from chalicelib.core.dynamo import cursor
from chalicelib.core.dynamo.model import (
    StoreMeta,
    StoreModel,
    condition_failed,
    setting,
    update_if,
)
from chalicelib.core.dynamo.transactions import Check
from chalicelib.core.errors import Conflict, NotFound
from chalicelib.core.pages import Page
from chalicelib.directory.domain import Nation, Organisation, OrgType, Region, name_key

LISTING = "organisation"


class ListingIndex(GlobalSecondaryIndex["OrganisationRecord"]):
    """All organisations in type-then-name order."""

    class Meta:
        index_name = "listing_index"
        projection = AllProjection()

    listing = UnicodeAttribute(hash_key=True)
    sort_key = UnicodeAttribute(range_key=True)


class RegionIndex(GlobalSecondaryIndex["OrganisationRecord"]):
    """Organisations of one region in type-then-name order."""

    class Meta:
        index_name = "region_index"
        projection = AllProjection()

    region = UnicodeAttribute(hash_key=True)
    sort_key = UnicodeAttribute(range_key=True)


class OrganisationRecord(StoreModel):
    """One directory entry as stored."""

    class Meta(StoreMeta):
        table_name = setting("organisations_table")

    code = UnicodeAttribute(hash_key=True)
    name = UnicodeAttribute()
    org_type = UnicodeAttribute()
    region = UnicodeAttribute()
    nation = UnicodeAttribute()
    cafcass_service_area = UnicodeAttribute(null=True)
    reviewing_org = UnicodeAttribute(null=True)
    active = BooleanAttribute(default=True)
    email_domains = UnicodeSetAttribute(null=True)  # absent when none are recorded (DynamoDB has no empty set)
    listing = UnicodeAttribute(default=LISTING)
    sort_key = UnicodeAttribute()
    created_at = UTCDateTimeAttribute()
    updated_at = UTCDateTimeAttribute()
    updated_by = UnicodeAttribute(null=True)  # a Cognito subject id, never an email
    version = VersionAttribute()

    listing_index = ListingIndex()
    region_index = RegionIndex()


def _sort_key(org: Organisation) -> str:
    return f"{org.type.value}#{name_key(org.name)}#{org.code}"


def _to_domain(rec: OrganisationRecord) -> Organisation:
    return Organisation(
        code=rec.code, name=rec.name, type=OrgType(rec.org_type), region=Region(rec.region),
        nation=Nation(rec.nation), cafcass_service_area=rec.cafcass_service_area,
        reviewing_org=rec.reviewing_org, active=rec.active, version=rec.version, updated_at=rec.updated_at,
        email_domains=frozenset(rec.email_domains or ()),
    )


def _fill(rec: OrganisationRecord, org: Organisation, actor: str | None, now: datetime) -> None:
    rec.name = org.name
    rec.org_type = org.type.value
    rec.region = org.region.value
    rec.nation = org.nation.value
    rec.cafcass_service_area = org.cafcass_service_area
    rec.reviewing_org = org.reviewing_org
    rec.active = org.active
    rec.email_domains = set(org.email_domains) or None
    rec.listing = LISTING
    rec.sort_key = _sort_key(org)
    rec.updated_at = now
    rec.updated_by = actor


def get(code: str) -> Organisation:
    """Read one organisation (one GetItem); raise ``NotFound``."""
    try:
        return _to_domain(OrganisationRecord.get(code))
    except DoesNotExist:
        raise NotFound("No organisation has this code.", code="organisation_not_found", field="code") from None


def create(org: Organisation, actor: str | None) -> Organisation:
    """Insert a new organisation (one conditional PutItem); ``Conflict`` if the code is taken."""
    now = datetime.now(timezone.utc)
    rec = OrganisationRecord(code=org.code, created_at=now)
    _fill(rec, org, actor, now)
    try:
        rec.save(condition=OrganisationRecord.code.does_not_exist())
    except PutError as exc:
        if condition_failed(exc):
            raise Conflict("An organisation with this code already exists.", code="organisation_exists",
                           field="code") from None
        raise
    return _to_domain(rec)


def update(org: Organisation, expected_version: int, actor: str | None) -> Organisation:
    """Write an edited organisation if it is still at ``expected_version`` (one conditional UpdateItem).

    The version check is optimistic locking: two admins editing at once cannot
    silently overwrite each other; the second gets ``Conflict``.
    """
    rec = OrganisationRecord(code=org.code)
    rec.version = expected_version
    probe = OrganisationRecord(code=org.code)
    _fill(probe, org, actor, datetime.now(timezone.utc))
    actions = []
    for attr in (OrganisationRecord.name, OrganisationRecord.org_type, OrganisationRecord.region,
                 OrganisationRecord.nation, OrganisationRecord.cafcass_service_area,
                 OrganisationRecord.reviewing_org, OrganisationRecord.active, OrganisationRecord.email_domains,
                 OrganisationRecord.sort_key,
                 OrganisationRecord.updated_at, OrganisationRecord.updated_by):
        value = getattr(probe, attr.attr_name)
        actions.append(attr.remove() if value is None else attr.set(value))
    if not update_if(rec, actions, OrganisationRecord.code.exists()):
        raise Conflict("The organisation was changed by someone else; read it again and retry.",
                       code="edit_conflict")
    return _to_domain(rec)


def list_page(org_type: OrgType | None, region: Region | None, limit: int, start: str | None) -> Page[Organisation]:
    """One page of the directory with a single Query on the index that fits the filters."""
    prefix = f"{org_type.value}#" if org_type else None
    index: GlobalSecondaryIndex[OrganisationRecord]
    if region is not None:
        index, hash_name, hash_value = OrganisationRecord.region_index, "region", region.value
    else:
        index, hash_name, hash_value = OrganisationRecord.listing_index, "listing", LISTING
    scope = f"{index.Meta.index_name}|{hash_value}|{prefix or ''}"
    start_key = cursor.decode(start, scope, ("code", hash_name, "sort_key"), fixed={hash_name: hash_value},
                              prefixes={"sort_key": prefix} if prefix else None)
    condition = OrganisationRecord.sort_key.startswith(prefix) if prefix else None
    results = index.query(hash_value, range_key_condition=condition, limit=limit, page_size=limit,
                          last_evaluated_key=start_key)
    items = [_to_domain(r) for r in results]
    return Page(items=items, next_cursor=cursor.encode(results.last_evaluated_key, scope))


def exists_check(code: str) -> Check:
    """A condition for someone else's transaction: an organisation with ``code`` is in the directory."""
    return Check(OrganisationRecord, code, OrganisationRecord.code.exists(), label="organisation")


def existing_codes() -> set[str]:
    """Codes already in the directory (paged Query on the listing index; used by the seed command)."""
    return {r.code for r in OrganisationRecord.listing_index.query(LISTING, attributes_to_get=["code"])}

