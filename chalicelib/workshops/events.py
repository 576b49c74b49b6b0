"""Event-driven entry points of the workshops capability: the hourly job.

Chalice does not apply HTTP middleware to blueprint event handlers (chalice#1566), so the handler
sets its own log context and flushes its metrics.
"""

from __future__ import annotations

from typing import Any

from chalice import Blueprint, Rate

from chalicelib.core.observability import flush_metrics, logger

bp = Blueprint(__name__)


@bp.schedule(Rate(1, unit=Rate.HOURS), name="workshop_jobs")
def workshop_jobs(event: Any) -> None:
    """Hourly: complete finished workshops, send reminders and feedback requests, fill freed or released
    places, and finish any interrupted notices. Every step is idempotent."""
    from chalicelib.workshops.services import jobs as jobs

    logger.set_correlation_id(None)
    try:
        jobs.run()
    finally:
        flush_metrics()
