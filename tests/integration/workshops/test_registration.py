"""Workshop registration with DynamoDB and SES in moto: places per group, the organisation cap, the waiting
list, cancellation with promotion, substitution, duplicates and the emails each step queues."""

from __future__ import annotations

import json
from datetime import date, datetime, timezone

import pytest

from chalicelib.core.auth.caller import Caller, Role
from chalicelib.core.errors import Conflict, InvalidInput, PermissionDenied
from chalicelib.mail.store.outbox import OutboxRecord
from chalicelib.workshops.domain.errors import AlreadyRegistered
from chalicelib.workshops.domain.registrations import Colleague, Registrant
from chalicelib.workshops.domain.rules import (
    Group,
    Workshop,
)
from chalicelib.workshops.services import cancel, promote, register, substitute, views
from chalicelib.workshops.services import scheduling as scheduling
from chalicelib.workshops.store import registrations as regs
from chalicelib.workshops.store import workshops as store
from tests.integration.builders import published_workshop

ADMIN = Caller(id="admin-1", roles=frozenset({Role.CAFCASS_ADMIN}), organisation="CAFCASS",
               email="cafcass.admin@example.org")
NOW = datetime(2027, 1, 10, 9, 0, tzinfo=timezone.utc)


def make_workshop(capacity=(2, 1, 1), org_cap=None, release_days=None, start=date(2027, 3, 1)) -> Workshop:
    return published_workshop(ADMIN, capacity, days=(0, 1, 8), org_cap=org_cap, release_days=release_days,
                              start=start)


def person(n: int, org: str = "E09000033", group: Group = Group.LA_SOCIAL_WORKER) -> Registrant:
    return Registrant(name=f"Person {n}", email=f"person{n}@example.org", organisation=org, group=group,
                              job_title="Social worker", access_needs="Step-free access", dietary_needs="None")


def queued(workshop_id: str | None = None) -> list[tuple[str, str]]:
    """(template, recipient) of every queued message, oldest first."""
    items = sorted(OutboxRecord.scan(), key=lambda r: r.created_at)
    return [(r.template, r.recipient) for r in items
            if workshop_id is None or workshop_id in (r.context + (r.invitation or ""))
            or r.template.startswith("workshop") or r.template == "registration_cancelled"]


@pytest.fixture()
def clean_mail(mail):
    return mail


def test_places_per_group_then_the_waiting_list_in_order(clean_mail):
    w = make_workshop(capacity=(2, 1, 1))
    first = register.register(ADMIN, w.id, person(1), now=NOW)
    second = register.register(ADMIN, w.id, person(2), now=NOW)
    third = register.register(ADMIN, w.id, person(3), now=NOW)
    fourth = register.register(ADMIN, w.id, person(4), now=NOW)
    statuses = [o.registration.status for o in (first, second, third, fourth)]
    assert statuses == ["confirmed", "confirmed", "waiting", "waiting"]
    assert (third.position, fourth.position) == (1, 2)
    cafcass = register.register(ADMIN, w.id, person(5, "CAFCASS", Group.CAFCASS), now=NOW)
    assert cafcass.registration.status == "confirmed"  # the LA group is full, not the workshop
    state = store.get(w.id, consistent=True)
    assert state.confirmed == {Group.LA_SOCIAL_WORKER: 2, Group.CAFCASS: 1, Group.ADCS_PARTNER: 0}
    assert state.waiting[Group.LA_SOCIAL_WORKER] == 2
    templates = [t for t, _ in queued()]
    assert templates.count("workshop_confirmation") == 3 and templates.count("workshop_waiting") == 2
    waiting_mail = next(json.loads(r.context) for r in OutboxRecord.scan() if r.template == "workshop_waiting"
                        and r.recipient == "person4@example.org")
    assert waiting_mail["position"] == 2


def test_a_second_registration_is_409_with_the_existing_one(clean_mail):
    w = make_workshop()
    first = register.register(ADMIN, w.id, person(10), now=NOW)
    with pytest.raises(AlreadyRegistered) as err:
        register.register(ADMIN, w.id, person(10), now=NOW)
    assert err.value.registration.id == first.registration.id
    assert store.get(w.id, consistent=True).confirmed_total == 1


def test_cancelling_gives_the_place_to_the_first_eligible_person_waiting(clean_mail):
    w = make_workshop(capacity=(1, 1, 1))
    a = register.register(ADMIN, w.id, person(20), now=NOW)
    b = register.register(ADMIN, w.id, person(21), now=NOW)
    c = register.register(ADMIN, w.id, person(22), now=NOW)
    assert (b.position, c.position) == (1, 2)
    cancel.cancel(ADMIN, w.id, a.registration.id, now=NOW)
    assert regs.get(w.id, a.registration.id).status == "cancelled"
    assert regs.get(w.id, b.registration.id).status == "confirmed"
    assert views.get_registration(ADMIN, w.id, c.registration.id).position == 1
    state = store.get(w.id, consistent=True)
    assert state.confirmed[Group.LA_SOCIAL_WORKER] == 1 and state.waiting[Group.LA_SOCIAL_WORKER] == 1
    templates = queued()
    assert ("registration_cancelled", "person20@example.org") in templates
    assert ("workshop_promoted", "person21@example.org") in templates


def test_the_organisation_cap_skips_people_whose_organisation_is_full(clean_mail):
    w = make_workshop(capacity=(3, 0, 0), org_cap=1)
    a = register.register(ADMIN, w.id, person(30, "E09000033"), now=NOW)
    b = register.register(ADMIN, w.id, person(31, "E09000033"), now=NOW)  # cap: waits although places are free
    c = register.register(ADMIN, w.id, person(32, "E09000001"), now=NOW)
    statuses = (a.registration.status, b.registration.status, c.registration.status)
    assert statuses == ("confirmed", "waiting", "confirmed")
    assert b.reason == "org_cap"
    cancel.cancel(ADMIN, w.id, a.registration.id, now=NOW)  # frees Westminster's place: b gets it
    assert regs.get(w.id, b.registration.id).status == "confirmed"


def test_released_places_go_to_anyone(clean_mail):
    w = make_workshop(capacity=(1, 1, 0), release_days=30)
    register.register(ADMIN, w.id, person(40), now=NOW)
    before = register.register(ADMIN, w.id, person(41), now=NOW)
    assert before.registration.status == "waiting"  # the LA group is full and places are not released yet
    after_release = datetime(2027, 2, 1, tzinfo=timezone.utc)  # within 30 days of 1 March
    assert promote.fill_freed_places(w.id, after_release) == 1
    assert regs.get(w.id, before.registration.id).status == "confirmed"  # took the unfilled Cafcass place


def test_leaving_the_waiting_list(clean_mail):
    w = make_workshop(capacity=(1, 0, 0))
    register.register(ADMIN, w.id, person(50), now=NOW)
    b = register.register(ADMIN, w.id, person(51), now=NOW)
    cancel.cancel(ADMIN, w.id, b.registration.id, now=NOW)
    assert regs.get(w.id, b.registration.id).status == "left_waiting_list"
    assert store.get(w.id, consistent=True).waiting_total == 0
    assert regs.waiting_list(w.id) == []
    again = register.register(ADMIN, w.id, person(51), now=NOW)  # may register again after leaving
    assert again.registration.status == "waiting" and again.position == 1


def test_self_registration_must_match_the_token(clean_mail):
    w = make_workshop()
    worker = Caller(id="sw", roles=frozenset({Role.LA_SOCIAL_WORKER}), organisation="E09000033",
                    email="person60@example.org")
    assert register.register(worker, w.id, person(60), now=NOW).registration.status == "confirmed"
    with pytest.raises(PermissionDenied):
        register.register(worker, w.id, person(61), now=NOW)  # someone else
    other_org = Caller(id="sw2", roles=frozenset({Role.LA_SOCIAL_WORKER}), organisation="E09000001",
                       email="person62@example.org")
    with pytest.raises(InvalidInput) as err:
        register.register(other_org, w.id, person(62, "E09000033"), now=NOW)
    assert err.value.field == "organisation"
    with pytest.raises(InvalidInput) as err:
        register.register(other_org, w.id, person(62, "E09000001", Group.CAFCASS), now=NOW)
    assert err.value.field == "group"


def test_substitution_hands_the_place_to_a_colleague(clean_mail):
    w = make_workshop(capacity=(1, 0, 0))
    a = register.register(ADMIN, w.id, person(70), now=NOW)
    # Westminster's people are at westminster.gov.uk in the directory: the colleague must be too
    colleague = Colleague(name="Person 71", email="person71@westminster.gov.uk", job_title="Social worker")
    sub = substitute.substitute(ADMIN, w.id, a.registration.id, colleague, now=NOW)
    assert sub.registration.status == "confirmed" and sub.registration.substitute_for == a.registration.id
    assert regs.get(w.id, a.registration.id).end_reason == "substituted"
    assert store.get(w.id, consistent=True).confirmed_total == 1
    templates = queued()
    assert ("workshop_confirmation", "person71@westminster.gov.uk") in templates
    assert ("registration_cancelled", "person70@example.org") in templates
    assert sub.registration.organisation == a.registration.organisation
    assert sub.registration.group is Group.LA_SOCIAL_WORKER
    with pytest.raises(InvalidInput) as err:  # handing a place to oneself
        substitute.substitute(ADMIN, w.id, sub.registration.id, colleague, now=NOW)
    assert err.value.code == "same_person"


def test_registration_window_and_status(clean_mail):
    w = make_workshop()
    with pytest.raises(Conflict) as err:
        register.register(ADMIN, w.id, person(80), now=datetime(2026, 12, 1, tzinfo=timezone.utc))
    assert err.value.code == "registration_not_open"
    with pytest.raises(Conflict) as err:
        register.register(ADMIN, w.id, person(80), now=datetime(2027, 2, 21, tzinfo=timezone.utc))
    assert err.value.code == "registration_closed"


def test_people_cannot_cancel_after_the_deadline_but_admins_can(clean_mail):
    w = make_workshop()
    me = Caller(id="sw", roles=frozenset({Role.LA_SOCIAL_WORKER}), organisation="E09000033",
                email="person90@example.org")
    r = register.register(me, w.id, person(90), now=NOW)
    late = datetime(2027, 2, 26, tzinfo=timezone.utc)
    with pytest.raises(Conflict) as err:
        cancel.cancel(me, w.id, r.registration.id, now=late)
    assert err.value.code == "cancellation_deadline_passed"
    assert cancel.cancel(ADMIN, w.id, r.registration.id, now=late).registration.status == "cancelled"
