"""What every PynamoDB model shares: one connection, settings read at call time, and conditional writes.

* :class:`StoreModel` is the base of every record class. Its tables' names come from the settings when
  PynamoDB first needs them (``table_name = setting("...")``), never at import, and every model sends
  its requests through one botocore client made from the process's one session (``core.aws``).
* :func:`update_if` is the one way to make a conditional UpdateItem whose refusal is an answer.

No ``host`` is set: botocore picks up ``AWS_ENDPOINT_URL`` by itself.
"""

from __future__ import annotations

import threading
from typing import Any

from pynamodb.connection import Connection
from pynamodb.connection.table import TableConnection
from pynamodb.exceptions import PynamoDBException, UpdateError
from pynamodb.models import Model

from chalicelib.core import aws
from chalicelib.core.settings import get_settings

CONNECT_TIMEOUT_SECONDS = 2
READ_TIMEOUT_SECONDS = 5
MAX_RETRY_ATTEMPTS = 3


class setting:  # noqa: N801 - used like a value in ``Meta`` classes
    """A ``Meta`` attribute read from the settings each time PynamoDB asks for it (never at import)."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __get__(self, instance: object, owner: type | None = None) -> Any:
        return getattr(get_settings(), self.name)


class SharedConnection(Connection):
    """A PynamoDB connection whose botocore client is the process's one DynamoDB client."""

    _lock = threading.Lock()
    _shared_client: Any = None

    @property
    def session(self) -> Any:
        return aws.session()

    @property
    def client(self) -> Any:
        if SharedConnection._shared_client is None:
            with SharedConnection._lock:
                if SharedConnection._shared_client is None:
                    # PynamoDB's own client configuration (timeouts, retries, no parameter validation).
                    SharedConnection._shared_client = Connection.client.fget(self)  # type: ignore[attr-defined]
        return SharedConnection._shared_client


def _new_connection() -> SharedConnection:
    return SharedConnection(region=get_settings().region, connect_timeout_seconds=CONNECT_TIMEOUT_SECONDS,
                            read_timeout_seconds=READ_TIMEOUT_SECONDS, max_retry_attempts=MAX_RETRY_ATTEMPTS,
                            max_pool_connections=32)


_connection: SharedConnection | None = None


def connection() -> SharedConnection:
    """The process-wide connection for transactions (PynamoDB requires one explicitly)."""
    global _connection
    if _connection is None:
        _connection = _new_connection()
    return _connection


class StoreMeta:
    """Base ``Meta`` for every table: fail fast rather than hang a Lambda until API Gateway's 29 s limit."""

    region = None  # the shared connection's region comes from the settings at first use
    connect_timeout_seconds = CONNECT_TIMEOUT_SECONDS
    read_timeout_seconds = READ_TIMEOUT_SECONDS
    max_retry_attempts = MAX_RETRY_ATTEMPTS
    billing_mode = "PAY_PER_REQUEST"


class StoreModel(Model):
    """Base of every record class: requests go through the shared client (see the module docstring)."""

    @classmethod
    def _get_connection(cls) -> TableConnection:
        table = super()._get_connection()
        if not isinstance(table.connection, SharedConnection):
            shared = _new_connection()
            shared.add_meta_table(table.connection.get_meta_table(table.table_name))
            table.connection = shared
        return table


def ping(table_name: str) -> None:
    """One cheap control-plane read proving DynamoDB answers and ``table_name`` is active (raises otherwise)."""
    status = connection().client.describe_table(TableName=table_name)["Table"]["TableStatus"]
    if status != "ACTIVE":
        raise RuntimeError(f"table status {status}")


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
