"""The pure rules of handing a place on (issue 9, section 2): whose address may take it, and how often it
may pass along one chain."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timezone

import pytest

from chalicelib.workshops.domain.registrations import (
    MAX_HAND_ONS,
    HandOnLimitReached,
    Registrant,
    Registration,
    address_domain,
    check_hand_on,
    colleague_domain_allowed,
)
from chalicelib.workshops.domain.rules import Group, RegistrationStatus

DOMAINS = frozenset({"westminster.gov.uk", "rbkc.gov.uk"})


def test_address_domain_is_lower_case() -> None:
    assert address_domain(" Sam.Taylor@Westminster.GOV.uk ") == "westminster.gov.uk"


@pytest.mark.parametrize("email, allowed", [
    ("alex@westminster.gov.uk", True), ("alex@RBKC.gov.uk", True),
    ("alex@mail.westminster.gov.uk", False),  # a subdomain is another domain
    ("alex@westminster.gov.uk.evil.example", False), ("alex@evilwestminster.gov.uk", False),
    ("alex@example.org", False),  # even the original attendee's own domain, once domains are recorded
])
def test_with_domains_recorded_only_those_domains(email: str, allowed: bool) -> None:
    assert colleague_domain_allowed(email, DOMAINS, "sam@example.org") is allowed


@pytest.mark.parametrize("email, allowed", [("jo@lbbd.example.org", True), ("jo@LBBD.example.org", True),
                                            ("jo@other.example.org", False), ("jo@example.org", False)])
def test_without_domains_the_original_attendees_domain(email: str, allowed: bool) -> None:
    assert colleague_domain_allowed(email, frozenset(), "pat@lbbd.example.org") is allowed


def _place(hand_ons: int) -> Registration:
    who = Registrant(name="Sam", email="sam@westminster.gov.uk", organisation="E09000033",
                     group=Group.LA_SOCIAL_WORKER, job_title="Social worker")
    return Registration(id="r", workshop_id="w", status=RegistrationStatus.CONFIRMED, registrant=who,
                        created_at=datetime(2027, 1, 1, tzinfo=timezone.utc), created_by="u")


def test_a_place_passes_on_twice_then_only_by_an_admin() -> None:
    assert MAX_HAND_ONS == 2
    assert check_hand_on(_place(0), by_admin=False) == 1
    assert check_hand_on(replace(_place(0), hand_ons=1), by_admin=False) == 2
    with pytest.raises(HandOnLimitReached) as info:
        check_hand_on(replace(_place(0), hand_ons=2), by_admin=False)
    assert info.value.code == "substitution_limit_reached"
    assert check_hand_on(replace(_place(0), hand_ons=2), by_admin=True) == 3
