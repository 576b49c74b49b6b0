"""Transactions and mark-once-and-send against DynamoDB in moto: a failed condition is named, a repeat
sends nothing, and an outage is never mistaken for work already done."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from botocore.awsrequest import AWSResponse
from pynamodb.exceptions import TransactWriteError

from chalicelib.core.auth.caller import Caller, Role
from chalicelib.core.dynamo.model import connection
from chalicelib.core.dynamo.transactions import ConditionFailed, Transaction
from chalicelib.mail.store.outbox import OutboxRecord
from chalicelib.workshops.domain.registrations import Registrant
from chalicelib.workshops.domain.rules import Group, Workshop, WorkshopStatus
from chalicelib.workshops.services import jobs, register, scheduling
from chalicelib.workshops.store import registrations as regs
from chalicelib.workshops.store.registrations import RegistrationRecord
from tests.integration.builders import published_workshop

ADMIN = Caller(id="admin-marks", roles=frozenset({Role.CAFCASS_ADMIN}), organisation="CAFCASS",
               email="marks.admin@example.org")
NOW = datetime(2027, 1, 10, 9, 0, tzinfo=timezone.utc)


@pytest.fixture()
def workshop(mail: Any) -> Workshop:
    published = published_workshop(ADMIN, (3, 0, 0), title="Marks")
    for n in range(2):
        register.register(ADMIN, published.id, Registrant(name=f"Mark {n}", email=f"mark{n}@example.org",
                                                           organisation="E09000033", group=Group.LA_SOCIAL_WORKER,
                                                           job_title="Social worker"), now=NOW)
    return published


def change_notices() -> list[str]:
    return sorted(m.recipient for m in OutboxRecord.scan() if m.template == "workshop_changed")


def internal_server_error(**kwargs: Any) -> tuple[AWSResponse, dict[str, Any]]:
    """What DynamoDB answers in an outage (a botocore ``before-call`` handler answering instead of moto)."""
    return AWSResponse("https://dynamodb.eu-west-2.amazonaws.com/", 500, {}, None), {
        "Error": {"Code": "InternalServerError", "Message": "Internal server error"},
        "ResponseMetadata": {"HTTPStatusCode": 500}}


@contextmanager
def dynamodb_outage() -> Iterator[None]:
    """Every TransactWriteItems of the service's client fails with a 500 while this is open."""
    client = connection().client
    client.meta.events.register("before-call.dynamodb.TransactWriteItems", internal_server_error)
    try:
        yield
    finally:
        client.meta.events.unregister("before-call.dynamodb.TransactWriteItems", internal_server_error)


@pytest.fixture()
def outage() -> Iterator[None]:
    with dynamodb_outage():
        yield


def test_a_failed_condition_is_named_by_its_label(workshop: Workshop) -> None:
    person, other = regs.for_workshop(workshop.id)
    tx = Transaction()  # an update listed first, a check second: DynamoDB answers in PynamoDB's order
    tx.update(RegistrationRecord(workshop_id=workshop.id, sk=regs.reg_sk(person.id)),
              [RegistrationRecord.end_reason.set("x")], condition=RegistrationRecord.status == "waiting",
              label="registration")
    tx.check(RegistrationRecord, workshop.id, regs.reg_sk(other.id),
             condition=RegistrationRecord.status == "confirmed", label="other-confirmed")
    with pytest.raises(ConditionFailed) as refused:
        tx.commit()
    assert refused.value.failed == ("registration",)
    assert regs.get(workshop.id, person.id).end_reason is None  # nothing was written


def test_change_notices_go_out_once_however_often_the_job_runs(workshop: Workshop) -> None:
    changed = replace(workshop, sequence=workshop.sequence + 1)
    assert scheduling.send_change_notices(changed, NOW) == 2
    assert scheduling.send_change_notices(changed, NOW) == 0
    assert change_notices() == ["mark0@example.org", "mark1@example.org"]


def test_an_outage_is_not_taken_for_notices_already_sent(workshop: Workshop, outage: None) -> None:
    changed = replace(workshop, sequence=workshop.sequence + 1)
    with pytest.raises(TransactWriteError):
        scheduling.send_change_notices(changed, NOW)  # the code before this fix counted 0 and moved on


def test_an_outage_is_not_taken_for_cancellations_already_told(workshop: Workshop, outage: None) -> None:
    with pytest.raises(TransactWriteError):
        scheduling.send_cancellation_notices(replace(workshop, status=WorkshopStatus.CANCELLED), NOW)


def test_after_an_outage_the_next_run_sends_every_notice_once(workshop: Workshop) -> None:
    changed = replace(workshop, sequence=workshop.sequence + 1)
    with dynamodb_outage(), pytest.raises(TransactWriteError):
        scheduling.send_change_notices(changed, NOW)
    assert change_notices() == []
    assert scheduling.send_change_notices(changed, NOW) == 2
    assert change_notices() == ["mark0@example.org", "mark1@example.org"]


def test_an_outage_stops_the_reminder_job_instead_of_marking_nobody(workshop: Workshop, outage: None) -> None:
    week_before = workshop.starts_at - timedelta(days=6)
    with pytest.raises(TransactWriteError):
        jobs.send_reminders(workshop, week_before)
