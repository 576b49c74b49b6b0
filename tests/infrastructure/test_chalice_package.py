"""The deployable shape: ``chalice package --stage prod`` succeeds, and its SAM template carries what
``.chalice/config.json`` and ``.chalice/policy-prod.json`` say, and the policy names the tables the code owns.

Packaging runs once per session, in a subprocess, with an environment reduced to what a build machine
has (no settings, no secrets, no AWS credentials, no ``OUTBOX_STREAM_ARN``): only the stage's
configuration shapes the template. What the code says (the tables and their indexes, the sweeper's
drain budget, the SES-events topic) is read by a second subprocess under the prod stage's environment.
Nothing from ``app`` or ``chalicelib`` is imported into the test process, so the other tests' modules
and settings are left as they were.

Time (2 cores): about 11-17 s when ``app.py``, ``chalicelib/`` or ``requirements.txt`` changed since the
last packaging (Chalice keys its bundle cache on them, so it asks PyPI for the Lambda wheels again and
rebuilds the bundle), under 1 s when none did (``.chalice/deployments/`` holds the bundle). The
configuration and the policy file are not part of that key.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.infrastructure

PROJECT = Path(__file__).resolve().parents[2]
CONFIG = json.loads((PROJECT / ".chalice" / "config.json").read_text())
PROD = CONFIG["stages"]["prod"]
POLICY_PATH = PROJECT / ".chalice" / PROD.get("iam_policy_file", "policy-prod.json")
REGION = "eu-west-2"
API_GATEWAY_LIMIT_SECONDS = 29

# Chalice's name of each function (the key under ``lambda_functions``) -> its logical id in the template.
FUNCTIONS = {
    "api_handler": "APIHandler",
    "cognito_authorizer": "CognitoAuthorizer",
    "outbox_sweeper": "OutboxSweeper",
    "outbox_stream": "OutboxStream",
    "ses_events": "SesEvents",
    "workshop_jobs": "WorkshopJobs",
}
TABLE_VARIABLES = ("ORGANISATIONS_TABLE", "OUTBOX_TABLE", "SUPPRESSIONS_TABLE", "WORKSHOPS_TABLE",
                   "REGISTRATIONS_TABLE")
# Item and query actions only (transactions are authorised through them), and DescribeTable for /health's
# probe of the directory table. No Scan, no table management, no BatchWriteItem: no function calls them.
DYNAMODB_ACTIONS = {"dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:Query", "dynamodb:PutItem",
                    "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:ConditionCheckItem",
                    "dynamodb:DescribeTable"}
SES_ACTIONS = {"ses:SendEmail", "ses:SendRawEmail"}
KEPT_VARIABLES = {"PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "TEMP", "TMP", "SSL_CERT_FILE", "SSL_CERT_DIR",
                  "REQUESTS_CA_BUNDLE", "HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY", "http_proxy", "https_proxy",
                  "no_proxy"}

PROBE = """
import inspect, json
from chalice import Chalice
from pynamodb.indexes import Index
from chalicelib.core.settings import deploy_settings
from chalicelib.mail import events as mail_events
from chalicelib.tables import all_models
from chalicelib.workshops import events as workshop_events

app = Chalice(app_name="probe")
for module in (mail_events, workshop_events):
    app.register_blueprint(module.bp)
print(json.dumps({
    "tables": {m.Meta.table_name: sorted(i.Meta.index_name for _, i in inspect.getmembers(m)
                                         if isinstance(i, Index)) for m in all_models()},
    "sweep_budget_seconds": mail_events.SWEEP_BUDGET_SECONDS,
    "ses_events_topic": deploy_settings().ses_events_topic,
    "pure_lambda_functions": [f.name for f in app.pure_lambda_functions],
    "event_sources": [type(s).__name__ for s in app.event_sources],
}))
"""


def build_environment(**extra: str) -> dict[str, str]:
    """What a build machine has: a path, a home, a proxy maybe, pip's own settings, and a region."""
    env = {k: v for k, v in os.environ.items() if k in KEPT_VARIABLES or k.startswith(("PIP_", "LC_"))}
    env.update({"AWS_DEFAULT_REGION": REGION, "AWS_CONFIG_FILE": os.devnull,
                "AWS_SHARED_CREDENTIALS_FILE": os.devnull, "PYTHONDONTWRITEBYTECODE": "1"})
    env.update(extra)
    return env


def chalice_script() -> Path:
    """The venv's ``chalice`` console script (``python -m chalice`` is not an entry point)."""
    script = Path(sys.executable).with_name("chalice")  # no resolve(): the venv's bin, not the base interpreter's
    if not script.exists():
        pytest.fail(f"no chalice console script next to {sys.executable}; install requirements-dev.txt")
    return script


@dataclass(frozen=True)
class Packaged:
    returncode: int
    output: str
    out_dir: Path
    seconds: float

    def failure(self) -> str:
        why = ""
        if "SettingsError" in self.output:
            why = ("importing app.py raised SettingsError: Chalice imports app.py to build the template, with only "
                   "the stage's configured variables set; secrets and deploy-time ids are not there, so a settings "
                   "check that runs at import refuses to package (it checks the build machine, not the function).\n")
        return f"chalice package --stage prod failed:\n{why}{self.output[-6000:]}"

    def template(self) -> dict[str, Any]:
        assert self.returncode == 0, self.failure()
        return json.loads((self.out_dir / "sam.json").read_text())


@pytest.fixture(scope="session")
def packaged(tmp_path_factory: pytest.TempPathFactory) -> Packaged:
    out_dir = tmp_path_factory.mktemp("chalice-package") / "prod"
    started = time.monotonic()
    proc = subprocess.run(
        [str(chalice_script()), "--project-dir", str(PROJECT), "package", "--stage", "prod", str(out_dir)],
        cwd=PROJECT, env=build_environment(), capture_output=True, text=True, timeout=300)
    return Packaged(proc.returncode, proc.stdout + proc.stderr, out_dir, time.monotonic() - started)


@pytest.fixture(scope="session")
def template(packaged: Packaged) -> dict[str, Any]:
    return packaged.template()


@pytest.fixture(scope="session")
def code() -> dict[str, Any]:
    """What the code declares, read under the prod stage's environment (and an outbox stream ARN set, to show
    it changes nothing)."""
    stage_env = {**CONFIG.get("environment_variables", {}), **PROD.get("environment_variables", {})}
    env = build_environment(**stage_env,
                            OUTBOX_STREAM_ARN=f"arn:aws:dynamodb:{REGION}:123456789012:table/x/stream/2025-01-01T00:00:00.000")
    proc = subprocess.run([sys.executable, "-c", PROBE], cwd=PROJECT, env=env, capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 0, f"reading the code's declarations failed:\n{proc.stderr[-6000:]}"
    return json.loads(proc.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="session")
def policy() -> dict[str, Any]:
    return json.loads(POLICY_PATH.read_text())


def functions(template: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {k: r["Properties"] for k, r in template["Resources"].items() if r["Type"] == "AWS::Serverless::Function"}


def configured(name: str, key: str) -> Any:
    """A function's setting as Chalice resolves it: the function's own, else the stage's, else the file's."""
    return PROD.get("lambda_functions", {}).get(name, {}).get(key, PROD.get(key, CONFIG.get(key)))


def statements(policy: dict[str, Any], prefix: str) -> list[dict[str, Any]]:
    def actions(s: dict[str, Any]) -> list[str]:
        return [s["Action"]] if isinstance(s["Action"], str) else s["Action"]
    return [s for s in policy["Statement"] if any(a.startswith(prefix) for a in actions(s))]


def listed(value: str | list[str]) -> list[str]:
    return [value] if isinstance(value, str) else list(value)


# --- packaging --------------------------------------------------------------------------------------------

def test_chalice_package_prod_succeeds(packaged: Packaged) -> None:
    assert packaged.returncode == 0, packaged.failure()
    assert (packaged.out_dir / "sam.json").is_file() and (packaged.out_dir / "deployment.zip").is_file()
    print(f"chalice package --stage prod: {packaged.seconds:.1f} s")


def test_one_function_per_handler_and_each_is_configured(template: dict[str, Any]) -> None:
    assert set(functions(template)) == set(FUNCTIONS.values())
    # every function has its own settings, and no setting names a function that does not exist (Chalice
    # ignores unknown names silently)
    assert set(PROD["lambda_functions"]) == set(FUNCTIONS)


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_timeout_and_memory_are_the_configured_ones(template: dict[str, Any], name: str) -> None:
    props = functions(template)[FUNCTIONS[name]]
    assert props["Timeout"] == configured(name, "lambda_timeout")
    assert props["MemorySize"] == configured(name, "lambda_memory_size")


def test_api_handler_answers_before_api_gateway_gives_up(template: dict[str, Any]) -> None:
    assert functions(template)["APIHandler"]["Timeout"] < API_GATEWAY_LIMIT_SECONDS
    assert functions(template)["CognitoAuthorizer"]["Timeout"] < API_GATEWAY_LIMIT_SECONDS


def test_sweeper_outlives_its_drain_budget(template: dict[str, Any], code: dict[str, Any]) -> None:
    sweeper = functions(template)["OutboxSweeper"]
    assert sweeper["Timeout"] > code["sweep_budget_seconds"]
    assert sweeper["Events"]["OutboxSweeperEvent"]["Properties"]["Schedule"] == "rate(1 minute)"


def test_workshop_jobs_runs_hourly(template: dict[str, Any]) -> None:
    jobs = functions(template)["WorkshopJobs"]
    assert jobs["Events"]["WorkshopJobsEvent"]["Properties"]["Schedule"] == "rate(1 hour)"
    assert jobs["Timeout"] < 3600  # never two at once


def test_ses_events_subscribes_to_the_ses_events_topic(template: dict[str, Any], code: dict[str, Any]) -> None:
    events = functions(template)["SesEvents"]["Events"]
    assert [e["Type"] for e in events.values()] == ["SNS"]
    topic = next(iter(events.values()))["Properties"]["Topic"]
    assert topic == {"Fn::Sub": f"arn:${{AWS::Partition}}:sns:${{AWS::Region}}:${{AWS::AccountId}}:"
                                f"{code['ses_events_topic']}"}
    assert code["ses_events_topic"] == "partnerships-prod-ses-events"


def test_outbox_stream_is_packaged_without_a_trigger(template: dict[str, Any], code: dict[str, Any]) -> None:
    """The infrastructure attaches the outbox table's stream (infra/README.md); packaging never needs its ARN."""
    assert "Events" not in functions(template)["OutboxStream"]
    assert not [r for r in template["Resources"].values() if r["Type"] == "AWS::Lambda::EventSourceMapping"]
    # with OUTBOX_STREAM_ARN set, the code still declares a plain function and no DynamoDB event source
    assert "outbox_stream" in code["pure_lambda_functions"]
    assert "DynamoDBEventConfig" not in code["event_sources"]


def test_every_role_carries_exactly_the_policy_file(template: dict[str, Any], policy: dict[str, Any]) -> None:
    resources = template["Resources"]
    for logical_id, props in functions(template).items():
        role_id = props["Role"]["Fn::GetAtt"][0]
        role = resources[role_id]["Properties"]
        assert [p["PolicyDocument"] for p in role["Policies"]] == [policy], logical_id
        assert not role.get("ManagedPolicyArns"), logical_id


def test_api_uses_the_built_in_authorizer(template: dict[str, Any]) -> None:
    body = json.dumps(template["Resources"]["RestAPI"])
    assert "CognitoAuthorizer" in body


# --- the policy against the code --------------------------------------------------------------------------

def test_config_names_each_table_the_code_reads(code: dict[str, Any]) -> None:
    assert set(code["tables"]) == {PROD["environment_variables"][v] for v in TABLE_VARIABLES}


def test_policy_names_exactly_the_tables_the_code_owns(policy: dict[str, Any], code: dict[str, Any]) -> None:
    expected = set()
    for table, indexes in code["tables"].items():
        expected.add(f"arn:aws:dynamodb:{REGION}:*:table/{table}")
        if indexes:
            expected.add(f"arn:aws:dynamodb:{REGION}:*:table/{table}/index/*")
    found = {r for s in statements(policy, "dynamodb:") for r in listed(s["Resource"])}
    assert found == expected


def test_policy_allows_item_and_query_actions_only(policy: dict[str, Any]) -> None:
    found = {a for s in statements(policy, "dynamodb:") for a in listed(s["Action"])}
    assert found == DYNAMODB_ACTIONS


def test_policy_sends_mail_only_as_the_sender_through_the_configuration_set(policy: dict[str, Any]) -> None:
    env = PROD["environment_variables"]
    sender, domain = env["SES_SENDER"], env["SES_SENDER"].rsplit("@", 1)[1]
    found = {r for s in statements(policy, "ses:") for r in listed(s["Resource"])}
    assert found == {f"arn:aws:ses:{REGION}:*:identity/{sender}", f"arn:aws:ses:{REGION}:*:identity/{domain}",
                     f"arn:aws:ses:{REGION}:*:configuration-set/{env['SES_CONFIGURATION_SET']}"}
    assert {a for s in statements(policy, "ses:") for a in listed(s["Action"])} == SES_ACTIONS
    for s in statements(policy, "ses:"):
        if any(":identity/" in r for r in listed(s["Resource"])):
            assert s["Condition"] == {"StringEquals": {"ses:FromAddress": sender}}


def test_no_dynamodb_or_ses_statement_has_a_wildcard_resource(policy: dict[str, Any]) -> None:
    for s in statements(policy, "dynamodb:") + statements(policy, "ses:"):
        assert "NotResource" not in s and "NotAction" not in s
        for resource in listed(s["Resource"]):
            assert resource != "*"
            kind, _, rest = resource.split(":", 5)[5].partition("/")
            assert kind in {"table", "identity", "configuration-set"} and rest and not rest.startswith("*"), resource


def test_policy_only_allows(policy: dict[str, Any]) -> None:
    assert {s["Effect"] for s in policy["Statement"]} == {"Allow"}
    actions = {a for s in policy["Statement"] for a in listed(s["Action"])}
    assert all(a.split(":")[0] in {"dynamodb", "ses", "logs", "secretsmanager"} and "*" not in a for a in actions)


def test_the_link_keys_are_read_from_their_one_secret(policy: dict[str, Any]) -> None:
    secret = PROD["environment_variables"]["LINK_SIGNING_SECRET"].removeprefix("secretsmanager:")
    reads = [s for s in policy["Statement"] if "secretsmanager:GetSecretValue" in listed(s["Action"])]
    assert [listed(s["Action"]) for s in reads] == [["secretsmanager:GetSecretValue"]]
    assert listed(reads[0]["Resource"]) == [f"arn:aws:secretsmanager:{REGION}:*:secret:{secret}-*"]
