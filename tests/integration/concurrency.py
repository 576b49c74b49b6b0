"""Concurrency scenarios, run in a subprocess against a moto *server* whose requests are applied one at a
time (``tools.embedded_aws``): DynamoDB applies each conditional write atomically, and so does this, so a
failure here is the service's logic, not the emulator. (In-process moto is not linearisable under threads.)

``python -m tests.integration.concurrency <scenario>`` prints one JSON line of facts for the test to check.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime, timedelta, timezone
from datetime import time as clock
from typing import Any

from tools.provision import emulator_environment

NOW = datetime(2027, 1, 10, 9, 0, tzinfo=timezone.utc)
THREADS = int(os.environ.get("CONCURRENCY_THREADS", "24"))


def _setup() -> subprocess.Popen[str]:
    """A serialised moto server in its own process: the client threads here and the server each get a core."""
    aws = subprocess.Popen([sys.executable, "-m", "tools.embedded_aws"], stdout=subprocess.PIPE, text=True)
    endpoint = aws.stdout.readline().strip() if aws.stdout else ""
    os.environ.update(emulator_environment(endpoint))
    os.environ.update({"STAGE": "concurrency", "LINK_SIGNING_KEY": "concurrency-test-key-0123456789abcdef",
                       "SES_SENDER": "partnerships@cafcass.test"})
    from tools.provision import provision

    provision()
    return aws


def _workshop(allocations: tuple[int, int, int], org_cap: int | None) -> Any:
    from chalicelib.core.auth.caller import Caller, Role
    from chalicelib.workshops.domain.rules import (
        Group,
        Places,
        Session,
        Workshop,
        WorkshopStatus,
    )
    from chalicelib.workshops.services import scheduling as scheduling

    admin = Caller(id="admin", roles=frozenset({Role.CAFCASS_ADMIN}), organisation="CAFCASS",
                   email="cafcass.admin@example.org")
    la, cafcass, adcs = allocations
    start = date(2027, 3, 1)
    draft = Workshop(
        id="", title="Concurrency", description="x", host_org="E09000033", region="london", venue="Hall",
        online_url=None, sessions=(Session(start, clock(9, 30), clock(16, 30)),),
        places=Places(capacity=sum(allocations), allocations={Group.LA_SOCIAL_WORKER: la, Group.CAFCASS: cafcass,
                                                              Group.ADCS_PARTNER: adcs}, org_cap=org_cap),
        registration_opens_at=NOW - timedelta(days=10), registration_closes_at=NOW + timedelta(days=30),
        cancellation_deadline=NOW + timedelta(days=40))
    created = scheduling.create_workshop(admin, draft, now=NOW)
    return admin, scheduling.set_status(admin, created.id, WorkshopStatus.PUBLISHED, now=NOW)


def _people(n: int) -> list[Any]:
    """A mix of groups; LA social workers from 30 authorities."""
    from chalicelib.workshops.domain.registrations import Registrant
    from chalicelib.workshops.domain.rules import Group

    las = [f"E09{i:06d}" for i in range(1, 31)]
    people = []
    for i in range(n):
        if i % 5 in (0, 1):
            org, group = las[i % len(las)], Group.LA_SOCIAL_WORKER
        elif i % 5 in (2, 3):
            org, group = "CAFCASS", Group.CAFCASS
        else:
            org, group = "ADCS", Group.ADCS_PARTNER
        people.append(Registrant(name=f"P{i}", email=f"p{i}@example.org", organisation=org, group=group,
                                 job_title="x"))
    return people


def _facts(workshop_id: str) -> dict[str, Any]:
    """Everything the test checks, read back from the tables."""
    from chalicelib.mail.store.outbox import OutboxRecord
    from chalicelib.workshops.domain.rules import position
    from chalicelib.workshops.store import registrations as regs
    from chalicelib.workshops.store import workshops as store

    w = store.get(workshop_id, consistent=True)
    records = regs.for_workshop(workshop_id)
    waiting = regs.waiting_list(workshop_id)
    by_status = Counter(r.status.value for r in records)
    confirmed = [r for r in records if r.status == "confirmed"]
    mail = [m for m in OutboxRecord.scan() if m.capability == "workshops"]
    positions: dict[str, list[int]] = {}
    for r in records:
        if r.status == "waiting":
            positions.setdefault(r.group.value, []).append(position(waiting, r.id) or 0)
    return {
        "capacity": w.places.capacity,
        "counters": {"confirmed": {g.value: n for g, n in w.confirmed.items()},
                     "waiting": {g.value: n for g, n in w.waiting.items()}},
        "by_status": dict(by_status),
        "confirmed_by_group": dict(Counter(r.group.value for r in confirmed)),
        "confirmed_by_org": dict(Counter(r.organisation for r in confirmed)),
        "org_counters": regs.org_counts(workshop_id),
        "waiting_items": len(waiting),
        "waiting_registrations": sorted(r.id for r in records if r.status == "waiting"),
        "waiting_entry_ids": sorted(e.registration_id for e in waiting),
        "positions": {g: sorted(p) for g, p in positions.items()},
        "mail": dict(Counter(m.template for m in mail)),
        "most_mails_of_one_kind_to_one_person": max(Counter((m.template, m.recipient) for m in mail).values(),
                                                     default=0),
        "confirmations_to": sorted(m.recipient for m in mail if m.template in ("workshop_confirmation",
                                                                                 "workshop_promoted")),
        "confirmed_emails": sorted(r.email for r in confirmed),
    }


def registrations_race(n: int = 300) -> dict[str, Any]:
    """``n`` people register at once for 30 places (12/12/6) with a cap of 2 per local authority."""
    from chalicelib.workshops.services import register as registering

    admin, w = _workshop((12, 12, 6), org_cap=2)
    people = _people(n)
    started = time.monotonic()
    errors: list[str] = []

    def register(p: Any) -> None:
        try:
            registering.register(admin, w.id, p, now=NOW)
        except Exception as exc:  # record, do not hide: the test fails on any
            errors.append(f"{type(exc).__name__}: {exc}")

    with ThreadPoolExecutor(THREADS) as pool:
        list(pool.map(register, people))
    return {"seconds": round(time.monotonic() - started, 1), "errors": errors, **_facts(w.id)}


def cancellations_race() -> dict[str, Any]:
    """A full workshop with a waiting list; at once: 8 cancellations and 12 new registrations."""
    from chalicelib.workshops.services import cancel as cancelling
    from chalicelib.workshops.services import register as registering
    from chalicelib.workshops.store import registrations as regs

    admin, w = _workshop((6, 6, 3), org_cap=None)
    people = _people(60)
    for p in people[:40]:
        registering.register(admin, w.id, p, now=NOW)
    confirmed = [r for r in regs.for_workshop(w.id) if r.status == "confirmed"][:8]
    newcomers = people[40:52]
    errors: list[str] = []

    def act(item: Any) -> None:
        try:
            if isinstance(item, str):
                cancelling.cancel(admin, w.id, item, now=NOW)
            else:
                registering.register(admin, w.id, item, now=NOW)
        except Exception as exc:
            errors.append(f"{type(exc).__name__}: {exc}")

    # Cancellations and registrations interleaved, so that they overlap in the pool (8 pairs, then 4 newcomers).
    cancellations = [r.id for r in confirmed]
    work: list[Any] = [x for pair in zip(cancellations, newcomers, strict=False) for x in pair]
    work += newcomers[len(cancellations):]
    started = time.monotonic()
    with ThreadPoolExecutor(THREADS) as pool:
        list(pool.map(act, work))
    return {"seconds": round(time.monotonic() - started, 1), "errors": errors,
            "cancelled_ids": sorted(r.id for r in confirmed), **_facts(w.id)}


def group_race(n: int = 100) -> dict[str, Any]:
    """``n`` social workers from the 33 London boroughs (real directory entries) race for a group of 10
    places in a workshop of 20: only the group allocation stands between them and an overbooked group."""
    from chalicelib.workshops.domain.registrations import Registrant
    from chalicelib.workshops.domain.rules import Group
    from chalicelib.workshops.services import register as registering

    admin, w = _workshop((10, 10, 0), org_cap=None)
    people = [Registrant(name=f"G{i}", email=f"g{i}@example.org", organisation=f"E09{(i % 33) + 1:06d}",
                         group=Group.LA_SOCIAL_WORKER, job_title="x") for i in range(n)]
    errors: list[str] = []
    first_wave = threading.Barrier(THREADS)  # the first requests all read "0 places taken" at the same moment

    def register(item: tuple[int, Any]) -> None:
        index, p = item
        if index < THREADS:
            first_wave.wait()
        try:
            registering.register(admin, w.id, p, now=NOW)
        except Exception as exc:
            errors.append(f"{type(exc).__name__}: {exc}")

    started = time.monotonic()
    with ThreadPoolExecutor(THREADS) as pool:
        list(pool.map(register, enumerate(people)))
    return {"seconds": round(time.monotonic() - started, 1), "errors": errors, **_facts(w.id)}


SCENARIOS = {"registrations": registrations_race, "cancellations": cancellations_race, "group": group_race}

if __name__ == "__main__":
    server = _setup()
    try:
        print("RESULT " + json.dumps(SCENARIOS[sys.argv[1]]()))
    finally:
        server.terminate()
        server.wait()
