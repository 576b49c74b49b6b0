"""Derivation of a route's documented error statuses (chalicelib.core.http.endpoint.EndpointSpec)."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import BaseModel

from chalicelib.core.auth.caller import Access, Role
from chalicelib.core.http.endpoint import EndpointSpec
from chalicelib.core.http.schemas import PageQuery, StrictModel
from chalicelib.directory.schemas import (
    OrganisationCreate,
    OrganisationPatch,
    OrganisationPath,
    OrganisationQuery,
)


class FilterOnly(StrictModel):
    region: str | None = None


def spec(access: Access | None = None, **kwargs: Any) -> EndpointSpec:
    return EndpointSpec(method="GET", path="/things", access=access or Access.public(), summary="s", tag="t",
                        **kwargs)


def test_public_route_without_models_can_only_fail_with_500_or_503() -> None:
    assert spec().error_statuses() == [500, 503]


def test_declared_errors_are_added() -> None:
    assert spec(errors=(404, 409)).error_statuses() == [404, 409, 500, 503]


def test_signed_in_route_adds_401_and_403() -> None:
    # 403: a signed-in caller without any of the service's roles.
    assert spec(Access.any_signed_in()).error_statuses() == [401, 403, 500, 503]


def test_route_with_roles_adds_401_and_403() -> None:
    assert spec(Access.only(Role.CAFCASS_ADMIN)).error_statuses() == [401, 403, 500, 503]


@pytest.mark.parametrize("models", [{"path_model": OrganisationPath}, {"query_model": FilterOnly}])
def test_path_or_query_model_adds_only_422(models: dict[str, type[BaseModel]]) -> None:
    assert spec(**models).error_statuses() == [422, 500, 503]


@pytest.mark.parametrize("query_model", [PageQuery, OrganisationQuery])
def test_query_with_a_cursor_adds_400(query_model: type[BaseModel]) -> None:
    assert spec(query_model=query_model).error_statuses() == [400, 422, 500, 503]


@pytest.mark.parametrize("body_model", [OrganisationCreate, OrganisationPatch])
def test_body_model_adds_400_413_415_and_422(body_model: type[BaseModel]) -> None:
    assert spec(body_model=body_model).error_statuses() == [400, 413, 415, 422, 500, 503]


def test_response_model_alone_adds_nothing() -> None:
    assert spec(response_model=OrganisationPath).error_statuses() == [500, 503]


def test_statuses_are_not_duplicated() -> None:
    statuses = spec(Access.only(Role.CAFCASS_ADMIN), errors=(400, 401, 403, 404, 409, 422, 500),
                    path_model=OrganisationPath, body_model=OrganisationPatch).error_statuses()
    assert statuses == [400, 401, 403, 404, 409, 413, 415, 422, 500, 503]


def test_admin_edit_route_lists_everything() -> None:
    statuses = spec(Access.only(Role.CAFCASS_ADMIN), errors=(404, 409), path_model=OrganisationPath,
                    body_model=OrganisationPatch).error_statuses()
    assert statuses == [400, 401, 403, 404, 409, 413, 415, 422, 500, 503]


def test_also_statuses_are_not_listed_as_errors() -> None:
    # Health answers 503 with its normal response model, so 503 is not an error response there.
    assert spec(errors=(503,), also=(503,)).error_statuses() == [500]


def test_also_can_remove_500() -> None:
    assert spec(errors=(404,), also=(500,)).error_statuses() == [404, 503]


def test_every_route_may_answer_503_when_dynamodb_is_unavailable() -> None:
    for access in (Access.public(), Access.any_signed_in()):
        assert 503 in spec(access).error_statuses()


def test_error_statuses_are_sorted_ints() -> None:
    statuses = spec(Access.only(Role.ADCS_ADMIN), errors=(409, 404), query_model=PageQuery).error_statuses()
    assert statuses == sorted(statuses)
    assert all(isinstance(s, int) for s in statuses)
