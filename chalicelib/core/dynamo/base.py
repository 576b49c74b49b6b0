"""What every PynamoDB model shares: region, timeouts, billing mode, and the list of models.

PynamoDB reads ``Meta`` when a model class is created, so settings must be in
the environment before ``chalicelib.store`` is imported (tests set it first).
No ``host`` is set: botocore picks up ``AWS_ENDPOINT_URL`` by itself.
"""

from __future__ import annotations

from typing import Any

from pynamodb.connection import Connection
from pynamodb.exceptions import PynamoDBException, UpdateError
from pynamodb.models import Model

from chalicelib.core.settings import get_settings

_settings = get_settings()


class StoreMeta:
    """Base ``Meta`` for every table: fail fast rather than hang a Lambda until API Gateway's 29 s limit."""

    region = _settings.region
    connect_timeout_seconds = 2
    read_timeout_seconds = 5
    max_retry_attempts = 3
    billing_mode = "PAY_PER_REQUEST"


def condition_failed(exc: PynamoDBException) -> bool:
    """True when a write was refused because its condition did not hold (not an outage or a bug)."""
    return exc.cause_response_code == "ConditionalCheckFailedException"


def update_if(record: Model, actions: list[Any], condition: Any) -> bool:
    """One conditional UpdateItem; ``False`` when the condition did not hold (``record`` then is unchanged)."""
    try:
        record.update(actions=actions, condition=condition)
    except UpdateError as exc:
        if condition_failed(exc):
            return False
        raise
    return True


_connection: Connection | None = None


def connection() -> Connection:
    """The process-wide connection for ``TransactWrite``/``TransactGet`` (PynamoDB requires one explicitly).

    Shared, because each new ``Connection`` builds its own botocore session and client (tens of
    milliseconds of CPU): one per transaction was the main cost of a registration.
    """
    global _connection
    if _connection is None:
        _connection = Connection(region=_settings.region, connect_timeout_seconds=StoreMeta.connect_timeout_seconds,
                                 read_timeout_seconds=StoreMeta.read_timeout_seconds,
                                 max_retry_attempts=StoreMeta.max_retry_attempts, max_pool_connections=32)
    return _connection


def all_models() -> list[type[Model]]:
    """Every table the service owns; ``make run``, tests and infrastructure create exactly these."""
    from chalicelib.directory.store import OrganisationRecord
    from chalicelib.mail.store.outbox import OutboxRecord
    from chalicelib.workshops.store.registrations import RegistrationRecord
    from chalicelib.mail.store.suppressions import SuppressionRecord
    from chalicelib.workshops.store.workshops import WorkshopRecord

    # RegistrationRecord owns the registrations table; its other item kinds share that table.
    return [OrganisationRecord, OutboxRecord, SuppressionRecord, WorkshopRecord, RegistrationRecord]
