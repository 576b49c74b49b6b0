"""Time: the service's clock and its wall-clock zone.

Business rules never read the clock themselves: use cases take ``now`` (defaulting to :func:`utcnow`),
so tests and jobs can set it.
"""

from __future__ import annotations

from datetime import datetime, timezone
from zoneinfo import ZoneInfo

LONDON = ZoneInfo("Europe/London")  # sessions, emails and calendar files are in UK wall-clock time


def utcnow() -> datetime:
    """The current instant, timezone-aware, in UTC."""
    return datetime.now(timezone.utc)
