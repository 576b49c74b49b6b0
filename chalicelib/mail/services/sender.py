"""Draining the outbox: claim a due message, check suppression, render, send through SES, record.

Run by the outbox table's stream (new messages at once), by a scheduled
sweeper (retries, and anything a stream invocation missed), by a background
loop under ``make run``, and directly by tests. Any number of senders may run
at once: each message is claimed with a conditional write, so it is sent by
exactly one of them.

Whatever happens to one message stays with that message: an error while
building or sending it fails it (an error code as reason, never the address) or
retries it later, and the drain goes on with the others. After SES accepted a
message, recording "sent" is retried a few times, and never falls back to
sending again. One window remains: a sender that dies (or cannot reach DynamoDB
at all) after SES accepted a message leaves the lease to expire, and the message
is sent again. SES offers no idempotency key; the repeat carries the same
``X-Partnerships-Message-Id`` header and ``message_id`` tag, and the sender that
takes over an expired lease counts ``EmailPossibleDuplicate``. It is never a loss.
"""

from __future__ import annotations

import random
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.message import EmailMessage
from typing import Any

from chalicelib.core import links
from chalicelib.core.observability import count, logger
from chalicelib.core.settings import get_settings
from chalicelib.core.time import utcnow
from chalicelib.mail.adapters import mailbox, mime, ses
from chalicelib.mail.adapters.calendar import Invitation, build_ics, content_type
from chalicelib.mail.adapters.render import Rendered, RenderError, render
from chalicelib.mail.domain import (
    MailKind,
    OutgoingEmail,
    classify,
    horizon_passed,
    retry_delay,
)
from chalicelib.mail.store import outbox, suppressions

MESSAGE_ID_HEADER = "X-Partnerships-Message-Id"
UNSUBSCRIBE_PURPOSE = "unsubscribe"
RECORD_ATTEMPTS = 4  # writes of "sent" after SES accepted a message, before leaving it to the lease
RECORD_BACKOFF_SECONDS = 0.2  # doubled after each failed write


class RateLimiter:
    """Spaces sends at least ``1/rate`` seconds apart, across a whole drain (SES accounts have a maximum
    send rate; going over it gets throttled)."""

    def __init__(self, rate_per_second: float, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self._interval = 1.0 / rate_per_second if rate_per_second > 0 else 0.0
        self._clock = clock
        self._sleep = sleep
        self._next = float("-inf")

    def wait(self) -> None:
        """Block until the next send is allowed."""
        if not self._interval:
            return
        now = self._clock()
        if now < self._next:
            self._sleep(self._next - now)
            now = self._next
        self._next = now + self._interval


@dataclass
class DrainResult:
    """What one drain did, by outcome."""

    outcomes: Counter[str] = field(default_factory=Counter)

    def __getitem__(self, outcome: str) -> int:
        return self.outcomes[outcome]


def unsubscribe_url(message: OutgoingEmail) -> str:
    """The signed one-click unsubscribe link of an optional message."""
    token = links.make_token(UNSUBSCRIBE_PURPOSE, {"a": message.to, "l": message.list_id, "m": message.message_id})
    # The token is the path's last segment: a query string would reach access logs.
    return f"{get_settings().public_base_url}/links/unsubscribe/{token}"


@dataclass(frozen=True)
class Composed:
    """A message ready for SES: Raw content is used exactly when there is an attachment."""

    envelope: ses.Envelope
    rendered: Rendered
    full: EmailMessage  # the whole MIME message (sent as Raw with an invitation; kept locally always)
    has_attachment: bool

    @property
    def raw(self) -> EmailMessage | None:
        """The MIME message to send as Raw content, or ``None`` for Simple content."""
        return self.full if self.has_attachment else None


def _compose(message: OutgoingEmail, now: datetime) -> Composed:
    """Render and assemble a message (unsubscribe link for optional mail, invitation if any)."""
    settings = get_settings()
    context = dict(message.context)
    headers = {MESSAGE_ID_HEADER: message.message_id}
    if message.kind is MailKind.OPTIONAL:
        url = unsubscribe_url(message)
        context["unsubscribe_url"] = url
        headers["List-Unsubscribe"] = f"<{url}>"
        headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    rendered = render(message.template, context)
    calendar = None
    if message.invitation is not None:
        invitation = Invitation.from_dict(message.invitation)
        calendar = mime.CalendarPart(content=build_ics(invitation, now), content_type=content_type(invitation))
    full = mime.build(sender=settings.ses_sender, sender_name=settings.ses_sender_name, to=message.to,
                      rendered=rendered, headers=headers, calendar=calendar)
    envelope = ses.Envelope(to=message.to, headers=headers, tags={
        "capability": message.capability, "template": message.template, "message_id": message.message_id})
    return Composed(envelope=envelope, rendered=rendered, full=full, has_attachment=calendar is not None)


def send_one(message_id: str, now: datetime, limiter: RateLimiter, ses_client: Any = None,
             rng: random.Random | None = None, sleep: Callable[[float], None] = time.sleep) -> str:
    """Try to send one message; return the outcome (``sent``, ``retry``, ``paused`` when SES cannot send for
    the whole account now, ``failed``, ``suppressed``, ``error`` when not even its outcome could be recorded,
    or ``skipped`` when another sender holds it or it is not due). Raises nothing but what the claim raises
    (``drain`` contains that too)."""
    try:
        claimed = outbox.claim(message_id, now)
    except outbox.UnreadableMessage as unreadable:
        return _fail_unreadable(unreadable, now)
    if claimed is None:
        return "skipped"
    log = {"message_id": message_id, "template": claimed.queued.message.template,
           "attempt": claimed.queued.attempts}
    try:
        return _attempt(claimed, now, limiter, ses_client, rng, sleep, log)
    except Exception as exc:  # contained: one message's failure never holds back the others
        return _contain(claimed, exc, now, rng, log)


def _attempt(claimed: outbox.Claimed, now: datetime, limiter: RateLimiter, ses_client: Any,
             rng: random.Random | None, sleep: Callable[[float], None], log: dict[str, Any]) -> str:
    settings = get_settings()
    record = claimed.queued
    message = record.message
    if record.ses_message_id:  # SES accepted it already (its outcome was recorded in part): never again
        count("EmailPossibleDuplicate")
        logger.warning("email already accepted by SES: not sent again", extra=log)
        return "sent" if _record_sent(claimed, record.ses_message_id, now, sleep, log) else "error"
    if claimed.lease_ran_out:
        # The previous sender died (or lost DynamoDB) between its claim and its outcome: it may have reached SES.
        count("EmailPossibleDuplicate")
        logger.warning("email lease ran out mid-send: possible duplicate", extra=log)
    horizon = timedelta(hours=settings.email_retry_horizon_hours)
    if horizon_passed(record.retrying_since, now, horizon):
        outbox.mark_failed(claimed, f"gave_up:{record.last_error or 'unknown'}", now)
        count("EmailFailed")
        logger.warning("email failed: retry horizon passed", extra=log)
        return "failed"
    reason = suppressions.suppressed_reason(message.to, message.list_id if message.kind is MailKind.OPTIONAL
                                            else None)
    if reason is not None:
        outbox.mark_suppressed(claimed, reason, now)
        count("EmailSuppressed")
        logger.info("email suppressed", extra={**log, "reason": reason})
        return "suppressed"
    try:
        composed = _compose(message, now)
    except RenderError as exc:
        outbox.mark_failed(claimed, f"render:{exc.reason}", now)
        count("EmailFailed")
        logger.error("email failed: cannot render", extra={**log, "reason": exc.reason})
        return "failed"
    limiter.wait()
    try:
        ses_message_id = ses.send(composed.envelope, composed.rendered, composed.raw, ses=ses_client)
    except ses.SendError as exc:
        failure = classify(exc.code, exc.http_status)
        if failure.permanent or horizon_passed(record.retrying_since, now, horizon):
            reason = f"ses:{exc.code}" if failure.permanent else f"gave_up:ses:{exc.code}"
            outbox.mark_failed(claimed, reason, now)
            count("EmailFailed")
            logger.warning("email failed", extra={**log, "error": exc.code, "permanent": failure.permanent})
            return "failed"
        due = now + timedelta(seconds=retry_delay(record.attempts, rng))
        outbox.retry_later(claimed, f"ses:{exc.code}", due, now)
        count("EmailRetried")
        logger.info("email will be retried", extra={**log, "error": exc.code,
                                                     "account_level": failure.account_level})
        return "paused" if failure.account_level else "retry"
    # From here on SES has the message: nothing below may lead to sending it again.
    recorded = _record_sent(claimed, ses_message_id, now, sleep, log)
    count("EmailSent")
    if settings.local_mail_dir:
        try:
            mailbox.keep(settings.local_mail_dir, claimed.message_id, composed.full, now)
        except OSError as exc:
            logger.warning("local mailbox not written", extra={**log, "error": type(exc).__name__})
    return "sent" if recorded else "error"


def _record_sent(claimed: outbox.Claimed, ses_message_id: str, now: datetime, sleep: Callable[[float], None],
                 log: dict[str, Any]) -> bool:
    """Record that SES accepted the message, retrying DynamoDB errors a few times (the write is idempotent).
    ``False`` when it could not be recorded: the lease then runs out and the message may be sent again."""
    delay = RECORD_BACKOFF_SECONDS
    for attempt in range(1, RECORD_ATTEMPTS + 1):
        try:
            if not outbox.mark_sent(claimed, ses_message_id, now):
                # Our lease ran out while SES was answering and another sender took over: it may send it again.
                count("EmailPossibleDuplicate")
                logger.warning("email sent after its lease ran out", extra=log)
            return True
        except Exception as exc:
            if not outbox.storage_error(exc) or attempt == RECORD_ATTEMPTS:
                count("EmailOutcomeNotRecorded")
                logger.error("email sent but not recorded", extra={**log, "error": type(exc).__name__})
                return False
            sleep(delay)
            delay *= 2
    return False  # pragma: no cover - the loop always returns


def _contain(claimed: outbox.Claimed, exc: Exception, now: datetime, rng: random.Random | None,
             log: dict[str, Any]) -> str:
    """An unexpected error before SES was called: a storage error is retried later (it is not the message's
    fault); anything else fails the message with the error's type as reason (never its text, which may quote
    the address)."""
    error = type(exc).__name__
    try:
        if outbox.storage_error(exc):
            due = now + timedelta(seconds=retry_delay(claimed.queued.attempts, rng))
            outbox.retry_later(claimed, f"storage:{error}", due, now)
            count("EmailRetried")
            logger.warning("email will be retried: storage error", extra={**log, "error": error})
            return "retry"
        outbox.mark_failed(claimed, f"error:{error}", now)
    except Exception as again:  # DynamoDB is out too: the lease runs out and another attempt follows
        logger.error("email outcome not recorded", extra={**log, "error": error, "then": type(again).__name__})
        return "error"
    count("EmailFailed")
    logger.error("email failed: cannot be built or sent", extra={**log, "error": error})
    return "failed"


def _fail_unreadable(unreadable: outbox.UnreadableMessage, now: datetime) -> str:
    """A claimed message whose stored form is not a valid message (an address from before today's rules)."""
    log = {"message_id": unreadable.message_id, "error": "invalid_message"}
    try:
        outbox.mark_unreadable(unreadable, "invalid_message", now)
    except Exception as exc:
        logger.error("email outcome not recorded", extra={**log, "then": type(exc).__name__})
        return "error"
    count("EmailFailed")
    logger.error("email failed: stored message is not valid", extra=log)
    return "failed"


def drain(now: Callable[[], datetime] | None = None, batch_size: int = 25, max_messages: int | None = None,
          time_budget_seconds: float | None = None, ses_client: Any = None, limiter: RateLimiter | None = None,
          rng: random.Random | None = None) -> DrainResult:
    """Send every message that is due, batch by batch, at no more than the configured send rate."""
    clock = now or utcnow
    limiter = limiter or RateLimiter(get_settings().ses_max_send_rate)
    started = time.monotonic()
    result = DrainResult()
    while True:
        if time_budget_seconds is not None and time.monotonic() - started > time_budget_seconds:
            break
        batch = outbox.due(clock(), batch_size)
        if not batch:
            break
        progressed = False
        for queued_id in batch:
            try:
                outcome = send_one(queued_id, clock(), limiter, ses_client, rng)
            except Exception as exc:  # the claim itself failed (DynamoDB): the next message may still go
                logger.error("email not claimed", extra={"message_id": queued_id, "error": type(exc).__name__})
                outcome = "error"
            result.outcomes[outcome] += 1
            progressed = progressed or outcome not in {"skipped", "error"}
            if outcome == "paused":  # SES cannot send for the account now: leave the rest queued
                return result
            if max_messages is not None and sum(result.outcomes.values()) >= max_messages:
                return result
        if not progressed:  # everything due is held by other senders: leave it to them
            break
    return result
