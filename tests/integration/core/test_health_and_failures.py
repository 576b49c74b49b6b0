"""Health, and what a client sees when something unexpected breaks."""

from __future__ import annotations

from chalicelib.core.settings import reset_settings
from chalicelib.directory import service as org_service


def test_health_reports_dynamodb(client):
    resp = client.get("/health")
    assert resp.status_code == 200
    assert resp.json_body["status"] == "ok"
    assert resp.json_body["checks"] == {"dynamodb": "ok"}


def test_health_is_503_when_dynamodb_fails(client, monkeypatch):
    # A real failure: the table the probe reads does not exist in this account.
    monkeypatch.setenv("ORGANISATIONS_TABLE", "partnerships-test-no-such-table")
    reset_settings()
    try:
        resp = client.get("/health")
    finally:
        monkeypatch.delenv("ORGANISATIONS_TABLE")
        reset_settings()
    assert resp.status_code == 503
    assert resp.json_body["status"] == "unavailable"
    assert resp.json_body["checks"] == {"dynamodb": "unavailable"}


def test_an_unexpected_error_is_500_with_only_a_correlation_id(client, tokens, monkeypatch, service_logs):
    def boom(*args, **kwargs):
        raise RuntimeError("secret internals: table partnerships-test-organisations")

    monkeypatch.setattr(org_service, "get_organisation", boom)
    resp = client.get("/organisations/E09000033", headers=tokens.header("cafcass-admin"))
    assert resp.status_code == 500
    error = resp.json_body["error"]
    assert error["code"] == "internal_error"
    assert error["correlation_id"] == resp.headers["X-Correlation-Id"] and error["correlation_id"]
    assert "secret" not in resp.body.decode() and "Traceback" not in resp.body.decode()
    # ...and the trace is in the log, under the same correlation id.
    failure = [line for line in service_logs.records() if line["message"] == "unhandled error"]
    assert failure and failure[0]["correlation_id"] == error["correlation_id"]
    assert "RuntimeError" in failure[0]["exception"]


def test_responses_carry_security_headers(client):
    headers = client.get("/health").headers
    assert headers["Cache-Control"] == "no-store"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Correlation-Id"]
