"""The service's email suppression list.

Table ``email-suppressions``: hash key ``suppression_id`` = a hash of
(address, scope), so paths and logs never carry an address. Scope ``all`` is
set by a permanent bounce or a complaint and stops every message; scope
``list:<id>`` is set by a one-click unsubscribe and stops only that list's
optional mail. Checking an address is one BatchGetItem of both keys. The
``listing_index`` (constant partition, newest first) serves the admin list.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

from pynamodb.attributes import UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.exceptions import DeleteError, PutError
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex, KeysOnlyProjection

from chalicelib.core.addresses import normalise_address, person_key
from chalicelib.core.dynamo import cursor
from chalicelib.core.dynamo.model import StoreMeta, StoreModel, condition_failed, setting, update_if
from chalicelib.core.errors import NotFound
from chalicelib.core.pages import Page

ALL = "all"
LISTING = "suppression"


def list_scope(list_id: str) -> str:
    """The scope of an unsubscribe from one mailing list."""
    return f"list:{list_id}"


def suppression_id(address: str, scope: str) -> str:
    """A stable, address-free identifier (so admin URLs and logs never contain the address)."""
    return hashlib.sha256(f"{normalise_address(address)}|{scope}".encode()).hexdigest()[:32]


class ListingIndex(GlobalSecondaryIndex["SuppressionRecord"]):
    """All suppressions, newest first."""

    class Meta:
        index_name = "listing_index"
        projection = AllProjection()

    listing = UnicodeAttribute(hash_key=True)
    sort_key = UnicodeAttribute(range_key=True)


class SuppressionPersonIndex(GlobalSecondaryIndex["SuppressionRecord"]):
    """One person's suppressions, whatever their scope (keys only)."""

    class Meta:
        index_name = "person_index"
        projection = KeysOnlyProjection()

    person_key = UnicodeAttribute(hash_key=True)


class SuppressionRecord(StoreModel):
    """One suppressed address, for everything or for one list."""

    class Meta(StoreMeta):
        table_name = setting("suppressions_table")

    suppression_id = UnicodeAttribute(hash_key=True)
    address = UnicodeAttribute()
    person_key = UnicodeAttribute(null=True)  # ``core.addresses.person_key`` of the address (absent once erased)
    scope = UnicodeAttribute()
    reason = UnicodeAttribute()  # bounce | complaint | unsubscribe | admin
    source_message_id = UnicodeAttribute(null=True)
    created_at = UTCDateTimeAttribute()
    listing = UnicodeAttribute(default=LISTING)
    sort_key = UnicodeAttribute()

    listing_index = ListingIndex()
    person_index = SuppressionPersonIndex()


@dataclass(frozen=True)
class Suppression:
    """A suppression as the service sees it."""

    id: str
    address: str
    scope: str
    reason: str
    created_at: datetime
    source_message_id: str | None


def _to_domain(rec: SuppressionRecord) -> Suppression:
    return Suppression(id=rec.suppression_id, address=rec.address, scope=rec.scope, reason=rec.reason,
                       created_at=rec.created_at, source_message_id=rec.source_message_id)


def add(address: str, scope: str, reason: str, now: datetime, source_message_id: str | None = None) -> None:
    """Suppress ``address`` for ``scope`` (idempotent: a second bounce keeps the first record's date)."""
    sid = suppression_id(address, scope)
    record = SuppressionRecord(suppression_id=sid, address=normalise_address(address), person_key=person_key(address),
                               scope=scope, reason=reason,
                               source_message_id=source_message_id, created_at=now,
                               sort_key=f"{now.isoformat()}#{sid}")
    try:
        record.save(condition=SuppressionRecord.suppression_id.does_not_exist())
    except PutError as exc:
        if not condition_failed(exc):
            raise


def suppressed_reason(address: str, list_id: str | None) -> str | None:
    """Why ``address`` may not receive this message (``None`` if it may): one BatchGetItem."""
    keys = [suppression_id(address, ALL)] + ([suppression_id(address, list_scope(list_id))] if list_id else [])
    found = list(SuppressionRecord.batch_get(keys))
    if not found:
        return None
    found.sort(key=lambda r: r.scope != ALL)  # a global suppression explains more than an unsubscribe
    return found[0].reason


def remove(sid: str) -> None:
    """Lift a suppression; ``NotFound`` if there is none with this id."""
    try:
        SuppressionRecord(suppression_id=sid).delete(condition=SuppressionRecord.suppression_id.exists())
    except DeleteError as exc:
        if condition_failed(exc):
            raise NotFound("No suppression has this id.", code="suppression_not_found", field="id") from None
        raise


def list_page(limit: int, start: str | None) -> Page[Suppression]:
    """Newest suppressions first, one Query per page."""
    scope = "suppressions"
    start_key = cursor.decode(start, scope, ("suppression_id", "listing", "sort_key"), fixed={"listing": LISTING})
    results = SuppressionRecord.listing_index.query(LISTING, scan_index_forward=False, limit=limit, page_size=limit,
                                                    last_evaluated_key=start_key)
    items = [_to_domain(r) for r in results]
    return Page(items=items, next_cursor=cursor.encode(results.last_evaluated_key, scope))


ERASED = "[erased]"


def for_person(address: str) -> list[Suppression]:
    """Every suppression of ``address`` (a Query of the person index, then one BatchGetItem)."""
    ids = [r.suppression_id for r in SuppressionRecord.person_index.query(person_key(address))]
    return [_to_domain(r) for r in SuppressionRecord.batch_get(ids)] if ids else []


def anonymise(sid: str) -> None:
    """Forget the address but keep the suppression, whose id (a hash) still stops mail to it (one UpdateItem)."""
    update_if(SuppressionRecord(suppression_id=sid), [SuppressionRecord.address.set(ERASED),
                                                      SuppressionRecord.person_key.remove()],
              SuppressionRecord.suppression_id.exists())
