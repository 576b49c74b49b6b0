"""Creates what the service needs in an (emulated) AWS account: tables, the SES
sender identity, a Cognito user pool with the service's groups and one demo
user per role. Used by ``make run`` and the tests, so both see the same setup.

Import ``chalicelib`` only after the environment is set (PynamoDB reads table
names when model classes are created).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
LOCAL_STATE = ROOT / "var" / "local" / "stack.json"
DEMO_PASSWORD = "Local-Demo-Only-1!"  # the local emulator's demo users only; never a real account
REGION = "eu-west-2"

# One demo user per role: (role, email, organisation code).
DEMO_USERS: dict[str, tuple[str, str]] = {
    "cafcass-admin": ("cafcass.admin@example.org", "CAFCASS"),
    "cafcass-reviewer": ("cafcass.reviewer@example.org", "CAFCASS"),
    "la-social-worker": ("social.worker@westminster.example.org", "E09000033"),
    "adcs-partner": ("adcs.partner@example.org", "ADCS"),
    "adcs-admin": ("adcs.admin@example.org", "ADCS"),
}


def stage_environment(stage: str) -> dict[str, str]:
    """The environment variables ``.chalice/config.json`` gives ``stage`` (global ones, then the stage's)."""
    config = json.loads((ROOT / ".chalice" / "config.json").read_text())
    env = dict(config.get("environment_variables", {}))
    env.update(config["stages"][stage].get("environment_variables", {}))
    return env


def emulator_environment(endpoint: str) -> dict[str, str]:
    """Credentials and endpoint for talking to the embedded AWS."""
    return {"AWS_ENDPOINT_URL": endpoint, "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_DEFAULT_REGION": REGION, "AWS_REGION": REGION}


@dataclass(frozen=True)
class Identity:
    """The Cognito pool and app client made for the service."""

    user_pool_id: str
    client_id: str


def create_tables() -> list[str]:
    """Create every table from the PynamoDB models (same keys and indexes as in AWS)."""
    from chalicelib.tables import all_models

    created = []
    for model in all_models():
        if not model.exists():
            model.create_table(wait=True)
        created.append(model.Meta.table_name)
    return created


def verify_sender(ses_client: Any, sender: str, configuration_set: str | None) -> None:
    """Verify the SES sender identity (SES refuses to send from an unverified one) and create the
    configuration set that tags and routes delivery events. Idempotent: provisioning an account again is safe."""
    _unless_exists(lambda: ses_client.create_email_identity(EmailIdentity=sender))
    if configuration_set:
        _unless_exists(lambda: ses_client.create_configuration_set(ConfigurationSetName=configuration_set))


def _unless_exists(create: Any) -> None:
    """Run ``create``; an "already exists" answer is fine (SES v2 says AlreadyExistsException; moto's v2
    configuration sets answer with SES v1's ConfigurationSetAlreadyExistsException)."""
    from botocore.exceptions import ClientError

    try:
        create()
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") not in ("AlreadyExistsException",
                                                                 "ConfigurationSetAlreadyExistsException"):
            raise


def create_identity(idp: Any) -> Identity:
    """A user pool with the ``custom:org`` attribute, the role groups and one demo user per role."""
    from chalicelib.core.auth.caller import Role

    pool = idp.create_user_pool(
        PoolName="partnerships-local", UsernameAttributes=["email"], AutoVerifiedAttributes=["email"],
        # A new address takes effect only once its owner confirms it: until then tokens carry the old one.
        UserAttributeUpdateSettings={"AttributesRequireVerificationBeforeUpdate": ["email"]},
        # The organisation is mutable by administrators (AdminUpdateUserAttributes) and by no app client.
        Schema=[{"Name": "org", "AttributeDataType": "String", "Mutable": True}],
    )["UserPool"]["Id"]
    client = idp.create_user_pool_client(
        UserPoolId=pool, ClientName="partnerships-web",
        ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
        ReadAttributes=["email", "email_verified", "custom:org"],
        WriteAttributes=["email"],  # never custom:org (Cognito's default would let the client write every attribute)
    )["UserPoolClient"]["ClientId"]
    for role in Role:
        idp.create_group(UserPoolId=pool, GroupName=role.value)
    for group, (email, org) in DEMO_USERS.items():
        add_user(idp, pool, email, org, [group])
    return Identity(user_pool_id=pool, client_id=client)


def add_user(idp: Any, pool: str, email: str, org: str | None, groups: list[str]) -> None:
    """Create a confirmed user with a permanent password in ``groups``."""
    attributes = [{"Name": "email", "Value": email}, {"Name": "email_verified", "Value": "true"}]
    if org:
        attributes.append({"Name": "custom:org", "Value": org})
    idp.admin_create_user(UserPoolId=pool, Username=email, UserAttributes=attributes, MessageAction="SUPPRESS")
    idp.admin_set_user_password(UserPoolId=pool, Username=email, Password=DEMO_PASSWORD, Permanent=True)
    for group in groups:
        idp.admin_add_user_to_group(UserPoolId=pool, Username=email, GroupName=group)


def sign_in(idp: Any, client_id: str, email: str, token: str = "IdToken") -> str:
    """Sign a user in with their password and return the chosen token (``IdToken`` or ``AccessToken``)."""
    result = idp.initiate_auth(ClientId=client_id, AuthFlow="USER_PASSWORD_AUTH",
                               AuthParameters={"USERNAME": email, "PASSWORD": DEMO_PASSWORD})
    return str(result["AuthenticationResult"][token])


def provision(seed_reference: bool = True) -> Identity:
    """Everything the service needs, in the account ``AWS_ENDPOINT_URL`` points at."""
    import boto3

    from chalicelib.core.settings import get_settings

    settings = get_settings()
    create_tables()
    verify_sender(boto3.client("sesv2", region_name=settings.region), settings.ses_sender,
                  settings.ses_configuration_set)
    identity = create_identity(boto3.client("cognito-idp", region_name=settings.region))
    if seed_reference:
        from chalicelib.directory.seed import seed

        seed()
        seed_demo_workshop()
    return identity


def seed_demo_workshop() -> str:
    """A published demo workshop about five weeks ahead (28 places: 12 + 12 + 4, at most 4 per LA,
    unfilled group places released 14 days before), so that `make run` has something to list."""
    from datetime import datetime, time, timedelta, timezone

    from chalicelib.core.auth.caller import Caller, Role
    from chalicelib.workshops.domain.rules import Group, Places, Session, Workshop, WorkshopStatus
    from chalicelib.workshops.services import scheduling as scheduling

    admin = Caller(id="demo-seed", roles=frozenset({Role.CAFCASS_ADMIN}), organisation="CAFCASS")
    now = datetime.now(timezone.utc)
    first = (now + timedelta(days=35)).date()
    first += timedelta(days=(7 - first.weekday()) % 7)  # a Monday
    draft = Workshop(
        id="", title="Working together in care proceedings (demo)",
        description="Cafcass family court advisers and local authority social workers learn together how to "
                    "prepare and use the social work evidence template in care and supervision applications.",
        host_org="E08000025", region="west-midlands", venue="Council House, Victoria Square, Birmingham B1 1BB",
        online_url=None,
        sessions=(Session(first, time(9, 30), time(16, 30)), Session(first + timedelta(days=1), time(9, 30),
                                                                     time(16, 30)),
                  Session(first + timedelta(days=8), time(9, 30), time(13, 0))),
        places=Places(capacity=28, allocations={Group.LA_SOCIAL_WORKER: 12, Group.CAFCASS: 12,
                                                Group.ADCS_PARTNER: 4}, release_days_before=14, org_cap=4),
        registration_opens_at=now - timedelta(days=1), registration_closes_at=now + timedelta(days=28),
        cancellation_deadline=now + timedelta(days=32))
    created = scheduling.create_workshop(admin, draft, now=now)
    return scheduling.set_status(admin, created.id, WorkshopStatus.PUBLISHED, now=now).id


def provision_in_subprocess(env: dict[str, str]) -> Identity:
    """Provision in a fresh interpreter that has exactly ``env``.

    PynamoDB fixes table names when model classes are created, so provisioning
    in a process that already imported ``chalicelib`` under another stage (a
    test run) would create the wrong tables. A fresh process also leaves the
    caller's environment untouched.
    """
    import subprocess
    import sys

    result = subprocess.run([sys.executable, "-m", "tools.provision"], cwd=ROOT, env={**os.environ, **env},
                            capture_output=True, text=True, timeout=120, check=False)
    if result.returncode != 0:
        raise RuntimeError(f"provisioning failed:\n{result.stderr[-2000:]}")
    data = json.loads(result.stdout.strip().splitlines()[-1])
    return Identity(user_pool_id=data["user_pool_id"], client_id=data["client_id"])


if __name__ == "__main__":
    _identity = provision()
    print(json.dumps({"user_pool_id": _identity.user_pool_id, "client_id": _identity.client_id}))
