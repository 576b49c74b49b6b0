"""Structured logging and business metrics (Powertools), shared by every module.

Logs are JSON with the API Gateway request id as correlation id. Nothing that
identifies a person is ever logged: log codes, counts and opaque ids only.
Tracer is deliberately not used: creating it costs ~0.5 s of cold start.
"""

from __future__ import annotations

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit

from chalicelib.core.settings import SERVICE_NAME

# The level comes from LOG_LEVEL (or POWERTOOLS_LOG_LEVEL), which Powertools reads itself: nothing here
# reads the service's settings at import.
logger = Logger(service=SERVICE_NAME)
metrics = Metrics(namespace="Partnerships", service=SERVICE_NAME)


def count(name: str, value: int = 1) -> None:
    """Add a business counter, flushed as EMF at the end of the invocation."""
    metrics.add_metric(name=name, unit=MetricUnit.Count, value=value)


def flush_metrics() -> None:
    """Write pending metrics (no-op when there are none)."""
    if metrics.metric_set:
        metrics.flush_metrics()
