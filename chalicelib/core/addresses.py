"""Email addresses as keys: one normal form, so that case never makes two people of one."""

from __future__ import annotations

import re


def normalise_address(address: str) -> str:
    """Addresses are compared case-insensitively (the local part is case-sensitive in theory, never in
    practice at the providers our partners use), so suppressions and guards cannot be dodged by case."""
    return address.strip().lower()


def person_key(address: str) -> str:
    """A stable key for the person with this address that does not put the address in keys, indexes, URLs
    or logs (the same in every capability, so one person's records can be found everywhere)."""
    import hashlib

    return hashlib.sha256(normalise_address(address).encode()).hexdigest()[:40]


# An address the service can deliver to through SES: ASCII only, a dot-atom local part (no quoting, no
# brackets, no control characters), and a domain of two or more DNS labels ending in an alphabetic (or
# punycode) top-level label. One rule, used by the API's email field type and by the mail capability.
_ATEXT = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_TOP = r"(?:[A-Za-z]{2,63}|xn--[A-Za-z0-9-]{1,59})"
_ADDRESS = re.compile(rf"{_ATEXT}(?:\.{_ATEXT})*@(?:{_LABEL}\.)+{_TOP}", re.ASCII)
EMAIL_PATTERN = f"^{_ADDRESS.pattern}$"  # for request schemas (and their OpenAPI description)
MAX_ADDRESS_LENGTH = 254
MAX_LOCAL_PART_LENGTH = 64


def is_deliverable(address: str) -> bool:
    """True when ``address`` meets the service's address rule (see ``EMAIL_PATTERN``)."""
    if not isinstance(address, str) or len(address) > MAX_ADDRESS_LENGTH or not _ADDRESS.fullmatch(address):
        return False
    return len(address.rsplit("@", 1)[0]) <= MAX_LOCAL_PART_LENGTH
