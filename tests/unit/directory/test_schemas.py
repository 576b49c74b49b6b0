"""Request models of the organisation directory (chalicelib.directory.schemas)."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from chalicelib.core.errors import InvalidInput
from chalicelib.directory.domain import Nation, Organisation, OrgType, Region
from chalicelib.directory.schemas import (
    OrganisationCreate,
    OrganisationOut,
    OrganisationPatch,
    OrganisationPath,
    OrganisationQuery,
)


def create_body(**overrides: Any) -> dict[str, Any]:
    body = {"code": "E06000099", "name": "New Unitary Council", "type": "local_authority", "region": "south-west",
            "nation": "england", "cafcass_service_area": "ons-region-south-west"}
    body.update(overrides)
    return body


def error_locs(exc: pytest.ExceptionInfo[ValidationError]) -> list[tuple[Any, ...]]:
    return [tuple(e["loc"]) for e in exc.value.errors()]


# --- OrganisationPatch.changes ---------------------------------------------------------------------------------

def test_changes_contains_only_the_fields_sent() -> None:
    patch = OrganisationPatch.model_validate_json('{"name": "City of Westminster", "active": false}')
    assert patch.changes() == {"active": False, "name": "City of Westminster"}


def test_changes_of_an_empty_patch_is_empty() -> None:
    assert OrganisationPatch.model_validate_json("{}").changes() == {}


def test_changes_keeps_enum_values_as_enums() -> None:
    patch = OrganisationPatch.model_validate_json('{"region": "wales", "nation": "wales"}')
    assert patch.changes() == {"nation": Nation.WALES, "region": Region.WALES}


@pytest.mark.parametrize("name", ["cafcass_service_area", "reviewing_org"])
def test_null_clears_a_clearable_field(name: str) -> None:
    patch = OrganisationPatch.model_validate_json(f'{{"{name}": null}}')
    assert patch.changes() == {name: None}


def test_null_name_cannot_be_cleared() -> None:
    patch = OrganisationPatch.model_validate_json('{"name": null, "active": true}')
    with pytest.raises(InvalidInput) as info:
        patch.changes()
    assert (info.value.code, info.value.field) == ("not_clearable", "name")


@pytest.mark.parametrize("name", ["type", "region", "nation", "active"])
def test_other_required_fields_cannot_be_cleared(name: str) -> None:
    with pytest.raises(InvalidInput) as info:
        OrganisationPatch.model_validate_json(f'{{"{name}": null}}').changes()
    assert (info.value.code, info.value.field) == ("not_clearable", name)


def test_patch_strips_strings() -> None:
    patch = OrganisationPatch.model_validate_json('{"name": "  Westminster  ", "reviewing_org": " CAFCASS "}')
    assert patch.changes() == {"name": "Westminster", "reviewing_org": "CAFCASS"}


@pytest.mark.parametrize("body", ['{"code": "E09000034"}', '{"version": 3}', '{"Name": "x"}'])
def test_patch_rejects_unknown_fields_including_the_code(body: str) -> None:
    with pytest.raises(ValidationError) as info:
        OrganisationPatch.model_validate_json(body)
    assert info.value.errors()[0]["type"] == "extra_forbidden"


@pytest.mark.parametrize("body", ['{"name": ""}', '{"name": "   "}', '{"cafcass_service_area": ""}'])
def test_patch_rejects_empty_strings(body: str) -> None:
    with pytest.raises(ValidationError):
        OrganisationPatch.model_validate_json(body)


def test_patch_rejects_unknown_enum_value() -> None:
    with pytest.raises(ValidationError) as info:
        OrganisationPatch.model_validate_json('{"region": "scotland"}')
    assert error_locs(info) == [("region",)]


# --- OrganisationCreate ----------------------------------------------------------------------------------------

def test_create_builds_the_domain_organisation() -> None:
    org = OrganisationCreate.model_validate(create_body()).to_domain()
    assert org == Organisation(code="E06000099", name="New Unitary Council", type=OrgType.LOCAL_AUTHORITY,
                               region=Region.SOUTH_WEST, nation=Nation.ENGLAND,
                               cafcass_service_area="ons-region-south-west", reviewing_org=None, active=True)


def test_create_strips_strings_before_checking_them() -> None:
    body = create_body(code="  E06000099 ", name="\tNew Unitary Council  ", cafcass_service_area=" area ")
    model = OrganisationCreate.model_validate(body)
    assert (model.code, model.name, model.cafcass_service_area) == ("E06000099", "New Unitary Council", "area")


@pytest.mark.parametrize("field", ["id", "version", "updated_at", "Code"])
def test_create_rejects_unknown_fields(field: str) -> None:
    with pytest.raises(ValidationError) as info:
        OrganisationCreate.model_validate(create_body(**{field: "x"}))
    assert [(e["type"], e["loc"]) for e in info.value.errors()] == [("extra_forbidden", (field,))]


def test_create_accepts_a_200_character_name_and_rejects_201() -> None:
    assert len(OrganisationCreate.model_validate(create_body(name="n" * 200)).name) == 200
    with pytest.raises(ValidationError) as info:
        OrganisationCreate.model_validate(create_body(name="n" * 201))
    assert [(e["type"], e["loc"]) for e in info.value.errors()] == [("string_too_long", ("name",))]


@pytest.mark.parametrize("code", ["", "E", "e06000099", "-E06000099", "E06 000099", "E06_000099", "A" * 33, "É06"])
def test_create_rejects_a_bad_code(code: str) -> None:
    with pytest.raises(ValidationError) as info:
        OrganisationCreate.model_validate(create_body(code=code))
    assert error_locs(info) == [("code",)]


@pytest.mark.parametrize("missing", ["code", "name", "type", "region", "nation"])
def test_create_requires_the_core_fields(missing: str) -> None:
    body = create_body()
    del body[missing]
    with pytest.raises(ValidationError) as info:
        OrganisationCreate.model_validate(body)
    assert [(e["type"], e["loc"]) for e in info.value.errors()] == [("missing", (missing,))]


def test_create_rejects_a_lower_case_reviewing_org() -> None:
    with pytest.raises(ValidationError) as info:
        OrganisationCreate.model_validate(create_body(reviewing_org="cafcass"))
    assert error_locs(info) == [("reviewing_org",)]


def test_create_rejects_a_service_area_over_100_characters() -> None:
    with pytest.raises(ValidationError) as info:
        OrganisationCreate.model_validate(create_body(cafcass_service_area="a" * 101))
    assert error_locs(info) == [("cafcass_service_area",)]


def test_request_models_are_frozen() -> None:
    model = OrganisationCreate.model_validate(create_body())
    with pytest.raises(ValidationError):
        model.name = "Changed"  # type: ignore[misc]


# --- path, query and output ------------------------------------------------------------------------------------

def test_path_model_validates_the_code() -> None:
    assert OrganisationPath.model_validate({"code": "CAFCASS-CYMRU"}).code == "CAFCASS-CYMRU"
    with pytest.raises(ValidationError):
        OrganisationPath.model_validate({"code": "cafcass"})


def test_query_defaults_and_limits() -> None:
    query = OrganisationQuery.model_validate({})
    assert (query.limit, query.cursor, query.type, query.region) == (50, None, None, None)
    assert OrganisationQuery.model_validate({"limit": "100", "region": "london"}).limit == 100
    for bad in ({"limit": "0"}, {"limit": "101"}, {"cursor": "has space"}, {"cursor": ""}, {"sort": "name"}):
        with pytest.raises(ValidationError):
            OrganisationQuery.model_validate(bad)


def test_output_of_an_unversioned_organisation_has_version_zero() -> None:
    org = Organisation(code="ADCS", name="ADCS", type=OrgType.ADCS, region=Region.NATIONAL, nation=Nation.ENGLAND)
    out = OrganisationOut.of(org).model_dump(mode="json")
    assert out == {"code": "ADCS", "name": "ADCS", "type": "adcs", "region": "national", "nation": "england",
                   "cafcass_service_area": None, "reviewing_org": None, "active": True, "version": 0,
                   "updated_at": None, "email_domains": []}
