"""How placement use cases keep trying while concurrent registrations change the same workshop."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from chalicelib.core.dynamo.transactions import RetryPolicy, retrying
from chalicelib.core.observability import count
from chalicelib.workshops.domain.errors import Busy

T = TypeVar("T")

# Inside the function's 25 s timeout and API Gateway's 29 s: past it the client is told to try again (409).
# Backoff is short: a contended join succeeds for one contender per round, so rounds are cheap.
PLACEMENT_RETRY = RetryPolicy(max_attempts=400, budget_seconds=15.0, max_backoff_seconds=0.1)


def keep_trying(attempt: Callable[[int], T]) -> T:
    """Run ``attempt(n)`` again after a refused or contended transaction; ``Busy`` past the budget."""
    return retrying(attempt, PLACEMENT_RETRY, Busy, on_retry=lambda: count("RegistrationRetry"))
