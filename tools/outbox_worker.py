"""The local stand-in for the outbox's stream trigger and sweeper: drain the outbox every second.

``make run`` starts it beside ``chalice local`` with the same environment; in AWS the outbox table's
stream and a scheduled function run the same ``drain``.
"""

from __future__ import annotations

import signal
import sys
import time

_running = True


def _stop(signum: int, frame: object) -> None:
    global _running
    _running = False


def main() -> int:
    """Drain until told to stop."""
    from chalicelib.observability import flush_metrics, logger
    from chalicelib.services.email_sender import drain

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    while _running:
        try:
            result = drain(time_budget_seconds=5)
            if result.outcomes:
                logger.info("outbox drained", extra={"outcomes": dict(result.outcomes)})
        except Exception:  # keep the local loop alive; the error is in the log
            logger.exception("outbox drain failed")
        flush_metrics()
        time.sleep(1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
