"""Service health: is the data store reachable?"""

from __future__ import annotations

from dataclasses import dataclass

from chalicelib.core.observability import logger
from chalicelib.directory import store as store


@dataclass(frozen=True)
class Health:
    """What ``/health`` reports."""

    dynamodb_ok: bool

    @property
    def ok(self) -> bool:
        """True when every dependency answered."""
        return self.dynamodb_ok


def check() -> Health:
    """Probe DynamoDB with one cheap read; failures are logged by type only."""
    try:
        store.ping()
        return Health(dynamodb_ok=True)
    except Exception as exc:  # any failure means "unavailable"; the kind goes to the log, not the client
        logger.warning("health: dynamodb unreachable", extra={"error_type": type(exc).__name__})
        return Health(dynamodb_ok=False)
