"""Every name the bench takes from the service (``app`` and ``chalicelib``), each module imported here only.

Imports are inside the functions: the parent process stays light, and nothing of the service is loaded before
a worker has set its environment and started moto. When chalicelib moves a module, the change is its one import
line below. (Figure 1's statements run in a fresh interpreter, so they are strings: ``imports.APP_CLIENT_IMPORT``
names ``chalicelib.tables``.)
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any


@contextmanager
def test_client() -> Iterator[Any]:
    """The Lambda handler module's app in ``chalice.test.Client``; yields the client's ``http``."""
    from chalice.test import Client

    from app import app

    with Client(app) as client:
        yield client.http


def settings(reset: bool = False) -> Any:
    """The service's settings (``reset``: forget the cached ones first, to read the environment again)."""
    from chalicelib.core.settings import get_settings, reset_settings

    if reset:
        reset_settings()
    return get_settings()


@contextmanager
def token_verifier(issuer: str, client_id: str, fetch_keys: Callable[[str], dict[str, Any]]) -> Iterator[None]:
    """Make the service verify ID tokens of ``issuer`` with keys from ``fetch_keys(url)``; default again after."""
    from chalicelib.core.auth.tokens import KeySet, TokenVerifier, set_default_verifier

    set_default_verifier(TokenVerifier(issuer=issuer, client_ids=(client_id,),
                                       keys=KeySet("https://jwks.test/keys", fetch=fetch_keys)))
    try:
        yield
    finally:
        set_default_verifier(None)


def outgoing_email(**fields: Any) -> Any:
    """A message as the API queues it."""
    from chalicelib.mail.domain import OutgoingEmail

    return OutgoingEmail(**fields)


def queue_outbox(emails: Iterable[Any], now: datetime) -> None:
    """Queue ``emails`` with one BatchWriteItem run of the outbox store's own records."""
    from chalicelib.mail.store import outbox

    with outbox.OutboxRecord.batch_write() as batch:
        for email in emails:
            batch.save(outbox.new_record(email, now))


def ses_client() -> Any:
    """The SES v2 client the sender uses."""
    from chalicelib.mail.adapters import ses

    return ses.client()


def sender() -> Callable[..., Any]:
    """The outbox sender's ``drain``, as ``drain(rate, **options)`` under ``RateLimiter(rate)`` (0: no limit).

    Imported when this is called: call it before a measured window, so the import is not measured."""
    from chalicelib.mail.services.sender import RateLimiter, drain

    def drain_at(rate: float, **options: Any) -> Any:
        return drain(limiter=RateLimiter(rate), **options)

    return drain_at
