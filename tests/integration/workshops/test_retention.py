"""Registrations kept no longer than needed (issue 9, section 9), tested by moving the job's clock: people
still waiting when a workshop starts are told and leave the list; access and dietary needs go a week after
the workshop; registrations and feedback are anonymised two years after it, keeping the report's counts; and
admins can read the feedback comments."""

from __future__ import annotations

import json
import uuid
from datetime import timedelta
from typing import Any

from chalicelib.core.auth.caller import Caller, Role
from chalicelib.mail.store.outbox import OutboxRecord
from chalicelib.workshops.domain.registrations import Registrant
from chalicelib.workshops.domain.rules import EndReason, Group, RegistrationStatus, Workshop
from chalicelib.workshops.services import attendance, jobs, register, reports
from chalicelib.workshops.store import registrations as regs
from chalicelib.workshops.store import workshops as store
from tests.integration.builders import NOW, published_workshop

ADMIN = Caller(id="admin-retention", roles=frozenset({Role.CAFCASS_ADMIN}), organisation="CAFCASS",
               email="retention.admin@example.org")


def person(tag: str) -> Registrant:
    return Registrant(name=f"Rae {tag}", email=f"rae.{tag}@example.org", organisation="E09000033",
                      group=Group.LA_SOCIAL_WORKER, job_title="Social worker", access_needs="Wheelchair access",
                      dietary_needs="Halal")


def sent(template: str, to: str) -> int:
    return sum(1 for m in OutboxRecord.scan() if m.template == template and m.recipient == to)


def setup(places: int = 1) -> tuple[Workshop, list[str]]:
    run = uuid.uuid4().hex[:8]
    workshop = published_workshop(ADMIN, (places, 0, 0), title=f"Retention {run}")
    ids = [register.register(ADMIN, workshop.id, person(f"{run}{n}"), now=NOW).registration.id for n in range(2)]
    return workshop, ids


def test_people_still_waiting_when_it_starts_are_told_once_and_leave_the_list(mail: Any) -> None:
    workshop, (placed, waiting) = setup(places=1)
    assert regs.get(workshop.id, waiting).status is RegistrationStatus.WAITING
    jobs.run(workshop.starts_at - timedelta(hours=2))  # before the start: still waiting
    assert regs.get(workshop.id, waiting).status is RegistrationStatus.WAITING
    for _ in range(2):
        jobs.run(workshop.starts_at + timedelta(minutes=30))
    left = regs.get(workshop.id, waiting)
    assert left.status is RegistrationStatus.LEFT_WAITING_LIST and left.end_reason is EndReason.WORKSHOP_STARTED
    assert store.get(workshop.id, consistent=True).waiting_total == 0 and regs.waiting_list(workshop.id) == []
    assert sent("workshop_not_placed", left.email) == 1
    assert regs.get(workshop.id, placed).status is RegistrationStatus.CONFIRMED


def test_needs_go_a_week_after_the_workshop(mail: Any) -> None:
    workshop, (placed, _) = setup(places=2)
    jobs.run(workshop.ends_at + timedelta(days=6))
    assert regs.get(workshop.id, placed).registrant.access_needs == "Wheelchair access"
    jobs.run(workshop.ends_at + timedelta(days=7, hours=1))
    after = regs.get(workshop.id, placed).registrant
    assert after.access_needs is None and after.dietary_needs is None and after.name.startswith("Rae")


def test_registrations_and_feedback_are_anonymised_after_two_years_keeping_the_counts(mail: Any) -> None:
    workshop, (placed, other) = setup(places=2)
    attendance.record_attendance(ADMIN, workshop.id, placed, {"1": "present"}, now=workshop.ends_at)
    from chalicelib.workshops import mail as workshop_mail

    token = workshop_mail.feedback_link(workshop.id, placed).rsplit("/", 1)[1]
    attendance.give_feedback(token, 4, "yes", "Clearer about the court's needs.", now=workshop.ends_at)
    before = reports.figures_for(workshop, workshop.ends_at + timedelta(days=1))
    assert [e.comment for e in reports.feedback(ADMIN, workshop.id)] == ["Clearer about the court's needs."]

    jobs.run(workshop.ends_at + timedelta(days=729))
    assert regs.get(workshop.id, placed).erased_at is None
    jobs.run(workshop.ends_at + timedelta(days=730, hours=1))
    for rid in (placed, other):
        gone = regs.get(workshop.id, rid)
        assert gone.name == "[erased]" and "rae." not in gone.email and gone.erased_at is not None
        assert gone.feedback_comment is None and gone.owner is None
    after = reports.figures_for(store.get(workshop.id), workshop.ends_at + timedelta(days=731))
    assert (after.places_filled, after.attended, after.feedback_responses, after.rating_total,
            after.changed_practice) == (before.places_filled, before.attended, before.feedback_responses,
                                        before.rating_total, before.changed_practice)


def test_admins_read_feedback_comments_without_names(client: Any, tokens: Any, mail: Any) -> None:
    workshop, (placed, _) = setup(places=2)
    attendance.record_attendance(ADMIN, workshop.id, placed, {"1": "present"}, now=workshop.ends_at)
    from chalicelib.workshops import mail as workshop_mail

    token = workshop_mail.feedback_link(workshop.id, placed).rsplit("/", 1)[1]
    attendance.give_feedback(token, 5, "not_yet", "More on section 20, please.", now=workshop.ends_at)
    resp = client.get(f"/workshops/{workshop.id}/feedback", headers=tokens.header("cafcass-admin"))
    assert resp.status_code == 200
    assert [(i["rating"], i["changed_practice"], i["comment"]) for i in resp.json_body["items"]] == [
        (5, "not_yet", "More on section 20, please.")]
    assert "Rae" not in json.dumps(resp.json_body)
    refused = client.get(f"/workshops/{workshop.id}/feedback", headers=tokens.header("la-social-worker"))
    assert refused.status_code == 403
