"""Who is calling: roles, the ``Caller`` built from verified token claims, and access rules.

Pure Python (no JWT, no AWS) so that authorisation decisions can be unit
tested without tokens. The authorizer turns verified claims into a flat
string context (API Gateway only passes strings between an authorizer and
the function) and the API layer turns that context back into a ``Caller``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import Enum

from chalicelib.core.errors import NoEmailInToken, PermissionDenied, SignInRequired
from chalicelib.core.ids import is_org_code


class Role(str, Enum):
    """Cognito groups the service understands."""

    CAFCASS_ADMIN = "cafcass-admin"
    CAFCASS_REVIEWER = "cafcass-reviewer"
    LA_SOCIAL_WORKER = "la-social-worker"
    ADCS_PARTNER = "adcs-partner"
    ADCS_ADMIN = "adcs-admin"


_ROLE_VALUES = {r.value: r for r in Role}


@dataclass(frozen=True)
class Caller:
    """A signed-in person, as far as the service is concerned."""

    id: str
    roles: frozenset[Role]
    organisation: str | None = None
    email: str | None = field(default=None, repr=False)  # personal data: kept out of reprs and logs

    @classmethod
    def from_claims(cls, claims: Mapping[str, object]) -> Caller:
        """Build a caller from *verified* Cognito claims.

        Unknown groups are ignored rather than rejected: a pool may hold groups
        used by other applications.
        """
        claimed = claims.get("cognito:groups") or []
        groups: Iterable[object] = ([claimed] if isinstance(claimed, str)
                                    else claimed if isinstance(claimed, Iterable) else [])
        roles = frozenset(_ROLE_VALUES[g] for g in groups if isinstance(g, str) and g in _ROLE_VALUES)
        org = claims.get("custom:org")
        organisation = org.strip().upper() if isinstance(org, str) and is_org_code(org.strip().upper()) else None
        email = claims.get("email")
        return cls(
            id=str(claims["sub"]),
            roles=roles,
            organisation=organisation,
            email=email if isinstance(email, str) else None,
        )

    def to_context(self) -> dict[str, str]:
        """Flatten to the string-only context an API Gateway authorizer may return."""
        return {
            "sub": self.id,
            "roles": ",".join(sorted(r.value for r in self.roles)),
            "org": self.organisation or "",
            "email": self.email or "",
        }

    @classmethod
    def from_context(cls, context: Mapping[str, object]) -> Caller:
        """Rebuild a caller from an authorizer context made by :meth:`to_context`."""
        roles = frozenset(
            _ROLE_VALUES[r] for r in str(context.get("roles", "")).split(",") if r in _ROLE_VALUES
        )
        return cls(
            id=str(context["sub"]),
            roles=roles,
            organisation=str(context.get("org") or "") or None,
            email=str(context.get("email") or "") or None,
        )

    def has_any(self, roles: Iterable[Role]) -> bool:
        """True when the caller holds at least one of ``roles``."""
        return not self.roles.isdisjoint(roles)

    def require_any(self, *roles: Role) -> None:
        """Raise ``PermissionDenied`` unless the caller holds one of ``roles``."""
        if not self.has_any(roles):
            raise PermissionDenied("Your account does not have a role that may do this.", code="forbidden")

    def require_email(self, purpose: str = "") -> str:
        """The caller's verified address; ``NoEmailInToken`` if the token carries none."""
        if not self.email:
            raise NoEmailInToken(purpose)
        return self.email

    @property
    def is_cafcass_admin(self) -> bool:
        """Cafcass administrators manage reference data and, later, workshops."""
        return Role.CAFCASS_ADMIN in self.roles


@dataclass(frozen=True)
class Access:
    """Who may call a route. Every route declares one; the API layer enforces it."""

    signed_in: bool
    roles: frozenset[Role] = frozenset()

    @classmethod
    def public(cls) -> Access:
        """Anyone, without a token (health, API description)."""
        return cls(signed_in=False)

    @classmethod
    def any_signed_in(cls) -> Access:
        """Any holder of a valid token, whatever their role."""
        return cls(signed_in=True)

    @classmethod
    def only(cls, *roles: Role) -> Access:
        """Only holders of one of ``roles`` (at least one must be named)."""
        if not roles:
            raise ValueError("Access.only() needs at least one role; use any_signed_in() for everyone")
        return cls(signed_in=True, roles=frozenset(roles))

    def check(self, caller: Caller | None) -> None:
        """Raise 401/403-mapped errors when ``caller`` may not call the route. Signed-in routes need one of
        the service's roles at least: a pool may hold people of other applications."""
        if not self.signed_in:
            return
        if caller is None:
            raise SignInRequired()
        if not caller.roles:
            raise PermissionDenied("Your account has none of this service's roles; ask an administrator.",
                                   code="no_service_role")
        if self.roles:
            caller.require_any(*self.roles)

    def describe(self) -> str:
        """A sentence for the API description."""
        if not self.signed_in:
            return "Public: no sign-in needed."
        if not self.roles:
            return "Any signed-in user with one of the service's roles."
        return "Signed-in users with one of the roles: " + ", ".join(sorted(r.value for r in self.roles)) + "."


# The access rules most routes use (route tables name them; a rule of one capability is made there).
PUBLIC = Access.public()
SIGNED_IN = Access.any_signed_in()
CAFCASS_ADMINS = Access.only(Role.CAFCASS_ADMIN)
