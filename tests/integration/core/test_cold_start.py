"""The cold start does not grow with capabilities: ``import app`` imports route tables only, a request
imports only core and the capabilities it uses, and the whole process makes one botocore session.

Each case runs ``request_probe`` in a fresh interpreter against a moto server provisioned as ``make run``
provisions it (a fresh process: what one interpreter imported is the point of the test).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest

from tools import provision

ROOT = Path(__file__).resolve().parents[3]
CAPABILITIES = ("directory", "mail", "workshops")


@pytest.fixture(scope="module")
def server() -> Iterator[dict[str, str]]:
    # Its own process: a moto server started in this one would share moto's state with any other here.
    aws = subprocess.Popen([sys.executable, "-m", "tools.embedded_aws"], cwd=ROOT, stdout=subprocess.PIPE,
                           text=True)
    try:
        assert aws.stdout is not None
        endpoint = aws.stdout.readline().strip()
        env = {**provision.stage_environment("local"), **provision.emulator_environment(endpoint),
               "PYTHONPATH": str(ROOT), "LOCAL_MAIL_DIR": ""}
        identity = provision.provision_in_subprocess(env)
        idp = boto3.client("cognito-idp", region_name=provision.REGION, endpoint_url=endpoint,
                           aws_access_key_id="testing", aws_secret_access_key="testing")
        email, _ = provision.DEMO_USERS["cafcass-admin"]
        env.update(COGNITO_USER_POOL_ID=identity.user_pool_id, COGNITO_CLIENT_IDS=identity.client_id,
                   PROBE_TOKEN=provision.sign_in(idp, identity.client_id, email))
        yield env
    finally:
        aws.terminate()
        aws.wait(timeout=30)


def probe(env: dict[str, str], *args: str) -> dict[str, Any]:
    result = subprocess.run([sys.executable, "-m", "tests.integration.core.request_probe", *args], cwd=ROOT,
                            env={**os.environ, **env}, capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def capabilities_in(modules: list[str]) -> set[str]:
    """Capabilities whose code was imported: beyond their route table and event blueprint, which
    ``app`` imports for every capability (they are cheap, and Chalice needs them to build the app)."""
    cold = {f"chalicelib.{c}{suffix}" for c in CAPABILITIES for suffix in ("", ".routes", ".events")}
    return {m.split(".")[1] for m in modules if m not in cold and m.split(".")[1:2]
            and m.split(".")[1] in CAPABILITIES}


def test_import_app_imports_route_tables_and_event_blueprints_only(server: dict[str, str]) -> None:
    facts = probe(server)
    loaded = facts["after_import"]
    assert not [m for m in loaded if any(f".{layer}" in m for layer in (".store", ".services", ".schemas",
                                                                         ".domain", ".adapters"))], loaded
    assert not [m for m in loaded if m.split(".")[-1] in ("store", "service", "schemas", "domain")], loaded
    assert facts["third_party"] == []  # no PynamoDB, pydantic, PyJWT, Jinja2 or icalendar at cold start
    assert facts["sessions"] == 0


def test_a_directory_request_imports_no_other_capability(server: dict[str, str]) -> None:
    facts = probe(server, "GET", "/organisations/E09000033", "GET", "/organisations?limit=2")
    assert facts["statuses"] == [200, 200]
    assert capabilities_in(facts["modules"]) == {"directory"}, facts["modules"]


def test_a_workshop_request_imports_workshops_and_what_it_calls_through_services(server: dict[str, str]) -> None:
    facts = probe(server, "GET", "/workshops")
    assert facts["statuses"] == [200]
    loaded = facts["modules"]
    assert "chalicelib.workshops.services.scheduling" in loaded
    # Other capabilities only through their service modules (and what those import).
    assert not [m for m in loaded if m.startswith(("chalicelib.directory.routes.", "chalicelib.mail.routes."))]
    assert "chalicelib.mail.services.sender" not in loaded and "chalicelib.mail.adapters.ses" not in loaded


def test_every_capability_shares_one_botocore_session(server: dict[str, str]) -> None:
    facts = probe(server, "GET", "/health", "GET", "/organisations/E09000033", "GET", "/workshops",
                  "GET", "/email/suppressions", "POST", "/email/test", "GET", "/me/registrations", "--drain")
    assert facts["statuses"][:6] == [200, 200, 200, 200, 202, 200]
    assert facts["statuses"][6] >= 1  # the test email went out through SES
    assert capabilities_in(facts["modules"]) == set(CAPABILITIES)
    assert facts["sessions"] == 1  # DynamoDB (every table) and SES from one session
