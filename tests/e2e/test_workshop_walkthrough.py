"""The README's walk-through, over HTTP against the stack `make run` starts: create a workshop, register
three people into two places, see the waiting list and the emails, cancel one and see the promotion."""

from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone
from email import policy
from email.parser import BytesParser
from pathlib import Path


def _mails(stack) -> dict[str, list[str]]:
    """Subjects of the .eml files sent so far, by recipient."""
    by_to: dict[str, list[str]] = {}
    for path in Path(stack.env["LOCAL_MAIL_DIR"]).glob("*.eml"):
        msg = BytesParser(policy=policy.default).parsebytes(path.read_bytes())
        by_to.setdefault(str(msg["To"]), []).append(str(msg["Subject"]))
    return by_to


def _wait_for(predicate, timeout: float = 20.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.25)
    raise AssertionError("timed out")


def test_the_walkthrough(api, stack):
    admin = api.token("cafcass-admin")
    start = (datetime.now(timezone.utc) + timedelta(days=30)).date()
    workshop = api.request("POST", "/workshops", token=admin, body={
        "title": "Walk-through workshop", "description": "Two places only", "host_org": "E09000033",
        "region": "london", "venue": "Civic Centre",
        "sessions": [{"date": str(start), "start": "09:30", "end": "16:30"},
                     {"date": str(start + timedelta(days=1)), "start": "09:30", "end": "16:30"},
                     {"date": str(start + timedelta(days=7)), "start": "09:30", "end": "13:00"}],
        "places": {"capacity": 2, "allocations": {"la-social-worker": 2, "cafcass": 0, "adcs-partner": 0}},
        "registration_opens_at": datetime.now(timezone.utc).isoformat(),
        "registration_closes_at": (datetime.now(timezone.utc) + timedelta(days=25)).isoformat(),
        "cancellation_deadline": (datetime.now(timezone.utc) + timedelta(days=28)).isoformat()})
    assert workshop.status == 201, workshop.body
    wid = workshop.json()["id"]
    assert api.request("POST", f"/workshops/{wid}/status", token=admin, body={"status": "published"}).status == 200

    people = []
    for name in ("Ann", "Bob", "Cat"):
        resp = api.request("POST", f"/workshops/{wid}/registrations", token=admin, body={
            "name": f"{name} Example", "email": f"{name.lower()}@westminster.example.org",
            "organisation": "E09000033", "group": "la-social-worker", "job_title": "Social worker"})
        assert resp.status == 201, resp.body
        people.append(resp.json())
    assert [p["status"] for p in people] == ["confirmed", "confirmed", "waiting"]
    assert people[2]["waiting_position"] == 1

    # A social worker sees the workshop, its places, and their own registrations.
    worker = api.token("la-social-worker")
    listed = api.request("GET", "/workshops?region=london", token=worker).json()["items"]
    seen = next(w for w in listed if w["id"] == wid)
    assert seen["places_left"] == 0 and seen["groups"]["la-social-worker"]["waiting"] == 1

    _wait_for(lambda: len(_mails(stack).get("cat@westminster.example.org", [])) == 1)
    mails = _mails(stack)
    assert mails["ann@westminster.example.org"] == ["Your place is confirmed: Walk-through workshop"]
    assert mails["cat@westminster.example.org"] == ["You are on the waiting list: Walk-through workshop"]

    cancelled = api.request("DELETE", f"/workshops/{wid}/registrations/{people[0]['id']}", token=admin)
    assert cancelled.status == 200 and cancelled.json()["status"] == "cancelled"
    cat = api.request("GET", f"/workshops/{wid}/registrations/{people[2]['id']}", token=admin).json()
    assert cat["status"] == "confirmed"
    # Both emails are queued by the cancellation's transaction; the sender may send them in either order.
    _wait_for(lambda: len(_mails(stack).get("cat@westminster.example.org", [])) == 2
              and len(_mails(stack).get("ann@westminster.example.org", [])) == 2)
    assert "A place has come free for you: Walk-through workshop" in _mails(stack)["cat@westminster.example.org"]
    assert "Your place has been cancelled: Walk-through workshop" in _mails(stack)["ann@westminster.example.org"]

    export = api.request("GET", f"/workshops/{wid}/registrations.csv", token=admin)
    assert export.status == 200 and export.body.decode("utf-8-sig").splitlines()[0].startswith('"registration_id",')


def test_the_demo_workshop_is_there(api):
    listed = api.request("GET", "/workshops?region=west-midlands", token=api.token("la-social-worker")).json()
    assert any(w["title"].endswith("(demo)") and w["capacity"] == 28 for w in listed["items"])
