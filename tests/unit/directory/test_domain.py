"""Rules of the organisation directory (chalicelib.directory.domain)."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest

from chalicelib.core.errors import InvalidInput
from chalicelib.directory.domain import (
    Nation,
    Organisation,
    OrgType,
    Region,
    apply_edit,
    check,
    name_key,
)


def english_la(**overrides: object) -> Organisation:
    base = Organisation(code="E09000033", name="Westminster", type=OrgType.LOCAL_AUTHORITY,
                        region=Region.LONDON, nation=Nation.ENGLAND, cafcass_service_area="ons-region-london")
    return replace(base, **overrides)


def welsh_la(**overrides: object) -> Organisation:
    base = Organisation(code="W06000001", name="Isle of Anglesey", type=OrgType.LOCAL_AUTHORITY,
                        region=Region.WALES, nation=Nation.WALES, cafcass_service_area="cafcass-cymru-north-wales")
    return replace(base, **overrides)


def national_body(**overrides: object) -> Organisation:
    base = Organisation(code="CAFCASS", name="Cafcass", type=OrgType.CAFCASS, region=Region.NATIONAL,
                        nation=Nation.ENGLAND)
    return replace(base, **overrides)


def assert_refused(org: Organisation, code: str, field: str) -> None:
    with pytest.raises(InvalidInput) as info:
        check(org)
    assert (info.value.code, info.value.field) == (code, field)


# --- local authority codes -------------------------------------------------------------------------------------

@pytest.mark.parametrize("code", ["E06000001", "E08000038", "E09000033", "E10000014"])
def test_english_la_codes_of_every_la_entity_type_are_accepted(code: str) -> None:
    assert check(english_la(code=code)).code == code


def test_welsh_w06_code_is_accepted() -> None:
    assert check(welsh_la()).code == "W06000001"


@pytest.mark.parametrize("code", [
    "E07000001",    # shire district: not a children's services authority
    "E12000007",    # a region code
    "W07000001",    # Welsh code of another entity type
    "S12000033",    # Scotland
    "E0900003",     # one digit short
    "E090000333",   # one digit long
    "e09000033",    # lower case
    "CAFCASS",
    "E09-000033",
])
def test_la_code_that_is_not_a_gss_la_code_is_refused(code: str) -> None:
    assert_refused(english_la(code=code), "invalid_code", "code")


def test_la_in_region_national_is_refused() -> None:
    assert_refused(english_la(region=Region.NATIONAL), "invalid_region", "region")


# --- reviewing organisation ------------------------------------------------------------------------------------

def test_english_la_reviewing_org_is_derived_as_cafcass() -> None:
    assert check(english_la(reviewing_org=None)).reviewing_org == "CAFCASS"


def test_welsh_la_reviewing_org_is_derived_as_cafcass_cymru() -> None:
    assert check(welsh_la(reviewing_org=None)).reviewing_org == "CAFCASS-CYMRU"


def test_correct_reviewing_org_given_explicitly_is_kept() -> None:
    assert check(english_la(reviewing_org="CAFCASS")).reviewing_org == "CAFCASS"
    assert check(welsh_la(reviewing_org="CAFCASS-CYMRU")).reviewing_org == "CAFCASS-CYMRU"


def test_english_la_reviewed_by_cafcass_cymru_is_refused() -> None:
    assert_refused(english_la(reviewing_org="CAFCASS-CYMRU"), "invalid_reviewing_org", "reviewing_org")


def test_welsh_la_reviewed_by_cafcass_is_refused() -> None:
    assert_refused(welsh_la(reviewing_org="CAFCASS"), "invalid_reviewing_org", "reviewing_org")


def test_la_reviewed_by_another_organisation_is_refused() -> None:
    assert_refused(english_la(reviewing_org="ADCS"), "invalid_reviewing_org", "reviewing_org")


def test_check_returns_a_new_value_and_leaves_the_input_unchanged() -> None:
    org = english_la(reviewing_org=None)
    checked = check(org)
    assert org.reviewing_org is None
    assert checked == replace(org, reviewing_org="CAFCASS")


# --- national bodies -------------------------------------------------------------------------------------------

def test_national_bodies_pass_unchanged() -> None:
    for org in (national_body(),
                national_body(code="ADCS", name="ADCS", type=OrgType.ADCS),
                national_body(code="CAFCASS-CYMRU", name="Cafcass Cymru", region=Region.WALES, nation=Nation.WALES)):
        assert check(org) == org


def test_non_la_with_reviewing_org_is_refused_naming_reviewing_org() -> None:
    assert_refused(national_body(reviewing_org="CAFCASS"), "not_a_local_authority", "reviewing_org")


def test_non_la_with_service_area_is_refused_naming_cafcass_service_area() -> None:
    assert_refused(national_body(type=OrgType.ADCS, code="ADCS", cafcass_service_area="ons-region-london"),
                   "not_a_local_authority", "cafcass_service_area")


def test_non_la_with_both_is_refused_naming_reviewing_org_first() -> None:
    assert_refused(national_body(reviewing_org="CAFCASS", cafcass_service_area="x"),
                   "not_a_local_authority", "reviewing_org")


# --- nation / region consistency -------------------------------------------------------------------------------

def test_welsh_nation_in_an_english_region_is_refused() -> None:
    assert_refused(welsh_la(region=Region.SOUTH_WEST), "invalid_region", "region")


def test_english_nation_in_region_wales_is_refused() -> None:
    assert_refused(english_la(region=Region.WALES), "invalid_region", "region")


def test_national_body_in_region_national_may_be_in_either_nation() -> None:
    check(national_body(nation=Nation.WALES))
    check(national_body(nation=Nation.ENGLAND))


def test_non_la_in_region_wales_with_english_nation_is_refused() -> None:
    assert_refused(national_body(region=Region.WALES), "invalid_region", "region")


def test_w_code_with_english_nation_and_region_is_refused_on_nation() -> None:
    assert_refused(english_la(code="W06000001"), "invalid_nation", "nation")


def test_e_code_with_welsh_nation_and_region_is_refused_on_nation() -> None:
    assert_refused(welsh_la(code="E06000001"), "invalid_nation", "nation")


# --- name_key --------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("name, key", [
    ("Ynys Môn", "ynys-mon"),
    ("YNYS MÔN", "ynys-mon"),
    ("  Ynys   Môn\t", "ynys-mon"),
    ("Ynys\u00a0Mo\u0302n", "ynys-mon"),  # no-break space and a decomposed circumflex
    ("Bro Morgannwg", "bro-morgannwg"),
    ("St. Helens", "st-helens"),
    ("Brighton and Hove", "brighton-and-hove"),
    ("Rhondda Cynon Taf", "rhondda-cynon-taf"),
    ("Association of Directors of Children's Services", "association-of-directors-of-children-s-services"),
])
def test_name_key_folds_case_accents_punctuation_and_whitespace(name: str, key: str) -> None:
    assert name_key(name) == key


def test_name_key_keeps_only_lower_case_letters_digits_and_hyphens() -> None:
    key = name_key(" ¡Ŵrecsam & Môn #2 (Gwynedd)/Dŵr! ")
    assert key == "wrecsam-mon-2-gwynedd-dwr"
    assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", key)


def test_name_key_sorts_accented_names_with_their_plain_letters() -> None:
    names = ["York", "Ynys Môn", "Wrexham", "ynys mon extra"]
    assert sorted(names, key=name_key) == ["Wrexham", "Ynys Môn", "ynys mon extra", "York"]


def test_name_key_lets_a_name_sort_before_its_extensions_in_a_hash_separated_sort_key() -> None:
    # Stored sort keys are "<type>#<name key>#<code>": "Cafcass" must come before "Cafcass Cymru".
    shorter = f"cafcass#{name_key('Cafcass')}#CAFCASS"
    longer = f"cafcass#{name_key('Cafcass Cymru')}#CAFCASS-CYMRU"
    assert shorter < longer


# --- apply_edit ------------------------------------------------------------------------------------------------

def test_apply_edit_changes_the_given_fields_and_checks_the_result() -> None:
    current = check(english_la())
    edited = apply_edit(current, {"name": "City of Westminster", "cafcass_service_area": None})
    assert edited == replace(current, name="City of Westminster", cafcass_service_area=None)


def test_apply_edit_refuses_an_edit_that_breaks_a_rule() -> None:
    with pytest.raises(InvalidInput) as info:
        apply_edit(check(english_la()), {"reviewing_org": "CAFCASS-CYMRU"})
    assert (info.value.code, info.value.field) == ("invalid_reviewing_org", "reviewing_org")


def test_apply_edit_moving_an_english_la_to_wales_is_refused_on_nation() -> None:
    # The GSS prefix fixes an LA's nation, so moving an English LA to Wales is refused, not re-derived.
    with pytest.raises(InvalidInput) as info:
        apply_edit(check(english_la()), {"nation": Nation.WALES, "region": Region.WALES})
    assert (info.value.code, info.value.field) == ("invalid_nation", "nation")


def test_apply_edit_of_a_national_body_nation_is_accepted() -> None:
    current = national_body(code="ADCS", name="ADCS", type=OrgType.ADCS)
    assert apply_edit(current, {"nation": Nation.WALES}) == replace(current, nation=Nation.WALES)


def test_apply_edit_does_not_change_the_current_value() -> None:
    current = check(english_la())
    apply_edit(current, {"active": False})
    assert current.active is True
