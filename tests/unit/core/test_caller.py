"""Callers and access rules (chalicelib.core.auth.caller)."""

from __future__ import annotations

import pytest

from chalicelib.core.auth.caller import Access, Caller, Role
from chalicelib.core.errors import NotAuthenticated, PermissionDenied


def claims(**extra: object) -> dict[str, object]:
    return {"sub": "3f1c0c3e-0000-4000-8000-000000000001", **extra}


# --- from_claims -----------------------------------------------------------------------------------------------

def test_from_claims_maps_a_list_of_groups_to_roles() -> None:
    caller = Caller.from_claims(claims(**{"cognito:groups": ["cafcass-admin", "adcs-partner"]}))
    assert caller.roles == frozenset({Role.CAFCASS_ADMIN, Role.ADCS_PARTNER})


def test_from_claims_accepts_a_single_group_given_as_a_string() -> None:
    caller = Caller.from_claims(claims(**{"cognito:groups": "la-social-worker"}))
    assert caller.roles == frozenset({Role.LA_SOCIAL_WORKER})


def test_from_claims_ignores_unknown_and_non_string_groups() -> None:
    caller = Caller.from_claims(claims(**{"cognito:groups": ["other-app-admin", "CAFCASS-ADMIN", 7, None,
                                                             "cafcass-reviewer"]}))
    assert caller.roles == frozenset({Role.CAFCASS_REVIEWER})


@pytest.mark.parametrize("groups", [None, [], ""])
def test_from_claims_without_groups_has_no_roles(groups: object) -> None:
    assert Caller.from_claims(claims(**{"cognito:groups": groups})).roles == frozenset()
    assert Caller.from_claims(claims()).roles == frozenset()


def test_from_claims_upper_cases_and_strips_the_organisation() -> None:
    assert Caller.from_claims(claims(**{"custom:org": "  e09000033 "})).organisation == "E09000033"


@pytest.mark.parametrize("org", ["", " ", "E", "E09 000033", "E09000033;DROP", "-E09000033", "A" * 33, 42, None])
def test_from_claims_drops_an_organisation_that_is_not_an_org_code(org: object) -> None:
    assert Caller.from_claims(claims(**{"custom:org": org})).organisation is None


def test_from_claims_keeps_id_and_email() -> None:
    caller = Caller.from_claims(claims(email="worker@la.example"))
    assert caller.id == "3f1c0c3e-0000-4000-8000-000000000001"
    assert caller.email == "worker@la.example"


@pytest.mark.parametrize("email", [None, 123, ["a@b.example"]])
def test_from_claims_without_a_string_email_has_no_email(email: object) -> None:
    caller = Caller.from_claims(claims() if email is None else claims(email=email))
    assert caller.email is None


def test_email_is_kept_out_of_the_repr() -> None:
    caller = Caller.from_claims(claims(email="worker@la.example"))
    assert "worker@la.example" not in repr(caller)


# --- context round trip ----------------------------------------------------------------------------------------

def test_to_context_is_strings_only_with_sorted_roles() -> None:
    caller = Caller(id="u1", roles=frozenset({Role.LA_SOCIAL_WORKER, Role.ADCS_ADMIN}), organisation="E09000033",
                    email="a@b.example")
    context = caller.to_context()
    assert context == {"sub": "u1", "roles": "adcs-admin,la-social-worker", "org": "E09000033",
                       "email": "a@b.example"}
    assert all(isinstance(v, str) for v in context.values())


def test_to_context_of_a_bare_caller_uses_empty_strings() -> None:
    assert Caller(id="u2", roles=frozenset()).to_context() == {"sub": "u2", "roles": "", "org": "", "email": ""}


@pytest.mark.parametrize("caller", [
    Caller(id="u1", roles=frozenset(Role), organisation="CAFCASS-CYMRU", email="x@y.example"),
    Caller(id="u2", roles=frozenset({Role.CAFCASS_REVIEWER})),
    Caller(id="u3", roles=frozenset()),
])
def test_context_round_trip_gives_back_the_same_caller(caller: Caller) -> None:
    assert Caller.from_context(caller.to_context()) == caller


def test_from_context_ignores_unknown_roles() -> None:
    caller = Caller.from_context({"sub": "u1", "roles": "cafcass-admin,root,,", "org": "", "email": ""})
    assert caller.roles == frozenset({Role.CAFCASS_ADMIN})
    assert caller.organisation is None and caller.email is None


# --- role checks -----------------------------------------------------------------------------------------------

def test_require_any_passes_with_one_matching_role() -> None:
    Caller(id="u", roles=frozenset({Role.ADCS_PARTNER})).require_any(Role.CAFCASS_ADMIN, Role.ADCS_PARTNER)


def test_require_any_raises_permission_denied_without_a_matching_role() -> None:
    with pytest.raises(PermissionDenied) as info:
        Caller(id="u", roles=frozenset({Role.ADCS_PARTNER})).require_any(Role.CAFCASS_ADMIN)
    assert info.value.code == "forbidden"


def test_require_any_with_no_roles_listed_refuses_everyone() -> None:
    with pytest.raises(PermissionDenied):
        Caller(id="u", roles=frozenset(Role)).require_any()


def test_is_cafcass_admin() -> None:
    assert Caller(id="u", roles=frozenset({Role.CAFCASS_ADMIN})).is_cafcass_admin
    assert not Caller(id="u", roles=frozenset({Role.CAFCASS_REVIEWER, Role.ADCS_ADMIN})).is_cafcass_admin


# --- Access ----------------------------------------------------------------------------------------------------

ADMIN = Caller(id="admin", roles=frozenset({Role.CAFCASS_ADMIN}))
NOBODY = Caller(id="nobody", roles=frozenset())


def test_public_access_lets_anyone_through() -> None:
    Access.public().check(None)
    Access.public().check(NOBODY)


def test_any_signed_in_refuses_no_caller_with_not_authenticated() -> None:
    with pytest.raises(NotAuthenticated) as info:
        Access.any_signed_in().check(None)
    assert (info.value.code, info.value.field) == ("not_authenticated", "Authorization")


def test_any_signed_in_refuses_a_caller_without_a_service_role() -> None:
    # Someone of the pool who holds none of the service's roles (another application's user) is refused.
    with pytest.raises(PermissionDenied) as err:
        Access.any_signed_in().check(NOBODY)
    assert err.value.code == "no_service_role"


def test_only_refuses_no_caller_with_not_authenticated_not_permission_denied() -> None:
    with pytest.raises(NotAuthenticated):
        Access.only(Role.CAFCASS_ADMIN).check(None)


def test_only_refuses_a_caller_without_the_role() -> None:
    with pytest.raises(PermissionDenied) as info:
        Access.only(Role.CAFCASS_ADMIN).check(Caller(id="r", roles=frozenset({Role.CAFCASS_REVIEWER})))
    assert info.value.code == "forbidden"


def test_only_accepts_a_caller_with_any_listed_role() -> None:
    Access.only(Role.CAFCASS_ADMIN, Role.ADCS_ADMIN).check(ADMIN)
    Access.only(Role.CAFCASS_ADMIN, Role.ADCS_ADMIN).check(Caller(id="a", roles=frozenset({Role.ADCS_ADMIN})))


def test_describe() -> None:
    assert Access.public().describe() == "Public: no sign-in needed."
    assert Access.any_signed_in().describe() == "Any signed-in user with one of the service's roles."
    assert (Access.only(Role.CAFCASS_REVIEWER, Role.ADCS_ADMIN).describe()
            == "Signed-in users with one of the roles: adcs-admin, cafcass-reviewer.")
