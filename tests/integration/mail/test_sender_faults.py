"""The outbox sender under injected faults (moto in process): a message that cannot be built, DynamoDB failing
after SES accepted a message, SES outages, paused sending and an exhausted quota, and admins re-driving what
failed. Each scenario ends with every message sent exactly once (or failed, with a reason code)."""

from __future__ import annotations

import json
import random
import uuid
from collections import Counter
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from botocore.exceptions import ClientError
from pynamodb.exceptions import UpdateError

from chalicelib.mail.adapters import ses
from chalicelib.mail.domain import OutgoingEmail
from chalicelib.mail.services import sender
from chalicelib.mail.services.sender import RateLimiter, drain, send_one
from chalicelib.mail.store import outbox
from chalicelib.mail.store.outbox import OutboxRecord

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=timezone.utc)
NO_LIMIT = RateLimiter(0)
BAD_ADDRESS = "john@[example.org"


def message(to: str = "someone@example.org") -> OutgoingEmail:
    return OutgoingEmail(message_id=uuid.uuid4().hex, to=to, template="service_test", capability="service",
                         context={"recipient_name": "Sam", "recipient_email": to, "requested_at": "today",
                                  "has_invitation": False})


def queue(count: int) -> list[OutgoingEmail]:
    messages = [message(to=f"person{i}@example.org") for i in range(count)]
    for m in messages:
        outbox.enqueue(m, NOW)
    return messages


def queue_raw(to: str) -> str:
    """A stored message with an address today's rules refuse (queued before them, or written by hand)."""
    message_id = uuid.uuid4().hex
    record = outbox.new_record(message(), NOW)
    record.message_id = message_id
    record.recipient = to
    record.context = json.dumps({"recipient_name": "John", "recipient_email": to, "requested_at": "today",
                                 "has_invitation": False})
    record.save()
    return message_id


@pytest.fixture()
def metrics(monkeypatch: pytest.MonkeyPatch) -> Counter[str]:
    counted: Counter[str] = Counter()
    monkeypatch.setattr(sender, "count", lambda name, value=1: counted.update({name: value}))
    return counted


def accepted_ids(mail: Any) -> list[str]:
    """Our message ids, one per request SES accepted (moto holds the message: the request reached it)."""
    return sorted(mail.header(r, "X-Partnerships-Message-Id") for r in mail.requests)


def dynamo_error(operation: str = "UpdateItem") -> UpdateError:
    cause = ClientError({"Error": {"Code": "ProvisionedThroughputExceededException", "Message": "injected"},
                         "ResponseMetadata": {"HTTPStatusCode": 400}}, operation)
    return UpdateError("injected", cause=cause)


# --- 1. one message's failure stays with that message -----------------------------------------------------------

def test_a_stored_address_that_breaks_mime_building_fails_that_message_only(mail, metrics, service_logs):
    before = queue(2)
    bad = queue_raw(BAD_ADDRESS)
    after = queue(2)
    result = drain(now=lambda: NOW, limiter=NO_LIMIT)
    assert result["sent"] == 4 and result["failed"] == 1
    assert accepted_ids(mail) == sorted(m.message_id for m in before + after)
    record = OutboxRecord.get(bad)
    assert record.status == "failed" and record.last_error == "invalid_message" and record.due_at is None
    assert metrics["EmailFailed"] == 1
    # Nothing of the address reaches the log: the message id and an error code only.
    logged = service_logs.text()
    assert bad in logged and "john" not in logged and "[example" not in logged
    # And the next drain does not trip over it again.
    assert drain(now=lambda: NOW + timedelta(hours=1), limiter=NO_LIMIT).outcomes == {}


def test_any_exception_while_building_one_message_is_contained(mail, metrics, service_logs, monkeypatch):
    messages = queue(3)
    victim = messages[1].message_id
    real_build = sender.mime.build

    def build(**kwargs: Any):
        if kwargs["headers"][sender.MESSAGE_ID_HEADER] == victim:
            raise AttributeError("'InvalidHeaderDefect' object has no attribute 'all_defects' (john@[example.org)")
        return real_build(**kwargs)

    monkeypatch.setattr(sender.mime, "build", build)
    result = drain(now=lambda: NOW, limiter=NO_LIMIT)
    assert result["sent"] == 2 and result["failed"] == 1
    assert outbox.get(victim).status == "failed" and outbox.get(victim).last_error == "error:AttributeError"
    assert accepted_ids(mail) == sorted(m.message_id for m in messages if m.message_id != victim)
    failure = next(r for r in service_logs.records() if r.get("message_id") == victim and r["level"] == "ERROR")
    assert failure["error"] == "AttributeError" and "john" not in service_logs.text()


def test_a_dynamodb_error_before_sending_retries_the_message_later_and_the_drain_goes_on(mail, monkeypatch):
    messages = queue(3)
    victim = messages[0].message_id
    real = sender.suppressions.suppressed_reason
    calls = Counter[str]()

    def flaky(address: str, list_id: str | None):
        calls[address] += 1
        if address == messages[0].to and calls[address] == 1:
            raise dynamo_error("BatchGetItem")
        return real(address, list_id)

    monkeypatch.setattr(sender.suppressions, "suppressed_reason", flaky)
    assert drain(now=lambda: NOW, limiter=NO_LIMIT, rng=random.Random(1))["sent"] == 2
    assert outbox.get(victim).status == "pending"
    assert outbox.get(victim).last_error == "storage:UpdateError"
    drain(now=lambda: NOW + timedelta(minutes=1), limiter=NO_LIMIT)
    assert accepted_ids(mail) == sorted(m.message_id for m in messages)


def test_the_api_refuses_an_address_the_sender_could_not_use(client, tokens):
    admin = tokens.header("cafcass-admin")
    for address in (BAD_ADDRESS, "ann\x1f@example.org", "ann@example.org\u202e", "ann@localhost"):
        body = {"name": "Ann Example", "email": address, "organisation": "E09000033", "group": "la_social_worker"}
        resp = client.post("/workshops/" + "0" * 32 + "/registrations", body=json.dumps(body),
                           headers={**admin, "Content-Type": "application/json"})
        assert resp.status_code == 422, (address, resp.status_code, resp.body)
        assert resp.json_body["error"]["details"][0]["field"] == "email"
        assert address not in resp.body.decode()


# --- 2. DynamoDB failing after SES accepted a message -----------------------------------------------------------

class FlakyMarkSent:
    """``outbox.mark_sent`` failing the first ``failures`` calls for one message (after applying the write,
    when ``applied``: the answer was lost, as in a time-out)."""

    def __init__(self, victim: str, failures: int, applied: bool = False) -> None:
        self.real = outbox.mark_sent
        self.victim = victim
        self.failures = failures
        self.applied = applied
        self.calls = 0

    def __call__(self, claimed: outbox.Claimed, ses_message_id: str, now: datetime) -> bool:
        if claimed.message_id == self.victim:
            self.calls += 1
            if self.calls <= self.failures:
                if self.applied:
                    self.real(claimed, ses_message_id, now)
                raise dynamo_error()
        return self.real(claimed, ses_message_id, now)


@pytest.mark.parametrize("applied", [False, True], ids=["write_failed", "answer_lost"])
def test_a_dynamodb_error_recording_sent_is_retried_and_never_sends_twice(mail, metrics, monkeypatch, applied):
    messages = queue(4)
    victim = messages[1].message_id
    flaky = FlakyMarkSent(victim, failures=2, applied=applied)
    monkeypatch.setattr(sender.outbox, "mark_sent", flaky)
    slept: list[float] = []
    for moment in (NOW, NOW + timedelta(seconds=outbox.LEASE_SECONDS + 1), NOW + timedelta(hours=1)):
        for queued_id in outbox.due(moment, 25):
            send_one(queued_id, moment, NO_LIMIT, sleep=slept.append)
    assert flaky.calls == 3 and len(slept) == 2
    assert accepted_ids(mail) == sorted(m.message_id for m in messages)  # each exactly once
    assert all(outbox.get(m.message_id).status == "sent" for m in messages)
    assert outbox.get(victim).ses_message_id
    assert metrics["EmailPossibleDuplicate"] == 0 and metrics["EmailSent"] == 4


def test_a_drain_goes_on_when_sent_cannot_be_recorded_at_all_and_the_repeat_is_counted(mail, metrics, monkeypatch):
    messages = queue(3)
    victim = messages[0].message_id
    flaky = FlakyMarkSent(victim, failures=sender.RECORD_ATTEMPTS)
    monkeypatch.setattr(sender.outbox, "mark_sent", flaky)
    monkeypatch.setattr(sender.time, "sleep", lambda seconds: None)
    result = drain(now=lambda: NOW, limiter=NO_LIMIT)
    assert result["sent"] == 2 and result["error"] == 1  # the drain was not aborted
    assert metrics["EmailOutcomeNotRecorded"] == 1
    assert outbox.get(victim).status == "sending"
    # DynamoDB is back; once the lease has run out the message is sent again, and that is detectable.
    later = NOW + timedelta(seconds=outbox.LEASE_SECONDS + 1)
    assert drain(now=lambda: later, limiter=NO_LIMIT)["sent"] == 1
    assert metrics["EmailPossibleDuplicate"] == 1
    repeats = [r for r in mail.requests if mail.header(r, "X-Partnerships-Message-Id") == victim]
    assert len(repeats) == 2 and all(mail.tags(r)["message_id"] == victim for r in repeats)
    assert outbox.get(victim).status == "sent"


def test_a_message_whose_ses_id_is_recorded_is_never_sent_again(mail, metrics):
    msg = message()
    outbox.enqueue(msg, NOW)
    OutboxRecord(message_id=msg.message_id).update(actions=[OutboxRecord.ses_message_id.set("ses-earlier")])
    assert send_one(msg.message_id, NOW, NO_LIMIT) == "sent"
    assert mail.requests == [] and outbox.get(msg.message_id).status == "sent"
    assert metrics["EmailPossibleDuplicate"] == 1


# --- 3. SES outages, paused sending and quotas: retried over hours ---------------------------------------------

class SesDownUntil:
    """SES failing every call with one error until ``clock()`` reaches ``until``, then moto's SES."""

    def __init__(self, until: datetime, code: str, status: int, clock: Callable[[], datetime]) -> None:
        self.real = ses.client()
        self.until = until
        self.code = code
        self.status = status
        self.clock = clock
        self.failures = 0

    def send_email(self, **request: Any) -> Any:
        if self.clock() < self.until:
            self.failures += 1
            raise ClientError({"Error": {"Code": self.code, "Message": "injected"},
                               "ResponseMetadata": {"HTTPStatusCode": self.status}}, "SendEmail")
        return self.real.send_email(**request)


@pytest.mark.parametrize(("code", "status", "outage"), [
    ("ServiceUnavailable", 503, timedelta(hours=4)),
    ("InternalFailure", 500, timedelta(hours=3)),
    ("ThrottlingException", 400, timedelta(hours=2)),
    ("SendingPausedException", 400, timedelta(hours=6)),
    ("AccountSendingPausedException", 400, timedelta(hours=6)),
    ("LimitExceededException", 400, timedelta(hours=20)),  # the daily quota, until it resets
])
def test_after_an_outage_of_hours_every_message_is_sent_exactly_once(mail, metrics, code, status, outage):
    messages = queue(6)
    clock = [NOW]
    down = SesDownUntil(NOW + outage, code, status, lambda: clock[0])
    while clock[0] < NOW + outage + timedelta(hours=1):  # a sweep every 15 minutes (the longest backoff)
        drain(now=lambda: clock[0], ses_client=down, limiter=NO_LIMIT, rng=random.Random(3))
        clock[0] += timedelta(minutes=15)
    assert down.failures > 0
    assert accepted_ids(mail) == sorted(m.message_id for m in messages)
    assert all(outbox.get(m.message_id).status == "sent" for m in messages)
    assert metrics["EmailFailed"] == 0


def test_an_account_level_error_stops_the_drain_instead_of_spending_every_message(mail):
    queue(10)
    down = SesDownUntil(NOW + timedelta(days=1), "SendingPausedException", 400, lambda: NOW)
    result = drain(now=lambda: NOW, ses_client=down, limiter=NO_LIMIT)
    assert result.outcomes == {"paused": 1} and down.failures == 1
    assert len(outbox.due(NOW, 25)) == 9  # the others are still due, untouched


def test_a_permanent_error_still_ends_at_once(mail, metrics):
    msg = message()
    outbox.enqueue(msg, NOW)
    down = SesDownUntil(NOW + timedelta(days=1), "MessageRejected", 400, lambda: NOW)
    assert drain(now=lambda: NOW, ses_client=down, limiter=NO_LIMIT)["failed"] == 1
    assert outbox.get(msg.message_id).last_error == "ses:MessageRejected" and metrics["EmailFailed"] == 1


# --- re-driving failed messages -------------------------------------------------------------------------------------

def fail(messages: list[OutgoingEmail], at: datetime) -> None:
    down = SesDownUntil(at + timedelta(days=1), "MessageRejected", 400, lambda: at)
    for m in messages:
        assert send_one(m.message_id, at, NO_LIMIT, ses_client=down) == "failed"


def test_an_admin_re_drives_one_failed_message_and_it_is_sent_once(mail, client, tokens):
    msg = message()
    outbox.enqueue(msg, NOW)
    fail([msg], NOW)
    admin = tokens.header("cafcass-admin")
    resp = client.post(f"/email/messages/{msg.message_id}/retry", headers=admin)
    assert resp.status_code == 202, resp.body
    assert resp.json_body["status"] == "pending" and resp.json_body["finished_at"] is None
    assert client.post(f"/email/messages/{msg.message_id}/retry", headers=admin).json_body["error"]["code"] == \
        "message_not_failed"
    assert drain(limiter=NO_LIMIT)["sent"] == 1
    assert accepted_ids(mail) == [msg.message_id]
    again = client.post(f"/email/messages/{msg.message_id}/retry", headers=admin)
    assert again.status_code == 409 and again.json_body["error"]["code"] == "message_not_failed"
    unknown = client.post(f"/email/messages/{uuid.uuid4().hex}/retry", headers=admin)
    assert unknown.status_code == 404 and unknown.json_body["error"]["code"] == "message_not_found"


def test_an_admin_re_drives_every_message_failed_since_a_time_without_a_scan(mail, client, tokens, monkeypatch):
    old, recent = queue(2), queue(3)
    fail(old, NOW)
    fail(recent, NOW + timedelta(hours=2))
    sent_ok = queue(1)
    drain(now=lambda: NOW + timedelta(hours=2), limiter=NO_LIMIT)

    def no_scan(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("re-driving must not Scan the outbox")

    monkeypatch.setattr(OutboxRecord, "scan", no_scan)
    admin = {**tokens.header("cafcass-admin"), "Content-Type": "application/json"}
    since = (NOW + timedelta(hours=1)).isoformat()
    resp = client.post("/email/messages/retry", headers=admin, body=json.dumps({"failed_since": since}))
    assert resp.status_code == 202, resp.body
    assert resp.json_body["requeued"] == 3 and resp.json_body["more"] is False
    assert sorted(resp.json_body["message_ids"]) == sorted(m.message_id for m in recent)
    assert all(outbox.get(m.message_id).status == "failed" for m in old)
    mail.requests.clear()
    drain(limiter=NO_LIMIT)  # re-driven messages are due at once (the request's own clock)
    assert accepted_ids(mail) == sorted(m.message_id for m in recent)
    assert outbox.get(sent_ok[0].message_id).status == "sent"
    # Nothing is failed since then any more; a time without an offset is refused.
    assert client.post("/email/messages/retry", headers=admin,
                       body=json.dumps({"failed_since": since})).json_body["requeued"] == 0
    assert client.post("/email/messages/retry", headers=admin,
                       body=json.dumps({"failed_since": "2026-11-23T09:00:00"})).status_code == 422


def test_only_cafcass_admins_re_drive(mail, client, tokens):
    for role in ("adcs-admin", "la-social-worker"):
        resp = client.post("/email/messages/retry", headers={**tokens.header(role), "Content-Type": "application/json"},
                           body=json.dumps({"failed_since": NOW.isoformat()}))
        assert resp.status_code == 403, (role, resp.status_code)
