"""Email addresses as keys: one normal form, so that case never makes two people of one."""

from __future__ import annotations


def normalise_address(address: str) -> str:
    """Addresses are compared case-insensitively (the local part is case-sensitive in theory, never in
    practice at the providers our partners use), so suppressions and guards cannot be dodged by case."""
    return address.strip().lower()


def person_key(address: str) -> str:
    """A stable key for the person with this address that does not put the address in keys, indexes, URLs
    or logs (the same in every capability, so one person's records can be found everywhere)."""
    import hashlib

    return hashlib.sha256(normalise_address(address).encode()).hexdigest()[:40]
