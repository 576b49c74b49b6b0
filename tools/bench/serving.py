"""In process, for figures 2, 3 and 5a: the DynamoDB call counter, moto with the app, and serving use cases."""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from typing import Any

from tools.bench import service
from tools.bench.common import REGION, Context, UseCase


class DynamoCalls:
    """botocore ``before-call.dynamodb`` handler: records every DynamoDB API call (not retries)."""

    def __init__(self) -> None:
        self.calls: list[str] = []

    def __call__(self, model: Any = None, params: Any = None, event_name: str = "", **_: Any) -> None:
        op = getattr(model, "name", None) or event_name.rsplit(".", 1)[-1]
        index = None
        with suppress(TypeError, ValueError, AttributeError):
            index = json.loads((params or {}).get("body") or b"{}").get("IndexName")
        self.calls.append(f"{op}({index})" if index else op)
        # Returning None lets the call proceed (a value would short-circuit it).

    def take(self) -> list[str]:
        """The calls since the last ``take``."""
        calls, self.calls = self.calls, []
        return calls


def install_counter() -> DynamoCalls:
    """Register the counter for every botocore session created from now on.

    ``BUILTIN_HANDLERS`` is the list every new botocore session registers on its
    event emitter (moto installs its stub the same way), so the handler reaches
    PynamoDB's per-connection clients, clients PynamoDB recreates, and the
    ``Connection`` objects made per transaction. Must run before any session exists.
    """
    from botocore import handlers

    counter = DynamoCalls()
    handlers.BUILTIN_HANDLERS.append(("before-call.dynamodb", counter))
    return counter


def _moto_public_jwks(url: str) -> dict[str, Any]:
    """The key set moto's Cognito signs with (as in tests/integration/conftest.py)."""
    import gzip
    from importlib import resources

    data = resources.files("moto.cognitoidp").joinpath("resources/jwks-public.json.gz").read_bytes()
    return dict(json.loads(gzip.decompress(data)))


def token_source(client_id: str, **idp_options: Any) -> Callable[[str], str]:
    """``token_for(role)``: the ID token of the role's demo user, signed in once (a Cognito client of
    ``idp_options``, default the bench region's)."""
    import boto3

    from tools import provision

    idp = boto3.client("cognito-idp", **{"region_name": REGION, **idp_options})
    tokens: dict[str, str] = {}

    def token_for(role: str) -> str:
        if role not in tokens:
            tokens[role] = provision.sign_in(idp, client_id, provision.DEMO_USERS[role][0])
        return tokens[role]

    return token_for


def send(http: Any, method: str, path: str, token: str | None = None, body: Any = None) -> Any:
    """One request through the Chalice test client's ``http``, JSON body and bearer token if given."""
    headers = {"Accept": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    data = b""
    if body is not None:
        headers["Content-Type"] = "application/json"
        data = json.dumps(body).encode()
    return http.request(method, path, headers=headers, body=data)


def _request(ctx: Context, uc: UseCase) -> Any:
    path = uc.path(ctx) if callable(uc.path) else uc.path
    body = uc.body(ctx) if callable(uc.body) else uc.body
    return send(ctx.http, uc.method, path, ctx.token_for(uc.role) if uc.role else None, body)


@contextmanager
def in_process_app(patched: bool = False) -> Iterator[Context]:
    """moto in process, provisioned; yields a :class:`Context` on the Chalice test client (``token_for(role)``
    signs in against moto's Cognito). Install the counter first. ``patched``: ``tools.moto_patches.install()``
    first (before ``mock_aws`` starts), as the integration tests do."""
    from moto import mock_aws

    if patched:
        from tools.moto_patches import install

        install()
    with mock_aws():
        from tools import provision

        identity = provision.provision()
        issuer = f"https://cognito-idp.{service.settings().region}.amazonaws.com/{identity.user_pool_id}"
        with service.token_verifier(issuer, identity.client_id, _moto_public_jwks):
            token_for = token_source(identity.client_id)
            with service.test_client() as http:
                yield Context(http=http, token_for=token_for)


def serve(ctx: Context, use_cases: list[UseCase], counter: DynamoCalls) -> list[dict[str, Any]]:
    """Serve each use case in turn, counting the DynamoDB calls of its request (not of its setup)."""
    rows: list[dict[str, Any]] = []
    for uc in use_cases:
        row: dict[str, Any] = {"name": uc.name}
        response = None
        try:
            if uc.role:
                ctx.token_for(uc.role)  # sign in outside the counted window
            if uc.setup:
                uc.setup(ctx)
            counter.take()
            t0 = time.perf_counter()
            if uc.run is not None:
                status = uc.run(ctx)
            else:
                response = _request(ctx, uc)
                ctx.responses[uc.name] = response
                status = response.status_code
            row["ms"] = (time.perf_counter() - t0) * 1000
            row["status"] = status
        except Exception as exc:  # report the row as failed, keep benchmarking the others
            row["status"] = None
            row["error"] = f"{type(exc).__name__}: {exc}"[:200]
        row["calls"] = counter.take()
        if uc.detail is not None and response is not None:
            try:
                row["detail"], row["detail_ok"] = uc.detail(ctx, response)
            except Exception as exc:
                row["detail"], row["detail_ok"] = f"{type(exc).__name__}: {exc}"[:200], False
            counter.take()  # whatever the detail read is not the use case's
        rows.append(row)
    return rows


def describe_calls(calls: list[str]) -> str:
    if not calls:
        return "-"
    counts = Counter(calls)
    return ", ".join(f"{op}" + (f" x{n}" if n > 1 else "") for op, n in counts.items())


@dataclass
class TableLine:
    """A served row with what a table line of figure 3 or 5a shows: its use case, its calls, whether a Scan is
    among them, the operations and HTTP status texts, and remarks (the expected status when another came back,
    and the error if any)."""

    row: dict[str, Any]
    uc: UseCase
    calls: list[str]
    has_scan: bool
    ops: str
    status: str
    extra: str


def table_lines(rows: list[dict[str, Any]], use_cases: list[UseCase]) -> list[TableLine]:
    """The :class:`TableLine` of each row a worker served from ``use_cases``."""
    by_name = {uc.name: uc for uc in use_cases}
    lines = []
    for row in rows:
        uc = by_name[row["name"]]
        has_scan = any(c.startswith("Scan") for c in row["calls"])
        extra = f"  (expected HTTP {uc.status})" if row["status"] != uc.status else ""
        if row.get("error"):
            extra += f"  {row['error']}"
        lines.append(TableLine(row=row, uc=uc, calls=row["calls"], has_scan=has_scan,
                               ops=describe_calls(row["calls"]) + ("  SCAN!" if has_scan else ""),
                               status=str(row["status"] if row["status"] is not None else "ERR"), extra=extra))
    return lines
