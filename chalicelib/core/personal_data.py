"""The personal-data map: the protocol each capability implements for the records it keeps about people.

Each capability declares, in its ``personal_data.py``, every kind of record that holds personal data
(:class:`Holding`): which fields are personal, how one person's records are found without a Scan, how
they are erased (deleted, or anonymised where a record must survive for counts, places or
suppressions) and how long they are kept. It implements :class:`PersonalDataMap`: ``find`` returns a
person's records, ``erase`` erases them. ``chalicelib.personal_data`` gathers every capability's map;
subject access and erasure requests are built on it (a later issue), never on a Scan.

A person is named by their email address, the one identifier every record shares; the address is
turned into ``core.addresses.person_key`` before it touches a key or an index.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import Enum
from typing import Protocol


class Erasure(str, Enum):
    """What erasing a record does."""

    DELETE = "delete"  # the record goes
    ANONYMISE = "anonymise"  # the record stays for counts or to keep a promise (a suppression), without the person


@dataclass(frozen=True)
class Retention:
    """How long a kind of record is kept, from when, and what enforces it."""

    period: timedelta | None  # ``None``: for as long as the purpose lasts (said in ``starts``)
    starts: str  # the event the period runs from
    enforced_by: str  # e.g. "DynamoDB TTL on expires_at", or "not yet enforced" (honest)


@dataclass(frozen=True)
class Holding:
    """One kind of record that holds personal data."""

    name: str
    table: str  # the settings field naming its table
    fields: tuple[str, ...]  # the attributes that are personal data
    lookup: str  # how one person's records are found, without a Scan
    erasure: Erasure
    retention: Retention


@dataclass(frozen=True)
class Person:
    """Whose data: a verified email address."""

    email: str


@dataclass(frozen=True)
class Found:
    """One record held about a person: which holding, its key, and the personal data in it."""

    holding: str
    key: str
    data: dict[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class Erased:
    """What an erasure did, by holding; ``kept`` lists records that must be ended first, and why."""

    counts: dict[str, int] = field(default_factory=dict)
    kept: list[tuple[str, str]] = field(default_factory=list)  # (key, reason)


class PersonalDataMap(Protocol):
    """What each capability implements."""

    @property
    def capability(self) -> str:
        """The capability's name."""

    @property
    def holdings(self) -> tuple[Holding, ...]:
        """Every kind of record it keeps that holds personal data."""

    def find(self, person: Person) -> list[Found]:
        """Every record of this capability about ``person`` (Queries on person indexes, never a Scan)."""

    def erase(self, person: Person, now: datetime) -> Erased:
        """Erase ``person`` from this capability's records, as each holding declares."""
