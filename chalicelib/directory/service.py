"""Use cases of the organisation directory: one function per user action.

This is the directory's face to other capabilities: they use these functions and the types
re-exported here (``Organisation``, ``OrgType``, ``Region``), never the store.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from chalicelib.core.auth.caller import Caller, Role
from chalicelib.core.dynamo.transactions import Write
from chalicelib.core.errors import Conflict
from chalicelib.core.observability import count
from chalicelib.core.pages import Page
from chalicelib.directory import domain as rules
from chalicelib.directory import store as store

__all__ = ["Nation", "OrgType", "Organisation", "Region", "create_organisation", "email_domains",
           "get_organisation", "list_organisations", "must_exist", "update_organisation"]
from chalicelib.directory.domain import Nation, Organisation, OrgType, Region


def list_organisations(caller: Caller, org_type: OrgType | None, region: Region | None, limit: int,
                       cursor: str | None) -> Page[Organisation]:
    """A page of the directory, filtered by type and/or region. Any signed-in user may read it."""
    return store.list_page(org_type, region, limit, cursor)


def get_organisation(caller: Caller, code: str) -> Organisation:
    """One organisation by code. Any signed-in user may read it."""
    return store.get(code)


def email_domains(code: str) -> frozenset[str]:
    """For other capabilities: the lower-case DNS domains the directory records for the organisation ``code``
    (empty when none are recorded; ``NotFound`` for an unknown code). One GetItem."""
    return store.get(code).email_domains


def must_exist(code: str) -> Write:
    """For another capability's transaction: it commits only if the organisation ``code`` is in the directory
    (a failed condition labelled ``organisation``)."""
    return store.exists_check(code)


def create_organisation(caller: Caller, org: Organisation) -> Organisation:
    """Add an entry (Cafcass admins), for example a new authority after a reorganisation."""
    caller.require_any(Role.CAFCASS_ADMIN)
    wanted = rules.check(org)
    try:
        created = store.create(wanted, actor=caller.id)
    except Conflict:
        existing = store.get(wanted.code)
        if replace(existing, version=None, updated_at=None) == replace(wanted, version=None, updated_at=None):
            return existing  # the same entry sent again (a retry after a lost answer): the same answer
        raise
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
