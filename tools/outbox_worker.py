"""The local stand-in for the scheduled functions: drain the outbox every second (in AWS: the outbox
table's stream and the sweeper) and run the workshops' job every minute (in AWS: hourly).

``make run`` starts it beside ``chalice local`` with the same environment.
"""

from __future__ import annotations

import signal
import sys
import threading
import time

_stopping = threading.Event()


def _stop(signum: int, frame: object) -> None:
    _stopping.set()  # the loop ends after the current step; the pause between steps ends at once


def main() -> int:
    """Drain until told to stop."""
    from chalicelib.core.observability import flush_metrics, logger
    from chalicelib.mail.services.sender import drain
    from chalicelib.workshops.services import jobs as workshop_jobs

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    next_jobs = 0.0
    while not _stopping.is_set():
        if time.monotonic() >= next_jobs:
            next_jobs = time.monotonic() + 60
            try:
                workshop_jobs.run()
            except Exception:  # keep the local loop alive; the error is in the log
                logger.exception("workshop jobs failed")
        try:
            result = drain(time_budget_seconds=5)
            if result.outcomes:
                logger.info("outbox drained", extra={"outcomes": dict(result.outcomes)})
        except Exception:  # keep the local loop alive; the error is in the log
            logger.exception("outbox drain failed")
        flush_metrics()
        _stopping.wait(1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
