"""Event-driven entry points of the mail capability (not HTTP): the outbox sender and SES events.

* ``outbox_stream``: the outbox table's DynamoDB stream sends new messages at once. The function is
  always declared; the infrastructure attaches the stream to it (an event source mapping on the
  table's stream, which only exists once the table does), so packaging never needs the stream's ARN;
* a schedule every minute: the sweeper, for retries and anything the stream missed;
* the SNS topic of SES events: delivery, bounce, complaint, reject, delay.

Chalice does not apply HTTP middleware to blueprint event handlers (chalice#1566), so each handler
sets its own log context and flushes its metrics.
"""

from __future__ import annotations

import json
from typing import Any

from chalice import Blueprint, Rate

from chalicelib.core.observability import flush_metrics, logger
from chalicelib.core.settings import deploy_settings, get_settings

bp = Blueprint(__name__)
SWEEP_BUDGET_SECONDS = 45.0  # the function's timeout is longer: stop claiming before it


@bp.schedule(Rate(1, unit=Rate.MINUTES), name="outbox_sweeper")
def outbox_sweeper(event: Any) -> None:
    """Send whatever is due: retries after backoff, and anything the stream trigger did not send."""
    from chalicelib.mail.services import sender as email_sender

    logger.set_correlation_id(None)
    try:
        result = email_sender.drain(time_budget_seconds=SWEEP_BUDGET_SECONDS)
        logger.info("outbox swept", extra={"outcomes": dict(result.outcomes)})
    finally:
        flush_metrics()


def send_new_messages(records: list[dict[str, Any]]) -> dict[str, int]:
    """Stream records -> send each newly queued message (others wait for the sweeper)."""
    from chalicelib.core.time import utcnow
    from chalicelib.mail.services import sender as email_sender

    limiter = email_sender.RateLimiter(get_settings().ses_max_send_rate)
    outcomes: dict[str, int] = {}
    for record in records:
        if record.get("eventName") != "INSERT":
            continue
        message_id = ((record.get("dynamodb") or {}).get("Keys") or {}).get("message_id", {}).get("S")
        if message_id:
            outcome = email_sender.send_one(message_id, utcnow(), limiter)
            outcomes[outcome] = outcomes.get(outcome, 0) + 1
    return outcomes


@bp.lambda_function(name="outbox_stream")
def outbox_stream(event: dict[str, Any], context: Any) -> dict[str, int]:
    """New outbox items (a DynamoDB stream batch): send them now rather than at the next sweep."""
    logger.set_correlation_id(None)
    try:
        outcomes = send_new_messages(list(event.get("Records") or []))
        logger.info("outbox stream batch", extra={"outcomes": outcomes})
        return outcomes
    finally:
        flush_metrics()


@bp.on_sns_message(topic=deploy_settings().ses_events_topic, name="ses_events")
def ses_events(event: Any) -> None:
    """One SES event per SNS message. Payloads hold addresses: only codes and ids are logged."""
    from chalicelib.mail.services import email as email_service

    logger.set_correlation_id(None)
    try:
        try:
            payload = json.loads(event.message)
        except (TypeError, ValueError):
            logger.warning("ses event is not JSON")
            return
        if isinstance(payload, dict):
            email_service.record_ses_event(payload)
    finally:
        flush_metrics()
