"""Run in a fresh interpreter by ``test_cold_start.py``: import the app, make requests, report what the
process imported and how many botocore sessions it created. Arguments: ``METHOD PATH`` pairs, then
``--drain`` to also send the queued email; the token is in ``PROBE_TOKEN``."""

from __future__ import annotations

import json
import os
import sys

import botocore.session

sessions: list[int] = []
_original_init = botocore.session.Session.__init__


def _counting_init(self: botocore.session.Session, *args: object, **kwargs: object) -> None:
    sessions.append(1)
    _original_init(self, *args, **kwargs)  # type: ignore[arg-type]


botocore.session.Session.__init__ = _counting_init  # type: ignore[method-assign]


def main() -> None:
    """Import ``app``, make the requests, print one JSON line of facts."""
    # Imported here, after the session counter is in place.
    from chalice.test import Client

    import app
    from tools.local_gateway import install

    install()
    after_import = sorted(m for m in sys.modules if m.startswith("chalicelib"))
    args = sys.argv[1:]
    drain = "--drain" in args
    pairs = [a for a in args if a != "--drain"]
    headers = {"Authorization": f"Bearer {os.environ['PROBE_TOKEN']}", "Content-Type": "application/json"}
    statuses = []
    with Client(app.app) as client:
        for method, path in zip(pairs[::2], pairs[1::2], strict=True):
            body = b"{}" if method == "POST" else None
            response = client.http.request(method, path, headers=headers, body=body)
            statuses.append(response.status_code)
    if drain:
        from chalicelib.mail.services.sender import drain as send_due

        statuses.append(sum(send_due(time_budget_seconds=10).outcomes.values()))
    print(json.dumps({"statuses": statuses, "sessions": len(sessions), "after_import": after_import,
                      "modules": sorted(m for m in sys.modules if m.startswith("chalicelib")),
                      "third_party": sorted({m.split(".")[0] for m in sys.modules} & {"pynamodb", "pydantic", "jwt",
                                                                                        "jinja2", "icalendar"})}))


if __name__ == "__main__":
    main()
