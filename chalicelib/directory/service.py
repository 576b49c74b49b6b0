"""Use cases of the organisation directory: one function per user action."""

from __future__ import annotations

from typing import Any

from chalicelib.core.auth.caller import Caller, Role
from chalicelib.core.observability import count
from chalicelib.directory import domain as rules
from chalicelib.directory import store as store
from chalicelib.directory.domain import Organisation, OrgType, Region


def list_organisations(caller: Caller, org_type: OrgType | None, region: Region | None, limit: int,
                       cursor: str | None) -> store.Page:
    """A page of the directory, filtered by type and/or region. Any signed-in user may read it."""
    return store.list_page(org_type, region, limit, cursor)


def get_organisation(caller: Caller, code: str) -> Organisation:
    """One organisation by code. Any signed-in user may read it."""
    return store.get(code)


def create_organisation(caller: Caller, org: Organisation) -> Organisation:
    """Add an entry (Cafcass admins), for example a new authority after a reorganisation."""
    caller.require_any(Role.CAFCASS_ADMIN)
    created = store.create(rules.check(org), actor=caller.id)
    count("OrganisationCreated")
    return created


def update_organisation(caller: Caller, code: str, changes: dict[str, Any]) -> Organisation:
    """Apply a partial edit (Cafcass admins); the whole result must still satisfy the rules."""
    caller.require_any(Role.CAFCASS_ADMIN)
    current = store.get(code)
    if current.version is None:  # every stored item has one; guard the type for the checker
        raise RuntimeError("stored organisation without a version")
    edited = rules.apply_edit(current, changes)
    if edited == current:
        return current
    updated = store.update(edited, expected_version=current.version, actor=caller.id)
    count("OrganisationUpdated")
    return updated
