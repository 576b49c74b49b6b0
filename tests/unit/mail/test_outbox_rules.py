"""Rules of the email outbox (chalicelib.mail.domain)."""

from __future__ import annotations

import random
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from chalicelib.core.addresses import is_deliverable, normalise_address
from chalicelib.mail.domain import (
    BASE_DELAY_SECONDS,
    MAX_DELAY_SECONDS,
    PERMANENT_ERRORS,
    TERMINAL,
    MailKind,
    OutgoingEmail,
    SendFailure,
    SendStatus,
    classify,
    horizon_passed,
    retry_delay,
)

ACCOUNT_LEVEL = ["LimitExceededException", "SendingPausedException", "AccountSendingPausedException"]
THROTTLING = ["TooManyRequestsException", "ThrottlingException", "Throttling", "RequestTimeout", *ACCOUNT_LEVEL]


# --- classify -----------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("code", THROTTLING)
@pytest.mark.parametrize("status", [None, 400, 429])
def test_throttling_is_transient(code: str, status: int | None) -> None:
    failure = classify(code, status)

    assert failure == SendFailure(code=code, permanent=False, account_level=code in ACCOUNT_LEVEL)


@pytest.mark.parametrize("code", ACCOUNT_LEVEL)
def test_account_level_errors_are_transient_and_say_so(code: str) -> None:
    """Sending paused or the daily quota used up: retried later (they failed every message for good)."""
    assert classify(code, 400) == SendFailure(code=code, permanent=False, account_level=True)


@pytest.mark.parametrize("status", [500, 502, 503, 504, 599])
@pytest.mark.parametrize("code", ["InternalFailure", "ServiceUnavailable", "InternalServerError"])
def test_server_errors_are_transient(code: str, status: int) -> None:
    assert classify(code, status).permanent is False


@pytest.mark.parametrize("code", ["MessageRejected", "BadRequestException", "MailFromDomainNotVerifiedException"])
@pytest.mark.parametrize("status", [None, 400, 500])
def test_known_permanent_errors(code: str, status: int | None) -> None:
    failure = classify(code, status)

    assert failure.permanent is True
    assert failure.code == code


def test_permanent_error_set_contents() -> None:
    assert {"MessageRejected", "BadRequestException", "MailFromDomainNotVerifiedException"} <= PERMANENT_ERRORS
    assert not set(THROTTLING) & PERMANENT_ERRORS


@pytest.mark.parametrize("status", [400, 403, 404, 413, 499])
def test_unknown_4xx_is_permanent(status: int) -> None:
    assert classify("SomethingNewException", status).permanent is True


@pytest.mark.parametrize("code", ["SomethingNewException", "EndpointConnectionError", "ReadTimeoutError", ""])
def test_unknown_code_without_status_is_transient(code: str) -> None:
    assert classify(code).permanent is False
    assert classify(code, None).permanent is False


@pytest.mark.parametrize("status", [200, 302, 399])
def test_unknown_code_outside_4xx_is_transient(status: int) -> None:
    assert classify("SomethingNewException", status).permanent is False


# --- retry_delay --------------------------------------------------------------------------------------------------

def ceiling(attempt: int) -> float:
    return min(MAX_DELAY_SECONDS, BASE_DELAY_SECONDS * 2 ** (attempt - 1))


def test_ceiling_schedule_constants() -> None:
    assert BASE_DELAY_SECONDS == 2.0
    assert MAX_DELAY_SECONDS == 900.0
    assert [ceiling(a) for a in range(1, 13)] == [2, 4, 8, 16, 32, 64, 128, 256, 512, 900, 900, 900]


@pytest.mark.parametrize("seed", range(20))
def test_retry_delay_within_bounds(seed: int) -> None:
    rng = random.Random(seed)
    for attempt in range(1, 13):
        delay = retry_delay(attempt, rng)
        top = ceiling(attempt)
        assert top / 2 <= delay <= top, (attempt, delay)
        assert delay <= 900.0


def test_retry_delay_is_reproducible_with_a_seeded_rng() -> None:
    first = [retry_delay(a, random.Random(7)) for a in range(1, 13)]
    second = [retry_delay(a, random.Random(7)) for a in range(1, 13)]

    assert first == second


def test_retry_delay_jitters() -> None:
    rng = random.Random(3)
    delays = {retry_delay(4, rng) for _ in range(50)}  # ceiling 16 s

    assert len(delays) > 1
    assert min(delays) >= 8.0 and max(delays) <= 16.0


def test_retry_delay_extremes_of_the_jitter() -> None:
    class Fixed(random.Random):
        def __init__(self, value: float) -> None:
            super().__init__(0)
            self.value = value

        def random(self) -> float:
            return self.value

    assert retry_delay(1, Fixed(0.0)) == pytest.approx(1.0)
    assert retry_delay(1, Fixed(0.999999)) == pytest.approx(2.0, abs=1e-5)
    assert retry_delay(12, Fixed(0.0)) == pytest.approx(450.0)
    assert retry_delay(12, Fixed(0.999999)) == pytest.approx(900.0, abs=1e-3)


def test_retry_delay_attempt_zero_or_less_uses_the_first_ceiling() -> None:
    rng = random.Random(1)
    for attempt in (0, -1):
        assert 1.0 <= retry_delay(attempt, rng) <= 2.0


def test_retry_delay_without_rng_uses_module_random() -> None:
    for attempt in range(1, 13):
        assert ceiling(attempt) / 2 <= retry_delay(attempt) <= ceiling(attempt)


# --- retry horizon ------------------------------------------------------------------------------------------------

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=timezone.utc)


@pytest.mark.parametrize(("elapsed", "expected"), [
    (timedelta(0), False), (timedelta(hours=23, minutes=59), False), (timedelta(hours=24), True),
    (timedelta(days=3), True),
])
def test_the_retry_horizon_is_a_time(elapsed: timedelta, expected: bool) -> None:
    assert horizon_passed(T0, T0 + elapsed, timedelta(hours=24)) is expected


def test_a_message_that_never_failed_is_inside_the_horizon_however_long_it_waited() -> None:
    assert horizon_passed(None, T0 + timedelta(days=30), timedelta(hours=24)) is False


# --- the address rule ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("address", [
    "john@[example.org", "john@example.org]", "a\x1f@example.org", "a\x00b@example.org", "a@exa\nmple.org",
    "a\u202e@example.org", "a@example.org\n", "\"quoted\"@example.org", "a..b@example.org", ".a@example.org",
    "a.@example.org", "a@b@example.org", "a@localhost", "a@-example.org", "a@example-.org", "a@example.o",
    "a@example.123", "a@[192.0.2.1]", "Llŷr@example.org", "a@exämple.org", "a b@example.org", "a@example..org",
    "x" * 65 + "@example.org", "a@" + "b" * 250 + ".org", "", "@example.org", "a@",
])
def test_addresses_the_service_cannot_deliver_to_are_refused(address: str) -> None:
    assert is_deliverable(address) is False
    with pytest.raises(ValueError, match="recipient"):
        email(to=address)


@pytest.mark.parametrize("address", [
    "sian.jones@cardiff.gov.uk", "a+tag@example.org", "o'brien@example.org", "x@y.co", "UPPER@EXAMPLE.ORG",
    "a@sub.domain.example.org", "a@xn--bcher-kva.example", "a1-b_c@e-x.org", "x" * 64 + "@example.org",
])
def test_ordinary_addresses_are_accepted(address: str) -> None:
    assert is_deliverable(address) is True
    assert email(to=address).to == address


# --- normalise_address --------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("raw", "expected"), [
    ("Sian.Jones@Cardiff.GOV.uk", "sian.jones@cardiff.gov.uk"),
    ("  sian@la.test\n", "sian@la.test"),
    ("\tSIAN@LA.TEST ", "sian@la.test"),
    ("already@normal.test", "already@normal.test"),
])
def test_normalise_address(raw: str, expected: str) -> None:
    assert normalise_address(raw) == expected


def test_normalise_address_is_idempotent() -> None:
    once = normalise_address("  Mixed.Case@Example.TEST ")

    assert normalise_address(once) == once


# --- states -------------------------------------------------------------------------------------------------------

def test_terminal_states() -> None:
    assert {SendStatus.SENT, SendStatus.FAILED, SendStatus.SUPPRESSED} == TERMINAL
    assert SendStatus.PENDING not in TERMINAL and SendStatus.SENDING not in TERMINAL


# --- OutgoingEmail ------------------------------------------------------------------------------------------------

def email(**overrides: Any) -> OutgoingEmail:
    fields: dict[str, Any] = {
        "message_id": "msg-0001",
        "to": "sian.jones@cardiff.gov.uk",
        "template": "service_test",
        "capability": "email-test",
        "context": {"recipient_name": "Siân"},
    }
    fields.update(overrides)
    return OutgoingEmail(**fields)


def test_service_mail_defaults() -> None:
    message = email()

    assert message.kind is MailKind.SERVICE
    assert message.list_id is None
    assert message.invitation is None


def test_optional_mail_with_list_id() -> None:
    message = email(kind=MailKind.OPTIONAL, list_id="practice-notes")

    assert message.kind is MailKind.OPTIONAL
    assert message.list_id == "practice-notes"


@pytest.mark.parametrize("list_id", [None, ""])
def test_optional_mail_without_list_id_is_refused(list_id: str | None) -> None:
    with pytest.raises(ValueError, match="list_id"):
        email(kind=MailKind.OPTIONAL, list_id=list_id)


@pytest.mark.parametrize("to", ["sian.jones.cardiff.gov.uk", "", "   "])
def test_recipient_without_at_is_refused(to: str) -> None:
    with pytest.raises(ValueError, match="recipient"):
        email(to=to)


def test_outgoing_email_is_immutable() -> None:
    message = email()

    with pytest.raises(AttributeError):
        message.to = "someone.else@la.test"  # type: ignore[misc]
