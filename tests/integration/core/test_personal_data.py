"""The personal-data map: each capability finds one person's records without a Scan and erases them as
it declares (workshops: registrations anonymised, guards dropped; mail: messages deleted, suppressions
anonymised but still in force)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from chalicelib.core.auth.caller import Caller, Role
from chalicelib.core.dynamo.model import connection
from chalicelib.core.personal_data import Erasure, Person
from chalicelib.core.settings import get_settings
from chalicelib.mail.store import suppressions
from chalicelib.personal_data import all_maps
from chalicelib.workshops.domain.registrations import Registrant
from chalicelib.workshops.domain.rules import Group, Workshop
from chalicelib.workshops.services import cancel, register
from chalicelib.workshops.store import registrations as regs
from tests.integration.builders import published_workshop

ADMIN = Caller(id="admin-pd", roles=frozenset({Role.CAFCASS_ADMIN}), organisation="CAFCASS",
               email="pd.admin@example.org")
NOW = datetime(2027, 1, 10, 9, 0, tzinfo=timezone.utc)
MAPS = {m.capability: m for m in all_maps()}


def workshop(title: str) -> Workshop:
    return published_workshop(ADMIN, (4, 0, 0), title=title)


def person(email: str) -> Registrant:
    return Registrant(name="Alex Subject", email=email, organisation="E09000033", group=Group.LA_SOCIAL_WORKER,
                      job_title="Social worker", access_needs="Hearing loop", dietary_needs="Vegan")


@pytest.fixture()
def calls() -> Iterator[list[str]]:
    """Every DynamoDB operation the service's client makes while the test runs."""
    seen: list[str] = []

    def record(model: Any, **_: Any) -> None:
        seen.append(model.name)

    client = connection().client
    client.meta.events.register("before-call.dynamodb.*", record)
    yield seen
    client.meta.events.unregister("before-call.dynamodb.*", record)


@pytest.fixture()
def subject(mail: Any) -> dict[str, str]:
    """A person with an ended and an active registration, their emails, a bounce and an unsubscribe; and
    someone else, who must not be touched."""
    run = uuid.uuid4().hex[:8]  # the tables live for the whole session: each test has its own people
    email = f"alex.subject.{run}@example.org"
    ended, active = workshop("Ended"), workshop("Active")
    gone = register.register(ADMIN, ended.id, person(email), now=NOW).registration
    cancel.cancel(ADMIN, ended.id, gone.id, now=NOW)
    held = register.register(ADMIN, active.id, person(email), now=NOW).registration
    register.register(ADMIN, active.id, person(f"someone.else.{run}@example.org"), now=NOW)
    suppressions.add(email, suppressions.ALL, "bounce", NOW)
    suppressions.add(email, suppressions.list_scope("practice-notes"), "unsubscribe", NOW)
    return {"email": email, "other": f"someone.else.{run}@example.org", "ended": f"{ended.id}/{gone.id}",
            "active": f"{active.id}/{held.id}", "ended_workshop": ended.id, "ended_id": gone.id}


def test_every_holding_declares_fields_lookup_erasure_and_retention() -> None:
    assert set(MAPS) == {"mail", "workshops"}
    for pd in MAPS.values():
        for holding in pd.holdings:
            assert holding.fields and holding.lookup and isinstance(holding.erasure, Erasure)
            assert getattr(get_settings(), holding.table)  # a real table of this deployment
            assert holding.retention.starts and holding.retention.enforced_by


def test_find_returns_the_persons_records_only_without_a_scan(subject: dict[str, str], calls: list[str]) -> None:
    found = {c: m.find(Person(subject["email"])) for c, m in MAPS.items()}
    registrations = {f.key: f for f in found["workshops"]}
    assert set(registrations) == {subject["ended"], subject["active"]}
    assert registrations[subject["active"]].data["access_needs"] == "Hearing loop"
    mail = found["mail"]
    messages = [f for f in mail if f.holding == "outgoing email"]
    assert {f.data["template"] for f in messages} == {"workshop_confirmation", "registration_cancelled"}
    assert all(f.data["to"] == subject["email"] for f in messages)
    scopes = sorted(f.data["scope"] for f in mail if f.holding == "email suppression")
    assert scopes == ["all", "list:practice-notes"]
    assert "Scan" not in calls and "Query" in calls


def test_erase_anonymises_ended_registrations_and_keeps_active_ones(subject: dict[str, str], calls: list[str]) -> None:
    result = MAPS["workshops"].erase(Person(subject["email"]), NOW + timedelta(days=1))
    assert result.counts == {"workshop registration": 1}
    assert result.kept == [(subject["active"], "active: cancel the registration first")]
    erased = regs.get(subject["ended_workshop"], subject["ended_id"])
    assert erased.name == "[erased]" and subject["email"] not in erased.email
    assert erased.registrant.access_needs is None and erased.registrant.dietary_needs is None
    assert erased.status.value == "cancelled"  # the workshop's figures keep the registration
    assert regs.existing_for(subject["ended_workshop"], subject["email"]) is None  # the guard is gone
    assert [f.key for f in MAPS["workshops"].find(Person(subject["email"]))] == [subject["active"]]
    assert "Scan" not in calls


def test_erase_deletes_messages_and_keeps_suppressions_in_force_without_the_address(
        subject: dict[str, str], calls: list[str]) -> None:
    result = MAPS["mail"].erase(Person(subject["email"]), NOW)
    assert result.counts == {"outgoing email": 3, "email suppression": 2}  # two confirmations, a cancellation
    assert MAPS["mail"].find(Person(subject["email"])) == []
    assert suppressions.suppressed_reason(subject["email"], None) == "bounce"  # still never mailed
    listed = suppressions.list_page(100, None).items
    assert not [s for s in listed if s.address == subject["email"]]
    assert "Scan" not in calls


def test_someone_elses_records_are_untouched(subject: dict[str, str]) -> None:
    for pd in MAPS.values():
        pd.erase(Person(subject["email"]), NOW)
    others = MAPS["workshops"].find(Person(subject["other"]))
    assert len(others) == 1 and others[0].data["name"] == "Alex Subject"
    assert [f.data["template"] for f in MAPS["mail"].find(Person(subject["other"]))] == [
        "workshop_confirmation"]
