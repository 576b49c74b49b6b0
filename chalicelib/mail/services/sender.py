"""Draining the outbox: claim a due message, check suppression, render, send through SES, record.

Run by the outbox table's stream (new messages at once), by a scheduled
sweeper (retries, and anything a stream invocation missed), by a background
loop under ``make run``, and directly by tests. Any number of senders may run
at once: each message is claimed with a conditional write, so it is sent by
exactly one of them. A sender that dies after SES accepted a message but
before recording it leaves the lease to expire and the message is sent again:
SES offers no idempotency key, so that crash window is the one way to a
duplicate; it is never a loss.
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
    exhausted,
    retry_delay,
)
from chalicelib.mail.store import outbox, suppressions

MESSAGE_ID_HEADER = "X-Partnerships-Message-Id"
UNSUBSCRIBE_PURPOSE = "unsubscribe"


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
    return f"{get_settings().public_base_url}/email/unsubscribe?token={token}"


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
             rng: random.Random | None = None) -> str:
    """Try to send one message; return the outcome (``sent``, ``retry``, ``failed``, ``suppressed`` or
    ``skipped`` when another sender holds it or it is not due)."""
    settings = get_settings()
    claimed = outbox.claim(message_id, now)
    if claimed is None:
        return "skipped"
    record = claimed.queued
    message = record.message
    log = {"message_id": message_id, "template": message.template, "attempt": record.attempts}
    if exhausted(record.attempts - 1, settings.email_max_attempts):
        outbox.mark_failed(claimed, f"attempts_exhausted:{record.last_error or 'unknown'}", now)
        count("EmailFailed")
        logger.warning("email failed: attempts exhausted", extra=log)
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
        if failure.permanent or exhausted(record.attempts, settings.email_max_attempts):
            outbox.mark_failed(claimed, f"ses:{exc.code}", now)
            count("EmailFailed")
            logger.warning("email failed", extra={**log, "error": exc.code, "permanent": failure.permanent})
            return "failed"
        due = now + timedelta(seconds=retry_delay(record.attempts, rng))
        outbox.retry_later(claimed, f"ses:{exc.code}", due)
        count("EmailRetried")
        logger.info("email will be retried", extra={**log, "error": exc.code})
        return "retry"
    if not outbox.mark_sent(claimed, ses_message_id, now):
        logger.warning("email sent after its lease ran out", extra=log)
    count("EmailSent")
    if settings.local_mail_dir:
        mailbox.keep(settings.local_mail_dir, message_id, composed.full, now)
    return "sent"


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
            outcome = send_one(queued_id, clock(), limiter, ses_client, rng)
            result.outcomes[outcome] += 1
            progressed = progressed or outcome != "skipped"
            if max_messages is not None and sum(result.outcomes.values()) >= max_messages:
                return result
        if not progressed:  # everything due is held by other senders: leave it to them
            break
    return result
