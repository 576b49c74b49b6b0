"""Which failures mean "AWS is unreachable or throttling, try again" (503) rather than a bug (500):
chalicelib.core.http.errors.unavailability, with the errors botocore and PynamoDB really raise."""

from __future__ import annotations

import pytest
from botocore.exceptions import (
    ClientError,
    ConnectionClosedError,
    ConnectTimeoutError,
    EndpointConnectionError,
    ReadTimeoutError,
)
from pynamodb.exceptions import CancellationReason, GetError, PutError, TransactWriteError, VerboseClientError

from chalicelib.core.http.errors import UNAVAILABLE_CODES, unavailability, unavailable_response
from chalicelib.core.http.gateway_responses import RETRY_AFTER_SECONDS

URL = "https://dynamodb.eu-west-2.amazonaws.com/"


def client_error(code: str, operation: str = "PutItem") -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": "m"}}, operation)


@pytest.mark.parametrize("error", [
    EndpointConnectionError(endpoint_url=URL),
    ConnectTimeoutError(endpoint_url=URL),
    ReadTimeoutError(endpoint_url=URL),
    ConnectionClosedError(endpoint_url=URL),
], ids=lambda e: type(e).__name__)
def test_connection_failures_and_time_outs_are_unavailable(error: Exception) -> None:
    assert unavailability(error) == type(error).__name__
    # ...also as PynamoDB raises them (the botocore error is its ``cause``).
    assert unavailability(PutError("Failed to put item", error)) == type(error).__name__


@pytest.mark.parametrize("code", sorted(UNAVAILABLE_CODES))
def test_throttling_and_dynamodb_failures_are_unavailable(code: str) -> None:
    assert unavailability(client_error(code)) == code
    assert unavailability(GetError("Failed to get item", client_error(code, "GetItem"))) == code


def test_a_wrapped_error_is_found_through_its_chain() -> None:
    try:
        try:
            raise PutError("Failed to put item", client_error("ThrottlingException"))
        except PutError as inner:
            raise RuntimeError("the store gave up") from inner
    except RuntimeError as outer:
        assert unavailability(outer) == "ThrottlingException"


def test_a_transaction_cancelled_for_throttling_is_unavailable() -> None:
    response = {"Error": {"Code": "TransactionCanceledException", "Message": "m"}}
    cause = VerboseClientError(response, "TransactWriteItems",  # as PynamoDB's connection builds it
                               cancellation_reasons=[None, CancellationReason(code="ThrottlingError", message="m")])
    assert unavailability(TransactWriteError("Failed to write transaction items", cause)) == "ThrottlingError"


@pytest.mark.parametrize("error", [
    client_error("ValidationException"),
    client_error("ConditionalCheckFailedException"),
    client_error("ResourceNotFoundException"),
    client_error("AccessDeniedException"),
    PutError("Failed to put item", client_error("ValidationException")),
    TransactWriteError("Failed", VerboseClientError(
        {"Error": {"Code": "TransactionCanceledException", "Message": "m"}}, "TransactWriteItems",
        cancellation_reasons=[CancellationReason(code="ConditionalCheckFailed", message="m")])),
    RuntimeError("a bug"),
    KeyError("x"),
], ids=repr)
def test_everything_else_is_not(error: Exception) -> None:
    assert unavailability(error) is None


def test_the_answer_is_503_with_retry_after_and_the_envelope() -> None:
    response = unavailable_response()
    assert response.status_code == 503
    assert response.headers["Retry-After"] == str(RETRY_AFTER_SECONDS) and 1 <= RETRY_AFTER_SECONDS <= 30
    assert response.body["error"]["code"] == "service_unavailable"
    assert set(response.body["error"]) == {"code", "message", "field"}
