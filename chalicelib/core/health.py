"""Service health: is the data store reachable?

One DescribeTable of the directory's table (every request reads reference data from it): it proves the
endpoint answers, the credentials work and the table is active, without knowing any table's keys.
"""

from __future__ import annotations

from dataclasses import dataclass

from chalicelib.core.dynamo.model import ping
from chalicelib.core.observability import logger
from chalicelib.core.settings import get_settings


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
        ping(get_settings().organisations_table)
        return Health(dynamodb_ok=True)
    except Exception as exc:  # any failure means "unavailable"; the kind goes to the log, not the client
        logger.warning("health: dynamodb unreachable", extra={"error_type": type(exc).__name__})
        return Health(dynamodb_ok=False)
