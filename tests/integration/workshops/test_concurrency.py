"""Concurrent registrations and cancellations never overbook, never give a place twice and never lose one.

Each scenario runs in a subprocess against a moto server that applies requests one at a time (see
tests/integration/concurrency.py): DynamoDB applies each conditional write atomically, and so does this."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]


def run(scenario: str) -> dict:
    env = {k: v for k, v in os.environ.items() if k != "AWS_ENDPOINT_URL"}
    env.update(PYTHONPATH=str(ROOT), LOG_LEVEL="WARNING")
    done = subprocess.run([sys.executable, "-m", "tests.integration.concurrency", scenario], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=240, check=False)
    lines = [line for line in done.stdout.splitlines() if line.startswith("RESULT ")]
    assert done.returncode == 0 and lines, done.stderr[-3000:]
    return json.loads(lines[-1][len("RESULT "):])


def _consistent(facts: dict) -> None:
    """The counters on the workshop item, the organisation items and the registrations all agree."""
    counters = facts["counters"]
    assert counters["confirmed"] == {g: facts["confirmed_by_group"].get(g, 0) for g in counters["confirmed"]}
    assert sum(counters["waiting"].values()) == facts["by_status"].get("waiting", 0) == facts["waiting_items"]
    assert facts["waiting_registrations"] == facts["waiting_entry_ids"]  # every waiting person has an entry
    assert {o: n for o, n in facts["org_counters"].items() if n} == facts["confirmed_by_org"]
    for group, positions in facts["positions"].items():  # the waiting list is in order: 1, 2, 3... per group
        assert positions == list(range(1, len(positions) + 1)), group
    assert facts["most_mails_of_one_kind_to_one_person"] == 1  # nobody told twice
    assert set(facts["confirmed_emails"]) <= set(facts["confirmations_to"])  # everyone placed was told


@pytest.fixture(scope="module")
def registrations_race() -> dict:
    return run("registrations")


def test_300_concurrent_registrations_fill_exactly_the_30_places(registrations_race):
    facts = registrations_race
    assert facts["errors"] == []
    assert facts["by_status"] == {"confirmed": 30, "waiting": 270}
    assert facts["confirmed_by_group"] == {"la-social-worker": 12, "cafcass": 12, "adcs-partner": 6}
    la_orgs = {o: n for o, n in facts["confirmed_by_org"].items() if o.startswith("E")}
    assert max(la_orgs.values()) <= 2  # the cap per local authority held
    assert facts["mail"] == {"workshop_confirmation": 30, "workshop_waiting": 270}
    _consistent(facts)


def test_a_race_for_the_last_places_of_a_group_never_overbooks_the_group():
    facts = run("group")
    assert facts["errors"] == []
    assert facts["by_status"] == {"confirmed": 10, "waiting": 90}
    assert facts["confirmed_by_group"] == {"la-social-worker": 10}
    _consistent(facts)


def test_concurrent_cancellations_and_registrations_neither_lose_nor_duplicate_a_place():
    facts = run("cancellations")
    assert facts["errors"] == []
    assert sum(facts["counters"]["confirmed"].values()) == facts["capacity"] == 15  # still full: no place lost
    assert facts["by_status"]["cancelled"] == 8
    assert facts["mail"]["workshop_promoted"] == 8  # each freed place went to exactly one person waiting
    assert facts["mail"]["registration_cancelled"] == 8
    _consistent(facts)
