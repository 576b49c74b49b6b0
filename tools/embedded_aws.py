"""An embedded AWS for local runs and tests: a moto server on 127.0.0.1.

Requests are applied one at a time (a lock around the WSGI application).
moto's backends are not linearisable under concurrent requests (conditional
writes were seen to overshoot); DynamoDB applies conditional writes to an item
atomically, so serialising requests models the real service and a failed
concurrency test then points at the service's logic, not at the emulator.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from moto.moto_server.threaded_moto_server import ThreadedMotoServer
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
from werkzeug.serving import make_server


class _Serialised:
    def __init__(self, app: Any) -> None:
        self._app = app
        self._lock = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        with self._lock:
            # Materialise the body inside the lock so the request is applied whole.
            return list(self._app(environ, start_response))


class EmbeddedAWS(ThreadedMotoServer):
    """A moto server whose requests are applied one at a time."""

    def __init__(self, port: int = 0) -> None:
        super().__init__(ip_address="127.0.0.1", port=port, verbose=False)
        logging.getLogger("werkzeug").setLevel(logging.WARNING)  # one access-log line per AWS call is noise

    def _server_entry(self) -> None:
        import signal

        from tools.moto_patches import install

        # The kernel may deliver a signal sent to the process to any thread that does not block it; Python then
        # runs the handler only when the main thread next runs, which for a main thread asleep is never. So this
        # thread (and the request threads it starts, which inherit the mask) block the stopping signals.
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})
        install()
        app = _Serialised(DomainDispatcherApplication(create_backend_app))
        self._server = make_server(self._ip_address, self._port, app, True, request_handler=MotoRequestHandler)
        self._server_ready_event.set()
        self._server.serve_forever()

    @property
    def endpoint(self) -> str:
        """The URL to put in ``AWS_ENDPOINT_URL``."""
        host, port = self.get_host_and_port()
        return f"http://{host}:{port}"


def main() -> None:
    """Run a serialised moto server in its own process (own interpreter, own GIL) until killed;
    prints its endpoint on the first line."""
    import signal
    import sys
    import time

    server = EmbeddedAWS(int(sys.argv[1]) if len(sys.argv) > 1 else 0)
    server.start()
    print(server.endpoint, flush=True)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        while True:
            time.sleep(3600)
    finally:
        server.stop()


if __name__ == "__main__":
    main()
