"""Error envelope and status mapping (chalicelib.core.http.errors)."""

from __future__ import annotations

import json

import pytest

from chalicelib.core.errors import (
    BadRequest,
    Conflict,
    DomainError,
    InvalidInput,
    NotAuthenticated,
    NotFound,
    PermissionDenied,
)
from chalicelib.core.http.errors import (
    HttpError,
    RequestValidationError,
    error_response,
    internal_error_response,
    status_for,
)
from chalicelib.core.http.schemas import ErrorResponse


@pytest.mark.parametrize("error, status", [
    (BadRequest("x"), 400),
    (NotAuthenticated("x"), 401),
    (PermissionDenied("x"), 403),
    (NotFound("x"), 404),
    (Conflict("x"), 409),
    (InvalidInput("x"), 422),
    (RequestValidationError([{"field": "name", "code": "missing", "message": "Field required"}]), 422),
    (DomainError("x"), 400),
])
def test_status_for_each_domain_error(error: DomainError, status: int) -> None:
    assert status_for(error) == status


def test_status_for_a_subclass_follows_its_parent() -> None:
    class StaleVersion(Conflict):
        pass

    assert status_for(StaleVersion("x")) == 409


@pytest.mark.parametrize("status", [405, 413, 415, 503])
def test_status_for_http_error_is_its_own_status(status: int) -> None:
    assert status_for(HttpError(status, "some_code", "message")) == status


def test_error_codes_default_per_class_and_can_be_overridden() -> None:
    assert InvalidInput("x").code == "validation_error"
    assert NotFound("x").code == "not_found"
    assert NotFound("x", code="no_such_org").code == "no_such_org"
    assert NotFound("y").code == "not_found"  # the override did not leak to the class


def test_error_response_body_shape() -> None:
    response = error_response(InvalidInput("Name is too long.", code="name_too_long", field="name"))
    assert response.status_code == 422
    assert response.headers["Content-Type"] == "application/json"
    assert response.body == {"error": {"code": "name_too_long", "message": "Name is too long.", "field": "name"}}


def test_error_response_without_field_has_null_field() -> None:
    response = error_response(NotFound("No such organisation."))
    assert response.status_code == 404
    assert response.body == {"error": {"code": "not_found", "message": "No such organisation.", "field": None}}


def test_error_response_of_http_error() -> None:
    response = error_response(HttpError(415, "unsupported_media_type", "Send JSON.", "Content-Type"))
    assert response.status_code == 415
    assert response.body["error"] == {"code": "unsupported_media_type", "message": "Send JSON.",
                                      "field": "Content-Type"}


def test_error_response_keeps_content_type_and_adds_headers() -> None:
    response = error_response(HttpError(405, "method_not_allowed", "No."), headers={"Allow": "GET"})
    assert response.headers == {"Content-Type": "application/json", "Allow": "GET"}


def test_validation_error_lists_every_field_and_names_the_first() -> None:
    details = [{"field": "name", "code": "string_too_long", "message": "String should have at most 200 characters"},
               {"field": "region", "code": "enum", "message": "Input should be 'london' or 'wales'"}]
    response = error_response(RequestValidationError(details))
    assert response.status_code == 422
    assert response.body == {"error": {"code": "validation_error",
                                       "message": "String should have at most 200 characters",
                                       "field": "name", "details": details}}


def test_plain_invalid_input_has_no_details() -> None:
    assert "details" not in error_response(InvalidInput("x")).body["error"]


def test_error_bodies_match_the_documented_schema() -> None:
    details = [{"field": "code", "code": "missing", "message": "Field required"}]
    for response in (error_response(Conflict("Edited meanwhile.", code="version_conflict")),
                     error_response(RequestValidationError(details)),
                     internal_error_response("req-1")):
        ErrorResponse.model_validate(response.body)


def test_internal_error_response_says_only_the_correlation_id() -> None:
    response = internal_error_response("3b6f0e1c-req")
    assert response.status_code == 500
    assert response.headers == {"Content-Type": "application/json"}
    error = response.body["error"]
    assert set(error) == {"code", "message", "field", "correlation_id"}
    assert error["code"] == "internal_error"
    assert error["field"] is None
    assert error["correlation_id"] == "3b6f0e1c-req"
    assert "3b6f0e1c-req" not in error["message"]


def test_error_response_serialises_to_json() -> None:
    response = error_response(BadRequest("Bad cursor.", code="invalid_cursor", field="cursor"))
    payload = json.loads(response.to_dict()["body"])
    assert payload == {"error": {"code": "invalid_cursor", "message": "Bad cursor.", "field": "cursor"}}
