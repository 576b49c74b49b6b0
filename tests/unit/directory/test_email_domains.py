"""Email domains in the directory (issue 9, section 2): the domain rule, the request models and the seed
file's column; no AWS."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from chalicelib.core.errors import InvalidInput
from chalicelib.directory.domain import Nation, Organisation, OrgType, Region, apply_edit, check, is_email_domain
from chalicelib.directory.schemas import OrganisationCreate, OrganisationOut, OrganisationPatch
from chalicelib.directory.seed import load_reference

WESTMINSTER = Organisation(code="E09000033", name="Westminster", type=OrgType.LOCAL_AUTHORITY, region=Region.LONDON,
                           nation=Nation.ENGLAND, cafcass_service_area="ons-region-london", reviewing_org="CAFCASS",
                           email_domains=frozenset({"westminster.gov.uk"}))


def create_body(**overrides: Any) -> dict[str, Any]:
    return {"code": "E06000099", "name": "New Unitary Council", "type": "local_authority", "region": "south-west",
            "nation": "england", **overrides}


# --- the rule --------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("domain", ["cafcass.gov.uk", "gov.wales", "adcs.org.uk", "a-b.example", "xn--mn-eka.cymru"])
def test_dns_domains_are_email_domains(domain: str) -> None:
    assert is_email_domain(domain)


@pytest.mark.parametrize("domain", ["localhost", "gov.uk.", ".gov.uk", "-a.gov.uk", "a..gov.uk", "a b.gov.uk",
                                    "@cafcass.gov.uk", "cafcass.gov.uk\n", "Cafcass.gov.uk", "a.123", "",
                                    "x" * 64 + ".gov.uk", "*.gov.uk"])
def test_other_strings_are_not(domain: str) -> None:
    assert not is_email_domain(domain)


def test_check_keeps_domains_in_lower_case_and_refuses_a_bad_one() -> None:
    assert check(WESTMINSTER) == WESTMINSTER
    mixed = check(Organisation(**{**WESTMINSTER.__dict__, "email_domains": frozenset({"Westminster.GOV.uk "})}))
    assert mixed.email_domains == frozenset({"westminster.gov.uk"})
    with pytest.raises(InvalidInput) as info:
        check(Organisation(**{**WESTMINSTER.__dict__, "email_domains": frozenset({"not a domain"})}))
    assert (info.value.code, info.value.field) == ("invalid_email_domain", "email_domains")


def test_an_edit_replaces_or_clears_the_domains() -> None:
    assert apply_edit(WESTMINSTER, {"email_domains": frozenset({"rbkc.gov.uk", "westminster.gov.uk"})}
                      ).email_domains == {"rbkc.gov.uk", "westminster.gov.uk"}
    assert apply_edit(WESTMINSTER, {"email_domains": None}).email_domains == frozenset()
    assert apply_edit(WESTMINSTER, {"email_domains": frozenset()}).email_domains == frozenset()
    assert apply_edit(WESTMINSTER, {"name": "City of Westminster"}).email_domains == WESTMINSTER.email_domains


# --- the request and response models ---------------------------------------------------------------------------

def test_create_accepts_domains_in_any_case_and_keeps_them_lower() -> None:
    model = OrganisationCreate.model_validate(create_body(email_domains=["NewUnitary.gov.UK", " other.example "]))
    assert model.to_domain().email_domains == frozenset({"newunitary.gov.uk", "other.example"})
    assert OrganisationCreate.model_validate(create_body()).to_domain().email_domains == frozenset()


@pytest.mark.parametrize("domains", [["not a domain"], ["user@gov.uk"], ["gov"], "cafcass.gov.uk",
                                     ["a\u202e.gov.uk"], ["x.gov.uk"] * 21, [1]])
def test_create_refuses_what_is_not_a_list_of_dns_domains(domains: Any) -> None:
    with pytest.raises(ValidationError) as info:
        OrganisationCreate.model_validate(create_body(email_domains=domains))
    assert all(e["loc"][0] == "email_domains" for e in info.value.errors())


def test_patch_replaces_and_clears_the_domains() -> None:
    assert OrganisationPatch.model_validate_json('{"email_domains": ["A.gov.uk"]}').changes() == {
        "email_domains": frozenset({"a.gov.uk"})}
    assert OrganisationPatch.model_validate_json('{"email_domains": null}').changes() == {"email_domains": None}
    assert OrganisationPatch.model_validate_json('{"email_domains": []}').changes() == {"email_domains": frozenset()}
    with pytest.raises(ValidationError):
        OrganisationPatch.model_validate_json('{"email_domains": ["bad domain"]}')


def test_the_output_shows_the_domains_sorted() -> None:
    org = Organisation(**{**WESTMINSTER.__dict__, "email_domains": frozenset({"westminster.gov.uk", "rbkc.gov.uk"})})
    assert OrganisationOut.of(org).model_dump(mode="json")["email_domains"] == ["rbkc.gov.uk", "westminster.gov.uk"]


# --- the seed file ---------------------------------------------------------------------------------------------

def test_the_shipped_file_records_domains_for_the_national_bodies() -> None:
    orgs = {o.code: o for o in load_reference()}
    assert orgs["CAFCASS"].email_domains == {"cafcass.gov.uk"}
    assert orgs["CAFCASS-CYMRU"].email_domains == {"gov.wales", "llyw.cymru"}
    assert orgs["ADCS"].email_domains == {"adcs.org.uk"}
    assert orgs["E09000033"].email_domains == {"westminster.gov.uk"}
    assert orgs["E09000002"].email_domains == frozenset()


def test_every_seeded_domain_is_listed_as_unverified_in_sources() -> None:
    sources = (Path(load_reference.__code__.co_filename).parent / "data" / "SOURCES.md").read_text(encoding="utf-8")
    unverified = sources.split("## Email domains", 1)[1]
    for org in load_reference():
        for domain in org.email_domains:
            assert f"`{domain}`" in unverified, (org.code, domain)


def test_the_column_is_space_separated_and_may_be_missing(tmp_path: Path) -> None:
    path = tmp_path / "orgs.csv"
    path.write_text("code,name,type,region,nation,cafcass_service_area,reviewing_org,email_domains\n"
                    "CAFCASS,Cafcass,cafcass,national,england,,,Cafcass.gov.uk other.example\n"
                    "ADCS,ADCS,adcs,national,england,,,\n", encoding="utf-8")
    assert [o.email_domains for o in load_reference(path)] == [frozenset({"cafcass.gov.uk", "other.example"}),
                                                               frozenset()]
    old = tmp_path / "old.csv"
    old.write_text("code,name,type,region,nation,cafcass_service_area,reviewing_org\n"
                   "ADCS,ADCS,adcs,national,england,,\n", encoding="utf-8")
    assert load_reference(old)[0].email_domains == frozenset()
    bad = tmp_path / "bad.csv"
    bad.write_text("code,name,type,region,nation,cafcass_service_area,reviewing_org,email_domains\n"
                   "ADCS,ADCS,adcs,national,england,,,adcs@org.uk\n", encoding="utf-8")
    with pytest.raises(InvalidInput) as info:
        load_reference(bad)
    assert info.value.code == "invalid_email_domain"
