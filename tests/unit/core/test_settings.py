"""Configuration (chalicelib.core.settings): nothing reads it at import, the deploy-time group is named,
and a deployed function with unsafe settings refuses to start, saying which variables, never their values.

Each case imports in a fresh interpreter: what an import reads is the point.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
SECRET = "a-real-looking-signing-key-that-must-never-be-logged-0123456789"


def run(code: str, **env: str) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "COGNITO_", "LINK_", "STAGE"))}
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, env={**base, "PYTHONPATH": str(ROOT),
                          "AWS_DEFAULT_REGION": "eu-west-2", **env}, capture_output=True, text=True, timeout=60,
                          check=False)


IMPORT_EVERYTHING = """
import importlib, pkgutil
import chalicelib
from chalicelib.core import settings

def refuse():
    raise AssertionError("settings read at import")

settings.get_settings = refuse
import app
names = [m.name for m in pkgutil.walk_packages(chalicelib.__path__, "chalicelib.")]
for name in names:
    importlib.import_module(name)
print(len(names))
"""


def test_no_module_reads_the_settings_at_import() -> None:
    result = run(IMPORT_EVERYTHING, STAGE="prod")
    assert result.returncode == 0, result.stderr[-2000:]
    assert int(result.stdout.strip()) > 50  # every module of the service was imported


def test_a_deployed_function_with_unsafe_settings_refuses_to_start_naming_the_variables() -> None:
    result = run("import app", STAGE="prod", AWS_LAMBDA_FUNCTION_NAME="partnerships-prod",
                 PUBLIC_BASE_URL="https://partnerships.example.org", LINK_SIGNING_KEY="short")
    assert result.returncode != 0
    assert "SettingsError" in result.stderr
    lines = [json.loads(line) for line in (result.stdout + result.stderr).splitlines() if line.startswith("{")]
    refusal = [line for line in lines if line.get("message") == "unsafe configuration: refusing to start"]
    assert refusal and refusal[0]["level"] == "ERROR" and refusal[0]["stage"] == "prod"
    problems = " ".join(refusal[0]["problems"])
    assert "LINK_SIGNING_KEY" in problems and "COGNITO_USER_POOL_ID" in problems
    assert "COGNITO_CLIENT_IDS" in problems and "short" not in problems


def test_a_deployed_function_with_safe_settings_starts() -> None:
    result = run("import app; print('started')", STAGE="prod", AWS_LAMBDA_FUNCTION_NAME="partnerships-prod",
                 PUBLIC_BASE_URL="https://partnerships.example.org",
                 LINK_SIGNING_SECRET="secretsmanager:partnerships/prod/link-signing-keys",
                 COGNITO_USER_POOL_ID="eu-west-2_abc123", COGNITO_CLIENT_IDS="client1")
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip().endswith("started")


def test_link_keys_in_a_deployed_functions_environment_are_refused() -> None:
    # In AWS the keys live in Secrets Manager or Parameter Store, not in the function's configuration.
    result = run("import app", STAGE="prod", AWS_LAMBDA_FUNCTION_NAME="partnerships-prod",
                 PUBLIC_BASE_URL="https://partnerships.example.org", LINK_SIGNING_KEY=SECRET,
                 COGNITO_USER_POOL_ID="eu-west-2_abc123", COGNITO_CLIENT_IDS="client1")
    assert result.returncode != 0 and "LINK_SIGNING_SECRET" in result.stdout + result.stderr
    assert SECRET not in result.stdout + result.stderr


def test_an_emulator_endpoint_is_refused_in_a_deployed_stage() -> None:
    result = run("import app", STAGE="prod", AWS_LAMBDA_FUNCTION_NAME="partnerships-prod",
                 PUBLIC_BASE_URL="https://partnerships.example.org",
                 LINK_SIGNING_SECRET="secretsmanager:partnerships/prod/link-signing-keys",
                 COGNITO_USER_POOL_ID="eu-west-2_abc123", COGNITO_CLIENT_IDS="client1",
                 AWS_ENDPOINT_URL="http://127.0.0.1:5000")
    assert result.returncode != 0 and "AWS_ENDPOINT_URL" in result.stdout + result.stderr


def test_packaging_and_the_emulator_stages_are_not_checked() -> None:
    # chalice package imports app on a build machine (no AWS_LAMBDA_FUNCTION_NAME, no secrets)...
    assert run("import app", STAGE="prod").returncode == 0
    # ...and make run and the tests provide what they need.
    assert run("import app", STAGE="local", AWS_LAMBDA_FUNCTION_NAME="api_handler").returncode == 0


def test_the_deploy_time_group_is_read_when_chalice_builds_the_app() -> None:
    code = ("import app\n"
            "print([e.topic for e in app.app.event_sources if getattr(e, 'topic', None)])")
    assert run(code, STAGE="prod").stdout.strip() == "['partnerships-prod-ses-events']"
    assert run(code, STAGE="prod", SES_EVENTS_TOPIC="custom-topic").stdout.strip() == "['custom-topic']"
