"""The outbox with DynamoDB and SES in moto: transactions, sending, retries, failures, races."""

from __future__ import annotations

import random
import uuid
from datetime import datetime, timedelta, timezone

import pytest
from botocore.exceptions import ClientError

from chalicelib.core.dynamo.transactions import ConditionFailed, Transaction
from chalicelib.directory import store as org_store
from chalicelib.directory.domain import Nation, Organisation, OrgType, Region, name_key
from chalicelib.directory.store import OrganisationRecord
from chalicelib.mail.adapters import ses
from chalicelib.mail.domain import LEASE_SECONDS, MailKind, OutgoingEmail, SendStatus
from chalicelib.mail.services.queue import queued
from chalicelib.mail.services.sender import RateLimiter, drain, send_one
from chalicelib.mail.store import outbox, suppressions

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=timezone.utc)
NO_LIMIT = RateLimiter(0)


def message(to: str = "someone@example.org", **overrides) -> OutgoingEmail:
    fields = dict(message_id=uuid.uuid4().hex, to=to, template="service_test", capability="service",
                  context={"recipient_name": "Sam", "recipient_email": to, "requested_at": "today",
                           "has_invitation": False})
    fields.update(overrides)
    return OutgoingEmail(**fields)


def test_a_business_change_and_its_message_are_written_together(mail):
    org = Organisation(code="E06000931", name="Outbox Council", type=OrgType.LOCAL_AUTHORITY,
                       region=Region.SOUTH_EAST, nation=Nation.ENGLAND, reviewing_org="CAFCASS")
    msg = message()
    tx = Transaction()
    tx.put(OrganisationRecord(code=org.code, name=org.name, org_type=org.type.value, region=org.region.value,
                              nation=org.nation.value, sort_key=f"local_authority#{name_key(org.name)}#{org.code}",
                              created_at=NOW, updated_at=NOW),
           condition=OrganisationRecord.code.does_not_exist(), label="organisation")
    tx.include(queued([msg], NOW))
    tx.commit()
    assert org_store.get("E06000931").name == "Outbox Council"
    assert outbox.get(msg.message_id).status == "pending"

    # The same change again fails its condition: and its message is not queued either.
    second = message()
    tx = Transaction()
    tx.put(OrganisationRecord(code=org.code, name="Again", org_type="local_authority", region="london",
                              nation="england", sort_key=f"local_authority#again#{org.code}",
                              created_at=NOW, updated_at=NOW),
           condition=OrganisationRecord.code.does_not_exist(), label="organisation")
    tx.include(queued([second], NOW))
    with pytest.raises(ConditionFailed) as refused:
        tx.commit()
    assert refused.value.failed == ("organisation",)  # named from DynamoDB's cancellation reasons
    assert outbox.get(second.message_id) is None


def test_a_service_message_is_sent_once_with_our_id_tags_and_configuration_set(mail):
    msg = message()
    outbox.enqueue(msg, NOW)
    result = drain(now=lambda: NOW, limiter=NO_LIMIT)
    assert result["sent"] == 1
    assert len(mail.requests) == 1 and len(mail.sent()) == 1
    request = mail.requests[0]
    assert "Simple" in request["Content"]
    assert mail.header(request, "X-Partnerships-Message-Id") == msg.message_id
    assert mail.header(request, "List-Unsubscribe") is None  # required service mail: no unsubscribe
    assert mail.tags(request) == {"capability": "service", "template": "service_test", "message_id": msg.message_id}
    assert request["ConfigurationSetName"] == "partnerships-test"
    assert request["Destination"] == {"ToAddresses": ["someone@example.org"]}
    record = outbox.get(msg.message_id)
    assert record.status == "sent" and record.ses_message_id and record.due_at is None and record.expires_at
    # Draining again sends nothing more.
    assert drain(now=lambda: NOW + timedelta(hours=1), limiter=NO_LIMIT).outcomes == {}
    assert len(mail.sent()) == 1


def test_two_senders_racing_for_one_message_send_it_once(mail):
    msg = message()
    outbox.enqueue(msg, NOW)
    first = outbox.claim(msg.message_id, NOW)
    assert first is not None
    assert outbox.claim(msg.message_id, NOW) is None  # the other sender loses the race
    assert send_one(msg.message_id, NOW, NO_LIMIT) == "skipped"
    assert outbox.mark_sent(first, "ses-1", NOW)
    assert send_one(msg.message_id, NOW + timedelta(seconds=LEASE_SECONDS + 1), NO_LIMIT) == "skipped"
    assert mail.requests == []


def test_a_sender_that_dies_mid_send_loses_its_lease_and_the_message_is_still_sent(mail):
    msg = message()
    outbox.enqueue(msg, NOW)
    dead = outbox.claim(msg.message_id, NOW)  # ...and the process dies here
    assert send_one(msg.message_id, NOW + timedelta(seconds=10), NO_LIMIT) == "skipped"  # lease still held
    later = NOW + timedelta(seconds=LEASE_SECONDS + 1)
    assert send_one(msg.message_id, later, NO_LIMIT) == "sent"
    assert not outbox.mark_sent(dead, "late", later)  # the dead sender's lease is void
    assert len(mail.sent()) == 1


class FlakySes:
    """Wraps moto's SES client and fails a share of calls with the given errors."""

    def __init__(self, failure_rate: float, errors: list[tuple[str, int]], seed: int = 7) -> None:
        self.real = ses.client()
        self.rng = random.Random(seed)
        self.failure_rate = failure_rate
        self.errors = errors
        self.calls = 0
        self.failures = 0

    def send_email(self, **request):
        self.calls += 1
        if self.rng.random() < self.failure_rate:
            self.failures += 1
            code, status = self.rng.choice(self.errors)
            raise ClientError({"Error": {"Code": code, "Message": "injected"},
                               "ResponseMetadata": {"HTTPStatusCode": status}}, "SendEmail")
        return self.real.send_email(**request)


def _drain_until_idle(flaky, start: datetime, rounds: int = 60) -> datetime:
    clock = start
    for _ in range(rounds):
        drain(now=lambda clock=clock: clock, ses_client=flaky, limiter=NO_LIMIT, rng=random.Random(1))
        if not outbox.due(clock + timedelta(days=1), 1):
            return clock
        clock += timedelta(minutes=16)  # past the longest backoff
    return clock


def test_with_30_percent_injected_failures_every_message_is_sent_exactly_once(mail):
    messages = [message(to=f"person{i}@example.org") for i in range(60)]
    for m in messages:
        outbox.enqueue(m, NOW)
    flaky = FlakySes(0.3, [("TooManyRequestsException", 429), ("InternalFailure", 500), ("ServiceUnavailable", 503)])
    _drain_until_idle(flaky, NOW)
    assert flaky.failures > 10  # the injection really happened
    # Requests are captured only when they reach SES (injected failures never do): one per message, no repeats.
    accepted = sorted(mail.header(r, "X-Partnerships-Message-Id") for r in mail.requests)
    assert accepted == sorted(m.message_id for m in messages)
    assert len(mail.sent()) == len(messages)
    assert flaky.calls == len(messages) + flaky.failures
    assert all(outbox.get(m.message_id).status == "sent" for m in messages)


def test_a_permanent_error_fails_the_message_without_retrying(mail):
    msg = message()
    outbox.enqueue(msg, NOW)
    flaky = FlakySes(1.0, [("MessageRejected", 400)])
    assert drain(now=lambda: NOW, ses_client=flaky, limiter=NO_LIMIT)["failed"] == 1
    record = outbox.get(msg.message_id)
    assert record.status == "failed" and record.last_error == "ses:MessageRejected" and record.due_at is None
    assert drain(now=lambda: NOW + timedelta(days=1), ses_client=flaky, limiter=NO_LIMIT).outcomes == {}
    assert flaky.calls == 1 and mail.sent() == []


def test_retries_end_when_the_retry_horizon_has_passed(mail):
    from chalicelib.core.settings import get_settings

    msg = message()
    outbox.enqueue(msg, NOW)
    flaky = FlakySes(1.0, [("ThrottlingException", 400)])
    ended = _drain_until_idle(flaky, NOW, rounds=200)
    record = outbox.get(msg.message_id)
    assert record.status == "failed" and record.last_error == "gave_up:ses:ThrottlingException"
    horizon = timedelta(hours=get_settings().email_retry_horizon_hours)
    assert horizon <= ended - NOW <= horizon + timedelta(minutes=16)  # a time, not a number of attempts
    assert flaky.calls > 8  # far more than the 8 attempts that used to end it after about 8 minutes


def test_a_transient_error_backs_off_before_the_next_attempt(mail):
    msg = message()
    outbox.enqueue(msg, NOW)
    flaky = FlakySes(1.0, [("TooManyRequestsException", 429)])
    assert drain(now=lambda: NOW, ses_client=flaky, limiter=NO_LIMIT)["retry"] == 1
    record = outbox.get(msg.message_id)
    assert record.status == "pending" and record.last_error == "ses:TooManyRequestsException"
    due_at = record.due_at
    assert due_at is not None and NOW + timedelta(seconds=1) <= due_at <= NOW + timedelta(seconds=2)
    assert drain(now=lambda: NOW, ses_client=flaky, limiter=NO_LIMIT).outcomes == {}  # not yet due


def test_a_template_error_fails_the_message_with_a_reason(mail):
    msg = message(context={"recipient_name": "Sam"})  # missing variables
    outbox.enqueue(msg, NOW)
    assert drain(now=lambda: NOW, limiter=NO_LIMIT)["failed"] == 1
    assert outbox.get(msg.message_id).last_error.startswith("render:missing_variable:")
    assert mail.requests == []


def test_the_rate_limit_spaces_sends_across_a_batch(mail):
    for _ in range(5):
        outbox.enqueue(message(), NOW)
    slept: list[float] = []
    fake_time = [0.0]

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        fake_time[0] += seconds

    limiter = RateLimiter(2.0, clock=lambda: fake_time[0], sleep=sleep)
    assert drain(now=lambda: NOW, limiter=limiter)["sent"] == 5
    assert sum(slept) == pytest.approx(2.0)  # 5 sends at 2 per second: 4 gaps of 0.5 s


def test_optional_mail_is_suppressed_after_one_click_unsubscribe_but_service_mail_is_not(mail, client):
    optional = message(to="reader@example.org", kind=MailKind.OPTIONAL, list_id="practice-notes")
    outbox.enqueue(optional, NOW)
    drain(now=lambda: NOW, limiter=NO_LIMIT)
    request = mail.requests[0]
    link = mail.header(request, "List-Unsubscribe")
    assert link.startswith("<https://partnerships.test/api/links/unsubscribe/") and link.endswith(">")
    assert "?" not in link  # the token is a path segment: a query string would reach access logs
    assert mail.header(request, "List-Unsubscribe-Post") == "List-Unsubscribe=One-Click"
    assert "reader@example.org" not in link  # the token is encrypted
    text = request["Content"]["Simple"]["Body"]["Text"]["Data"]
    assert link[1:-1] in text  # and the body says how to unsubscribe too

    path = link[1:-1].removeprefix("https://partnerships.test/api")
    looked = client.get(path)  # what opening the link shows: a page whose GET changes nothing
    assert looked.status_code == 200 and looked.headers["Content-Type"].startswith("text/html")
    page = looked.body.decode()
    assert '<form method="post"' in page and "reader@example.org" not in page
    assert suppressions.suppressed_reason("reader@example.org", "practice-notes") is None
    # The mail client's one-click POST (RFC 8058) and the page's button both unsubscribe.
    resp = client.post(path, body="List-Unsubscribe=One-Click",
                       headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert resp.status_code == 200 and "You have unsubscribed" in resp.body.decode()
    assert suppressions.suppressed_reason("reader@example.org", "practice-notes") == "unsubscribe"

    again = message(to="Reader@Example.org", kind=MailKind.OPTIONAL, list_id="practice-notes")
    other_list = message(to="reader@example.org", kind=MailKind.OPTIONAL, list_id="other-list")
    service = message(to="reader@example.org")
    for m in (again, other_list, service):
        outbox.enqueue(m, NOW)
    drain(now=lambda: NOW, limiter=NO_LIMIT)
    assert outbox.get(again.message_id).status == SendStatus.SUPPRESSED.value
    assert outbox.get(again.message_id).last_error == "unsubscribe"
    assert outbox.get(other_list.message_id).status == "sent"
    assert outbox.get(service.message_id).status == "sent"


def test_a_forged_unsubscribe_link_is_refused(client, mail):
    resp = client.post("/email/unsubscribe?token=" + "A" * 120)
    assert resp.status_code == 400
    page = client.post("/links/unsubscribe/" + "A" * 120)
    assert page.status_code == 400 and page.headers["Content-Type"].startswith("text/html")
    assert resp.json_body["error"]["code"] == "invalid_link"


def test_the_outbox_table_streams_new_messages_to_the_stream_trigger(mail):
    """The table is created with a keys-only stream, and the stream handler sends what it names."""
    import boto3

    from chalicelib.mail.events import send_new_messages
    from chalicelib.mail.store.outbox import OutboxRecord

    description = boto3.client("dynamodb", region_name="eu-west-2").describe_table(
        TableName=OutboxRecord.Meta.table_name)["Table"]
    assert description["StreamSpecification"] == {"StreamEnabled": True, "StreamViewType": "KEYS_ONLY"}
    msg = message()
    outbox.enqueue(msg, datetime.now(timezone.utc))
    records = [{"eventName": "INSERT", "dynamodb": {"Keys": {"message_id": {"S": msg.message_id}}}},
               {"eventName": "REMOVE", "dynamodb": {"Keys": {"message_id": {"S": "gone"}}}}]
    assert send_new_messages(records) == {"sent": 1}
    assert outbox.get(msg.message_id).status == "sent"


def test_the_unsubscribe_token_never_reaches_the_logs(mail, client, service_logs):
    optional = message(to="quiet@example.org", kind=MailKind.OPTIONAL, list_id="practice-notes")
    outbox.enqueue(optional, NOW)
    drain(now=lambda: NOW, limiter=NO_LIMIT)
    path = mail.header(mail.requests[0], "List-Unsubscribe")[1:-1].removeprefix("https://partnerships.test/api")
    token = path.rsplit("/", 1)[1]
    client.get(path)
    client.get(path[:-4] + "AAAA")  # a broken copy
    client.post(path, body="List-Unsubscribe=One-Click", headers={"Content-Type": "application/x-www-form-urlencoded"})
    routes = {(r.get("route"), r.get("status")) for r in service_logs.records() if r["message"] == "request"}
    assert ("/links/unsubscribe/{token}", 200) in routes and ("/links/unsubscribe/{token}", 400) in routes
    for piece in (token, token[:24], token[-24:]):
        assert piece not in service_logs.text()
