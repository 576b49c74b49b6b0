"""Figure 5a: the workshop use cases' DynamoDB calls per request (moto in process with tools.moto_patches)."""

from __future__ import annotations

import datetime as _dt
import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tools.bench.common import ADMIN, READER, Context, UseCase, bench_environment, run_worker, verdict
from tools.bench.serving import in_process_app, install_counter, send, serve, table_lines

LA_ORG = "E09000033"  # Westminster, in the seeded directory
REGISTER_GOAL = "1 TransactWriteItems + <=1 read"
NO_SCAN = "no Scan (calls: information)"


def _register_meets(calls: list[str]) -> bool:
    """Exactly one TransactWriteItems and at most one read, which is a TransactGetItems."""
    others = [c for c in calls if c != "TransactWriteItems"]
    return calls.count("TransactWriteItems") == 1 and len(others) <= 1 and all(c == "TransactGetItems"
                                                                               for c in others)


def workshop_body(title: str, allocations: tuple[int, int, int], days_ahead: int = 30) -> dict[str, Any]:
    """A workshop as an admin schedules it (three sessions, registration open now)."""
    from datetime import timedelta

    now = _dt.datetime.now(_dt.timezone.utc)
    start = (now + timedelta(days=days_ahead)).date()
    la, cafcass, adcs = allocations
    return {
        "title": title, "description": "Bench workshop", "host_org": LA_ORG, "region": "london",
        "venue": "Civic Centre, Room 2",
        "sessions": [{"date": str(start), "start": "09:30", "end": "16:30"},
                     {"date": str(start + timedelta(days=1)), "start": "09:30", "end": "16:30"},
                     {"date": str(start + timedelta(days=8)), "start": "09:30", "end": "13:00"}],
        "places": {"capacity": la + cafcass + adcs,
                   "allocations": {"la-social-worker": la, "cafcass": cafcass, "adcs-partner": adcs}},
        "registration_opens_at": (now - timedelta(days=1)).isoformat(),
        "registration_closes_at": (now + timedelta(days=days_ahead - 2)).isoformat(),
        "cancellation_deadline": (now + timedelta(days=days_ahead - 1)).isoformat(),
    }


def _person(tag: str, organisation: str = LA_ORG, group: str = "la-social-worker") -> dict[str, Any]:
    return {"name": f"Bench Person {tag}", "email": f"bench.{tag}@westminster.example.org",
            "organisation": organisation, "group": group, "job_title": "Social worker",
            "access_needs": "Hearing loop", "dietary_needs": "Vegan"}


def _admin_call(ctx: Context, method: str, path: str, body: Any = None) -> Any:
    """An uncounted admin request of a setup or a detail."""
    response = send(ctx.http, method, path, ctx.token_for(ADMIN), body)
    if response.status_code >= 300:
        raise RuntimeError(f"{method} {path}: HTTP {response.status_code} {response.body[:200]!r}")
    return json.loads(response.body) if response.body else None


WS_CREATE = "POST /workshops (admin create)"
WS_REGISTER = "POST /workshops/{id}/registrations"


def _ws_id(ctx: Context) -> str:
    return str(ctx.json(WS_CREATE)["id"])


def _publish_and_more(ctx: Context) -> None:
    """Publish the created workshop (1 LA place, 1 Cafcass) and 4 more, so the listing has a page to show."""
    _admin_call(ctx, "POST", f"/workshops/{_ws_id(ctx)}/status", {"status": "published"})
    for n in range(4):
        other = _admin_call(ctx, "POST", "/workshops", workshop_body(f"Bench listing {n}", (10, 10, 5), 40 + n))
        _admin_call(ctx, "POST", f"/workshops/{other['id']}/status", {"status": "published"})


def _listed(ctx: Context, response: Any) -> tuple[str, bool]:
    items = json.loads(response.body)["items"]
    return f"{len(items)} workshops on the page", _ws_id(ctx) in [w["id"] for w in items]


def _registered_as(expected: str) -> Callable[[Context, Any], tuple[str, bool]]:
    def detail(ctx: Context, response: Any) -> tuple[str, bool]:
        body = json.loads(response.body)
        position = f", position {body['waiting_position']}" if body.get("waiting_position") else ""
        return f"{body.get('status')}{position}", body.get("status") == expected
    return detail


def _cancel_path(ctx: Context) -> str:
    return f"/workshops/{_ws_id(ctx)}/registrations/{ctx.json(WS_REGISTER + ' (place free)')['id']}"


def _cancelled_and_promoted(ctx: Context, response: Any) -> tuple[str, bool]:
    status = json.loads(response.body).get("status")
    waiter = ctx.json(WS_REGISTER + " (waiting list)")["id"]
    promoted = _admin_call(ctx, "GET", f"/workshops/{_ws_id(ctx)}/registrations/{waiter}")["status"]
    return f"{status}; the waiting person is now {promoted}", status == "cancelled" and promoted == "confirmed"


def _exported(ctx: Context, response: Any) -> tuple[str, bool]:
    lines = response.body.decode("utf-8").lstrip("\ufeff").splitlines()
    return f"{len(lines) - 1} rows + header", len(lines) - 1 == 2


WORKSHOP_USE_CASES: list[UseCase] = [
    UseCase(WS_CREATE, method="POST", path="/workshops", role=ADMIN, status=201, max_calls=None,
            body=lambda ctx: workshop_body("Bench workshop", (1, 1, 0)), goal=NO_SCAN),
    UseCase("GET /workshops (upcoming, limit 20)", path="/workshops?limit=20", role=READER, max_calls=None,
            setup=_publish_and_more, detail=_listed, goal=NO_SCAN),
    UseCase(WS_REGISTER + " (place free)", method="POST", role=ADMIN, status=201, max_calls=None,
            path=lambda ctx: f"/workshops/{_ws_id(ctx)}/registrations", body=_person("a"),
            goal=REGISTER_GOAL, meets=_register_meets, detail=_registered_as("confirmed")),
    UseCase(WS_REGISTER + " (waiting list)", method="POST", role=ADMIN, status=201, max_calls=None,
            path=lambda ctx: f"/workshops/{_ws_id(ctx)}/registrations", body=_person("b"),
            goal=REGISTER_GOAL, meets=_register_meets, detail=_registered_as("waiting")),
    UseCase("DELETE /workshops/{id}/registrations/{rid} (promotes)", method="DELETE", role=ADMIN, max_calls=None,
            path=_cancel_path, detail=_cancelled_and_promoted, goal=NO_SCAN),
    UseCase("GET /workshops/{id}/registrations.csv", role=ADMIN, max_calls=None,
            path=lambda ctx: f"/workshops/{_ws_id(ctx)}/registrations.csv", detail=_exported, goal=NO_SCAN),
]


def workshops_worker(out: Path) -> None:
    """Child process (5a): moto in process with tools.moto_patches, provision, serve the workshop use cases."""
    counter = install_counter()
    started = time.perf_counter()
    with in_process_app(patched=True) as ctx:
        setup_s = time.perf_counter() - started
        rows = serve(ctx, WORKSHOP_USE_CASES, counter)
    out.write_text(json.dumps({"rows": rows, "setup_s": setup_s}))


def section_workshops() -> None:
    """Figure 5a: the workshop capability's DynamoDB calls per request (5b is :mod:`tools.bench.http`)."""
    print("\n5. Workshops")
    print("\n5a. DynamoDB calls per request (chalice.test.Client, moto in process with tools.moto_patches,"
          " same provisioning as 2./3.)")
    result, wall, _ = run_worker("workshops", bench_environment(), timeout=300)
    if result is None:
        return
    print(f"   process wall {wall:.1f} s (moto, tables, Cognito, reference data: {result['setup_s']:.1f} s)")
    w = max(len(uc.name) for uc in WORKSHOP_USE_CASES) + 1
    print(f"   {'use case':{w}} {'HTTP':>4} {'calls':>5}  {'operations':44} {'goal':31} result  [outcome]")
    lines = table_lines(result["rows"], WORKSHOP_USE_CASES)
    register_ok = []
    for line in lines:
        uc, extra = line.uc, line.extra
        ok = line.row["status"] == uc.status and not line.has_scan and line.row.get("detail_ok", True)
        if uc.meets is not None:
            ok = ok and uc.meets(line.calls)
            register_ok.append(ok)
        if line.row.get("detail"):
            extra += f"  [{line.row['detail']}]"
        print(f"   {uc.name:{w}} {line.status:>4} {len(line.calls):>5}  {line.ops:44} {uc.goal:31}"
              f" {verdict(ok)}{extra}")
    scans = [line.uc.name for line in lines if line.has_scan]
    all_ok = bool(register_ok) and all(register_ok)
    print(f"   >> register: goal {REGISTER_GOAL} (the read a TransactGetItems): "
          f"{sum(register_ok)}/{len(register_ok)} use cases meet it   {verdict(all_ok)}")
    print(f"   >> Scan on a workshop request: {', '.join(scans) if scans else 'none'}   goal: none"
          f"   {verdict(not scans)}")
