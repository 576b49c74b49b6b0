"""End-to-end fixtures: ``chalice local`` serving the app over HTTP against a moto server,
provisioned exactly as ``make run`` does (same code path: ``tools.local_stack.running_stack``)."""

from __future__ import annotations

import json
import socket
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import pytest

from tools import provision
from tools.local_stack import Stack, running_stack


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class HttpResponse:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


class Api:
    """A tiny HTTP client for the running stack (urllib: no extra dependency)."""

    def __init__(self, stack: Stack) -> None:
        self.stack = stack
        self.url = stack.api_url
        self._idp = boto3.client("cognito-idp", region_name=provision.REGION, endpoint_url=stack.aws_endpoint,
                                 aws_access_key_id="testing", aws_secret_access_key="testing")

    def token(self, role: str) -> str:
        """A real ID token for the demo user of ``role``, issued by the moto server's Cognito."""
        email, _ = provision.DEMO_USERS[role]
        return provision.sign_in(self._idp, self.stack.identity.client_id, email)

    def request(self, method: str, path: str, *, token: str | None = None, body: Any = None,
                headers: dict[str, str] | None = None) -> HttpResponse:
        data = None if body is None else (body if isinstance(body, bytes) else json.dumps(body).encode())
        all_headers = {"Content-Type": "application/json"} if data is not None else {}
        all_headers.update(headers or {})
        if token:
            all_headers["Authorization"] = f"Bearer {token}"
        req = urllib.request.Request(self.url + path, data=data, method=method, headers=all_headers)
        try:
            with urllib.request.urlopen(req, timeout=30) as resp:
                return HttpResponse(resp.status, dict(resp.headers), resp.read())
        except urllib.error.HTTPError as err:
            return HttpResponse(err.code, dict(err.headers), err.read())


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """The service running as ``make run`` runs it, on a free port; its output goes to a log file and its
    mail to a temporary folder (``stack.env["LOCAL_MAIL_DIR"]``)."""
    work = Path(tmp_path_factory.mktemp("e2e"))
    with running_stack(_free_port(), log_path=work / "chalice-local.log",
                       extra_env={"LOCAL_MAIL_DIR": str(work / "mail")}) as running:
        yield running


@pytest.fixture(scope="session")
def api(stack: Stack) -> Api:
    return Api(stack)
