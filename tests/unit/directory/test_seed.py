"""Parsing of the shipped reference data (chalicelib.directory.seed.load_reference); no AWS."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest

from chalicelib.core.errors import InvalidInput
from chalicelib.directory.domain import Nation, Organisation, OrgType, Region, check
from chalicelib.directory.seed import REFERENCE_FILE, load_reference

HEADER = "code,name,type,region,nation,cafcass_service_area,reviewing_org\n"


@pytest.fixture(scope="module")
def shipped() -> list[Organisation]:
    return load_reference()


def write_csv(tmp_path: Path, *rows: str, comments: str = "# a comment\n# another, with, commas\n") -> Path:
    path = tmp_path / "orgs.csv"
    path.write_text(comments + HEADER + "".join(row + "\n" for row in rows), encoding="utf-8")
    return path


# --- the shipped file ------------------------------------------------------------------------------------------

def test_shipped_file_has_178_organisations(shipped: list[Organisation]) -> None:
    assert len(shipped) == 178


def test_shipped_file_has_153_english_and_22_welsh_local_authorities(shipped: list[Organisation]) -> None:
    las = Counter(o.nation for o in shipped if o.type is OrgType.LOCAL_AUTHORITY)
    assert las == {Nation.ENGLAND: 153, Nation.WALES: 22}


def test_shipped_file_has_the_three_national_bodies(shipped: list[Organisation]) -> None:
    bodies = {o.code: o for o in shipped if o.type is not OrgType.LOCAL_AUTHORITY}
    assert set(bodies) == {"CAFCASS", "CAFCASS-CYMRU", "ADCS"}
    assert bodies["CAFCASS"].type is OrgType.CAFCASS and bodies["CAFCASS-CYMRU"].type is OrgType.CAFCASS
    assert bodies["ADCS"].type is OrgType.ADCS
    assert bodies["CAFCASS-CYMRU"].nation is Nation.WALES


def test_shipped_codes_are_unique(shipped: list[Organisation]) -> None:
    codes = [o.code for o in shipped]
    assert len(set(codes)) == len(codes)


def test_shipped_names_are_unique_and_trimmed(shipped: list[Organisation]) -> None:
    names = [o.name for o in shipped]
    assert len(set(names)) == len(names)
    assert all(n == n.strip() and n for n in names)


def test_every_shipped_la_is_reviewed_by_the_cafcass_of_its_nation(shipped: list[Organisation]) -> None:
    for org in shipped:
        if org.type is OrgType.LOCAL_AUTHORITY:
            expected = "CAFCASS-CYMRU" if org.nation is Nation.WALES else "CAFCASS"
            assert org.reviewing_org == expected, org.code
        else:
            assert org.reviewing_org is None, org.code


def test_every_shipped_la_has_a_gss_code_matching_its_nation_and_a_service_area(
        shipped: list[Organisation]) -> None:
    for org in (o for o in shipped if o.type is OrgType.LOCAL_AUTHORITY):
        assert re.fullmatch(r"[EW](06|08|09|10)\d{6}", org.code), org.code
        assert org.code.startswith("W") == (org.nation is Nation.WALES), org.code
        assert org.region is not Region.NATIONAL, org.code
        assert org.cafcass_service_area, org.code


def test_every_english_region_has_local_authorities(shipped: list[Organisation]) -> None:
    regions = {o.region for o in shipped if o.type is OrgType.LOCAL_AUTHORITY}
    assert regions == set(Region) - {Region.NATIONAL}


def test_shipped_rows_already_pass_the_rules(shipped: list[Organisation]) -> None:
    assert all(check(o) == o for o in shipped)


def test_reference_file_is_the_shipped_csv() -> None:
    assert REFERENCE_FILE.name == "organisations.csv" and REFERENCE_FILE.is_file()


# --- a small file ----------------------------------------------------------------------------------------------

def test_small_file_is_parsed_with_comments_skipped_and_reviewer_derived(tmp_path: Path) -> None:
    path = write_csv(tmp_path,
                     "CAFCASS,Cafcass,cafcass,national,england,,",
                     "W06000001,Isle of Anglesey,local_authority,wales,wales,cafcass-cymru-north-wales,",
                     '"E09000033","Westminster, City of",local_authority,london,england,,CAFCASS')
    assert load_reference(path) == [
        Organisation(code="CAFCASS", name="Cafcass", type=OrgType.CAFCASS, region=Region.NATIONAL,
                     nation=Nation.ENGLAND),
        Organisation(code="W06000001", name="Isle of Anglesey", type=OrgType.LOCAL_AUTHORITY, region=Region.WALES,
                     nation=Nation.WALES, cafcass_service_area="cafcass-cymru-north-wales",
                     reviewing_org="CAFCASS-CYMRU"),
        Organisation(code="E09000033", name="Westminster, City of", type=OrgType.LOCAL_AUTHORITY,
                     region=Region.LONDON, nation=Nation.ENGLAND, reviewing_org="CAFCASS"),
    ]


def test_file_with_a_duplicate_code_is_refused(tmp_path: Path) -> None:
    path = write_csv(tmp_path,
                     "E09000033,Westminster,local_authority,london,england,ons-region-london,CAFCASS",
                     "E09000033,City of Westminster,local_authority,london,england,ons-region-london,CAFCASS")
    with pytest.raises(ValueError, match="duplicate"):
        load_reference(path)


@pytest.mark.parametrize("row, code, field", [
    ("E07000001,A District,local_authority,london,england,,", "invalid_code", "code"),
    ("E09000033,Westminster,local_authority,london,england,,CAFCASS-CYMRU", "invalid_reviewing_org",
     "reviewing_org"),
    ("ADCS,ADCS,adcs,national,england,ons-region-london,", "not_a_local_authority", "cafcass_service_area"),
    ("W06000001,Isle of Anglesey,local_authority,north-west,wales,,", "invalid_region", "region"),
])
def test_row_breaking_a_rule_is_refused(tmp_path: Path, row: str, code: str, field: str) -> None:
    path = write_csv(tmp_path, "CAFCASS,Cafcass,cafcass,national,england,,", row)
    with pytest.raises(InvalidInput) as info:
        load_reference(path)
    assert (info.value.code, info.value.field) == (code, field)


def test_row_with_an_unknown_region_is_refused(tmp_path: Path) -> None:
    path = write_csv(tmp_path, "S12000033,Aberdeen City,local_authority,scotland,scotland,,")
    with pytest.raises(ValueError):
        load_reference(path)
