"""The organisation directory: local authorities, Cafcass, Cafcass Cymru and ADCS.

Pure rules: what an organisation is, which codes are valid, and how an edit
is checked. Storage lives in ``chalicelib.directory.store``.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, replace
from datetime import datetime
from enum import Enum

from chalicelib.core.errors import InvalidInput
from chalicelib.core.ids import (
    GSS_LA_CODE_PATTERN,
    ORG_CODE_PATTERN,
    is_local_authority_code,
)

__all__ = ["GSS_LA_CODE_PATTERN", "ORG_CODE_PATTERN", "is_local_authority_code"]


class OrgType(str, Enum):
    """Kinds of organisation in the partnership."""

    LOCAL_AUTHORITY = "local_authority"
    CAFCASS = "cafcass"
    ADCS = "adcs"


class Nation(str, Enum):
    """The two nations the partnership covers."""

    ENGLAND = "england"
    WALES = "wales"


class Region(str, Enum):
    """ONS regions of England, Wales as a whole, and ``national`` for national bodies."""

    NORTH_EAST = "north-east"
    NORTH_WEST = "north-west"
    YORKSHIRE_AND_THE_HUMBER = "yorkshire-and-the-humber"
    EAST_MIDLANDS = "east-midlands"
    WEST_MIDLANDS = "west-midlands"
    EAST_OF_ENGLAND = "east-of-england"
    LONDON = "london"
    SOUTH_EAST = "south-east"
    SOUTH_WEST = "south-west"
    WALES = "wales"
    NATIONAL = "national"


@dataclass(frozen=True)
class Organisation:
    """One entry of the directory."""

    code: str
    name: str
    type: OrgType
    region: Region
    nation: Nation
    cafcass_service_area: str | None = None
    reviewing_org: str | None = None
    active: bool = True
    version: int | None = None
    updated_at: datetime | None = None
    email_domains: frozenset[str] = frozenset()  # lower-case DNS domains its people's addresses are at


_NOT_ALNUM = re.compile(r"[^a-z0-9]+")

# A DNS domain as the service's address rule (``core.addresses``) accepts after the ``@``: two or more labels of
# letters, digits and inner hyphens, ending in an alphabetic (or punycode) top-level label; lower case.
_LABEL = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
_TOP = r"(?:[a-z]{2,63}|xn--[a-z0-9-]{1,59})"
EMAIL_DOMAIN_PATTERN = rf"^(?:{_LABEL}\.)+{_TOP}$"
# The same in either case, for request schemas (which then store it in lower case).
EMAIL_DOMAIN_ANY_CASE = EMAIL_DOMAIN_PATTERN.replace("a-z", "A-Za-z")
_EMAIL_DOMAIN = re.compile(EMAIL_DOMAIN_PATTERN, re.ASCII)
MAX_DOMAIN_LENGTH = 253
MAX_EMAIL_DOMAINS = 20


def is_email_domain(domain: str) -> bool:
    """True for a lower-case DNS domain of two or more labels (``westminster.gov.uk``)."""
    return len(domain) <= MAX_DOMAIN_LENGTH and bool(_EMAIL_DOMAIN.fullmatch(domain))


def email_domains(values: object) -> frozenset[str]:
    """Email domains as the directory keeps them: lower case, each a DNS domain (``InvalidInput`` naming
    ``email_domains`` otherwise), at most ``MAX_EMAIL_DOMAINS``. ``None`` is none."""
    if values is None:
        return frozenset()
    if isinstance(values, str) or not isinstance(values, (set, frozenset, list, tuple)):
        raise InvalidInput("Email domains are a list of DNS domains.", code="invalid_email_domain",
                           field="email_domains")
    domains = frozenset(str(v).strip().lower() for v in values)
    if len(domains) > MAX_EMAIL_DOMAINS or not all(is_email_domain(d) for d in domains):
        raise InvalidInput(f"Email domains must be DNS domains such as cafcass.gov.uk (at most "
                           f"{MAX_EMAIL_DOMAINS}).", code="invalid_email_domain", field="email_domains")
    return domains


def name_key(name: str) -> str:
    """A case-, accent- and punctuation-insensitive sort key ("Ynys Môn" -> "ynys-mon").

    Only ``[a-z0-9-]`` remain, all of which sort after the ``#`` that separates
    the parts of a stored sort key, so "Cafcass" sorts before "Cafcass Cymru".
    """
    folded = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    return _NOT_ALNUM.sub("-", folded.lower()).strip("-")


def check(org: Organisation) -> Organisation:
    """Apply the directory's consistency rules; raise ``InvalidInput`` naming the field at fault.

    Returns the organisation with derived fields filled in (a local authority's
    reviewing organisation follows from its nation) and its email domains in their stored form.
    """
    org = replace(org, email_domains=email_domains(org.email_domains))
    if org.region is not Region.NATIONAL and (org.nation is Nation.WALES) != (org.region is Region.WALES):
        raise InvalidInput("Region and nation disagree: Welsh organisations are in region 'wales'.",
                           code="invalid_region", field="region")
    if org.type is not OrgType.LOCAL_AUTHORITY:
        if org.reviewing_org is not None or org.cafcass_service_area is not None:
            raise InvalidInput("Only local authorities have a reviewing organisation or Cafcass service area.",
                               code="not_a_local_authority",
                               field="reviewing_org" if org.reviewing_org is not None else "cafcass_service_area")
        return org
    if not is_local_authority_code(org.code):
        raise InvalidInput("A local authority's code must be its GSS code, for example E09000033.",
                           code="invalid_code", field="code")
    if org.region is Region.NATIONAL:
        raise InvalidInput("A local authority belongs to a region, not 'national'.",
                           code="invalid_region", field="region")
    if (org.code[0] == "W") != (org.nation is Nation.WALES):
        raise InvalidInput("A GSS code starting with W is Welsh, with E English.", code="invalid_nation",
                           field="nation")
    expected_reviewer = "CAFCASS-CYMRU" if org.nation is Nation.WALES else "CAFCASS"
    if org.reviewing_org not in (None, expected_reviewer):
        raise InvalidInput(f"Evidence from a local authority in {org.nation.value.title()} is reviewed "
                           f"by {expected_reviewer}.", code="invalid_reviewing_org", field="reviewing_org")
    return replace(org, reviewing_org=expected_reviewer)


def apply_edit(current: Organisation, changes: dict[str, object]) -> Organisation:
    """The organisation after a partial edit, checked. Fields derived from others are re-derived
    unless the edit sets them explicitly (a new nation implies a new reviewing organisation)."""
    derived: dict[str, object] = {}
    if "nation" in changes and "reviewing_org" not in changes:
        derived["reviewing_org"] = None
    if "email_domains" in changes and changes["email_domains"] is None:  # null clears them
        changes = {**changes, "email_domains": frozenset()}
    return check(replace(current, **{**derived, **changes}))  # type: ignore[arg-type]
