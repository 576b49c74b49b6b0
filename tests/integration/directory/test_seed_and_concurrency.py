"""The reference-data seed is idempotent, and concurrent edits cannot overwrite each other."""

from __future__ import annotations

import pytest

from chalicelib.core.auth.caller import Caller, Role
from chalicelib.core.errors import Conflict
from chalicelib.directory import seed as directory_seed
from chalicelib.directory import service as service
from chalicelib.directory import store as store

ADMIN = Caller(id="admin-1", roles=frozenset({Role.CAFCASS_ADMIN}), organisation="CAFCASS")


def test_seeding_again_creates_nothing(aws):
    result = directory_seed.seed()
    assert result.created == [] and result.updated == []
    assert result.unchanged == len(directory_seed.load_reference())


def test_seed_keeps_admin_edits_unless_told_to_overwrite(aws):
    service.update_organisation(ADMIN, "E06000001", {"name": "Hartlepool (edited)"})
    directory_seed.seed()
    assert store.get("E06000001").name == "Hartlepool (edited)"
    result = directory_seed.seed(overwrite=True)
    assert result.updated == ["E06000001"]
    assert store.get("E06000001").name == "Hartlepool"


def test_a_stale_edit_is_refused_with_a_conflict(aws):
    first_read = store.get("E06000002")
    service.update_organisation(ADMIN, "E06000002", {"cafcass_service_area": "area-a"})
    from dataclasses import replace

    with pytest.raises(Conflict):
        store.update(replace(first_read, cafcass_service_area="area-b"), expected_version=first_read.version,
                     actor=ADMIN.id)
    assert store.get("E06000002").cafcass_service_area == "area-a"


def test_only_admins_may_edit_through_the_service(aws):
    worker = Caller(id="sw-1", roles=frozenset({Role.LA_SOCIAL_WORKER}), organisation="E09000033")
    from chalicelib.core.errors import PermissionDenied

    with pytest.raises(PermissionDenied):
        service.update_organisation(worker, "E09000033", {"active": False})
