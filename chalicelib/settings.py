"""Service configuration, read once from environment variables.

This is the only module that knows variable names, table names or defaults.
Everything else asks :func:`get_settings`. The AWS endpoint is never read
here for AWS clients: boto3/botocore honour the standard ``AWS_ENDPOINT_URL``
themselves, so the same code runs against moto, DynamoDB Local or AWS.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache

SERVICE_NAME = "partnerships"


@dataclass(frozen=True)
class Settings:
    """Typed view of the service's environment."""

    stage: str
    region: str
    organisations_table: str
    ses_sender: str
    ses_configuration_set: str | None
    cognito_user_pool_id: str
    cognito_client_ids: tuple[str, ...]
    log_level: str
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
    def is_local(self) -> bool:
        """True for the local stage (``make run``), where dev-only conveniences are on."""
        return self.stage == "local"


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
        ses_sender=env.get("SES_SENDER", "no-reply@partnerships.invalid"),
        ses_configuration_set=env.get("SES_CONFIGURATION_SET") or None,
        cognito_user_pool_id=env.get("COGNITO_USER_POOL_ID", ""),
        cognito_client_ids=client_ids,
        log_level=env.get("LOG_LEVEL", "INFO"),
        max_body_bytes=int(env.get("MAX_BODY_BYTES", str(64 * 1024))),
        aws_endpoint_url=env.get("AWS_ENDPOINT_URL") or None,
    )


def reset_settings() -> None:
    """Forget cached settings (tests that change the environment call this)."""
    get_settings.cache_clear()
