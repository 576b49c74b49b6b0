"""Service configuration, read from environment variables when first asked for (never at import).

This is the only module that knows variable names, table names or defaults.
Everything else asks :func:`get_settings` at call time. The AWS endpoint is never read
here for AWS clients: boto3/botocore honour the standard ``AWS_ENDPOINT_URL``
themselves, so the same code runs against moto, DynamoDB Local or AWS.

Two groups of settings:

* :class:`Settings`: read at run time, by the code that needs them.
* :class:`DeploySettings`: the few values that must be fixed when the functions are
  packaged, because Chalice reads them from decorators at import to build the deployment
  (the SNS topic the SES-events function subscribes to). Only ``events.py`` modules read them.

Outside the emulator stages (``local`` and ``test``), ``core.startup.check_at_cold_start`` refuses
to start a function whose settings are missing or unsafe (:meth:`Settings.problems`), with one clear
log line.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache

SERVICE_NAME = "partnerships"
EMULATOR_STAGES = frozenset({"local", "test"})  # run against moto; everything else is a real account
MIN_LINK_KEY_CHARS = 32


class SettingsError(RuntimeError):
    """The function cannot run safely with this configuration (raised at cold start)."""


@dataclass(frozen=True)
class Settings:
    """Typed view of the service's environment."""

    stage: str
    region: str
    organisations_table: str
    outbox_table: str
    suppressions_table: str
    workshops_table: str
    registrations_table: str
    ses_sender: str
    ses_sender_name: str
    ses_configuration_set: str | None
    ses_max_send_rate: float
    email_retry_horizon_hours: float
    needs_retention_days: int
    registration_retention_days: int
    public_base_url: str
    link_signing_key: str
    link_signing_secret: str | None  # "secretsmanager:<id>" or "ssm:<parameter name>": where the keys live in AWS
    mail_dir: str | None
    cognito_user_pool_id: str
    cognito_client_ids: tuple[str, ...]
    max_body_bytes: int
    aws_endpoint_url: str | None

    @property
    def cognito_issuer(self) -> str:
        """The ``iss`` claim Cognito puts in tokens for this pool."""
        return f"https://cognito-idp.{self.region}.amazonaws.com/{self.cognito_user_pool_id}"

    @property
    def jwks_url(self) -> str:
        """Where the pool publishes its signing keys.

        Against an emulator (``AWS_ENDPOINT_URL`` set) the keys are served by
        the emulator under the same path; in AWS, under the issuer.
        """
        base = self.aws_endpoint_url.rstrip("/") if self.aws_endpoint_url else self.cognito_issuer.rsplit("/", 1)[0]
        return f"{base}/{self.cognito_user_pool_id}/.well-known/jwks.json"

    @property
    def deployed(self) -> bool:
        """True in a real AWS account (any stage but the emulator ones)."""
        return self.stage not in EMULATOR_STAGES

    def problems(self) -> list[str]:
        """What makes these settings unsafe to run with in AWS (names of variables, never values)."""
        found = []
        keys = [k.strip() for k in self.link_signing_key.split(",") if k.strip()]
        # In AWS the keys live in Secrets Manager or Parameter Store, never in the function's environment.
        if not self.link_signing_secret:
            found.append("LINK_SIGNING_SECRET must name the link keys' secret (secretsmanager:<id> or ssm:<name>)")
        elif not self.link_signing_secret.startswith(("secretsmanager:", "ssm:")):
            found.append("LINK_SIGNING_SECRET must be secretsmanager:<secret id> or ssm:<parameter name>")
        if keys:
            found.append("LINK_SIGNING_KEYS / LINK_SIGNING_KEY must not be set in a deployed stage")
        if not self.cognito_user_pool_id:
            found.append("COGNITO_USER_POOL_ID is not set")
        if not self.cognito_client_ids:
            found.append("COGNITO_CLIENT_IDS is not set")
        if not self.public_base_url.startswith("https://"):
            found.append("PUBLIC_BASE_URL must be an https:// address")
        if self.aws_endpoint_url:
            found.append("AWS_ENDPOINT_URL must not be set in a deployed stage")
        return found

    @property
    def local_mail_dir(self) -> str | None:
        """Where the local stage also writes every sent message as an ``.eml`` file (never in AWS)."""
        return self.mail_dir if self.stage == "local" else None


@dataclass(frozen=True)
class DeploySettings:
    """Values fixed at packaging time (Chalice reads event sources from decorators at import)."""

    ses_events_topic: str


def deploy_settings() -> DeploySettings:
    """The deploy-time group; read by ``events.py`` modules when Chalice builds the app."""
    env = os.environ
    stage = env.get("STAGE", "local")
    return DeploySettings(ses_events_topic=env.get("SES_EVENTS_TOPIC") or f"{SERVICE_NAME}-{stage}-ses-events")


def _table(env_name: str, stage: str, suffix: str) -> str:
    return os.environ.get(env_name) or f"{SERVICE_NAME}-{stage}-{suffix}"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Return the settings for this process (read once; tests call ``reset_settings``)."""
    env = os.environ
    stage = env.get("STAGE", "local")
    client_ids = tuple(c.strip() for c in env.get("COGNITO_CLIENT_IDS", "").split(",") if c.strip())
    return Settings(
        stage=stage,
        region=env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION") or "eu-west-2",
        organisations_table=_table("ORGANISATIONS_TABLE", stage, "organisations"),
        outbox_table=_table("OUTBOX_TABLE", stage, "outbox"),
        suppressions_table=_table("SUPPRESSIONS_TABLE", stage, "email-suppressions"),
        workshops_table=_table("WORKSHOPS_TABLE", stage, "workshops"),
        registrations_table=_table("REGISTRATIONS_TABLE", stage, "workshop-registrations"),
        ses_sender=env.get("SES_SENDER", "no-reply@partnerships.invalid"),
        ses_sender_name=env.get("SES_SENDER_NAME", "Cafcass and ADCS partnerships"),
        ses_configuration_set=env.get("SES_CONFIGURATION_SET") or None,
        ses_max_send_rate=float(env.get("SES_MAX_SEND_RATE", "14")),
        email_retry_horizon_hours=float(env.get("EMAIL_RETRY_HORIZON_HOURS", "24")),
        needs_retention_days=int(env.get("NEEDS_RETENTION_DAYS", "7")),
        registration_retention_days=int(env.get("REGISTRATION_RETENTION_DAYS", str(2 * 365))),
        public_base_url=env.get("PUBLIC_BASE_URL", "http://127.0.0.1:8000").rstrip("/"),
        # Several keys, newest first, comma-separated (rotation); LINK_SIGNING_KEY is the one-key form.
        link_signing_key=env.get("LINK_SIGNING_KEYS") or env.get("LINK_SIGNING_KEY", ""),
        link_signing_secret=env.get("LINK_SIGNING_SECRET") or None,
        mail_dir=env.get("LOCAL_MAIL_DIR") or None,
        cognito_user_pool_id=env.get("COGNITO_USER_POOL_ID", ""),
        cognito_client_ids=client_ids,
        max_body_bytes=int(env.get("MAX_BODY_BYTES", str(64 * 1024))),
        aws_endpoint_url=env.get("AWS_ENDPOINT_URL") or None,
    )


def reset_settings() -> None:
    """Forget cached settings (tests that change the environment call this)."""
    get_settings.cache_clear()
