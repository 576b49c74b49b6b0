"""Identifiers the service makes: random, opaque, and safe in URLs, keys and logs."""

from __future__ import annotations

import hashlib
import re
import uuid


def new_id() -> str:
    """A new random identifier (32 hex characters), for records, messages and leases."""
    return uuid.uuid4().hex


def derived_id(*parts: str) -> str:
    """An identifier (32 hex characters) fixed by its parts: the same parts always give the same id, so a
    request resent with the same ``Idempotency-Key`` finds the record the first one wrote."""
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:32]


# Organisation codes: every organisation's code in the directory, and in the ``custom:org`` claim.
ORG_CODE_PATTERN = r"^[A-Z0-9][A-Z0-9-]{1,31}$"
# A local authority with children's services has a GSS code: county (E10), unitary (E06), metropolitan
# district (E08), London borough (E09), Welsh principal area (W06).
GSS_LA_CODE_PATTERN = r"^[EW](06|08|09|10)[0-9]{6}$"
_ORG_CODE = re.compile(ORG_CODE_PATTERN)
_GSS_LA = re.compile(GSS_LA_CODE_PATTERN)


def is_org_code(code: str) -> bool:
    """True for a well-formed organisation code (upper case)."""
    return bool(_ORG_CODE.match(code))


def is_local_authority_code(code: str) -> bool:
    """True for a GSS code of a local authority with children's services."""
    return bool(_GSS_LA.match(code))
