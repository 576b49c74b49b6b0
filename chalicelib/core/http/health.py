"""``GET /health``: liveness and whether DynamoDB is reachable (public, no sign-in)."""

from __future__ import annotations

from typing import Literal

from pydantic import ConfigDict

from chalicelib.core import health
from chalicelib.core.http.endpoint import ApiCall, Reply, endpoint
from chalicelib.core.http.schemas import ResponseModel
from chalicelib.core.settings import SERVICE_NAME, get_settings


class HealthOut(ResponseModel):
    """Service status. 200 when every check passes, 503 otherwise."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"service": "partnerships", "stage": "local", "status": "ok", "checks": {"dynamodb": "ok"}}]})

    service: str
    stage: str
    status: Literal["ok", "unavailable"]
    checks: dict[str, Literal["ok", "unavailable"]]


@endpoint(tag="Service", summary="Service health",
          description="200 when DynamoDB answers, 503 when it does not.", response_model=HealthOut,
          also=(503,))
def get_health(call: ApiCall[None, None, None]) -> Reply:
    """Report health."""
    result = health.check()
    status: Literal["ok", "unavailable"] = "ok" if result.ok else "unavailable"
    body = HealthOut(service=SERVICE_NAME, stage=get_settings().stage, status=status,
                     checks={"dynamodb": "ok" if result.dynamodb_ok else "unavailable"})
    return Reply(body, status=200 if result.ok else 503)
