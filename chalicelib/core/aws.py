"""The process's one botocore session, and the AWS clients made from it.

A botocore session loads service models and credentials; building one costs tens of milliseconds of
CPU, and PynamoDB would build one per model class (and per thread). Every AWS client of the service
comes from :func:`session`, so a cold start pays for one. boto3 is not imported: botocore is enough.
"""

from __future__ import annotations

import threading
from typing import Any

_lock = threading.Lock()
_session: Any = None
_clients: dict[str, Any] = {}


def session() -> Any:
    """The process-wide botocore session (created on first use; botocore sessions are not thread-safe to
    create clients from, so client creation below holds a lock)."""
    global _session
    if _session is None:
        with _lock:
            if _session is None:
                from botocore.session import get_session

                _session = get_session()
    return _session


def client(service: str, **kwargs: Any) -> Any:
    """The process's client for ``service``, made once from the shared session (``kwargs`` as
    ``create_client``; one adapter owns each service's client, so its configuration is the one used)."""
    found = _clients.get(service)
    if found is None:
        current = session()
        with _lock:
            found = _clients.get(service)
            if found is None:
                found = current.create_client(service, **kwargs)
                _clients[service] = found
    return found

