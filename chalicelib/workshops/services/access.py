"""Who may do what with a registration: access rules over the caller's verified identity.

A registration belongs to the Cognito subject (``sub``) of its person, recorded when they register
themselves; one made on someone's behalf is claimed by the first sign-in whose verified address matches.
After that the address no longer decides anything: an account whose address changes keeps its
registrations, and another account that shows the same address does not get them.
"""

from __future__ import annotations

from chalicelib.core.addresses import normalise_address
from chalicelib.core.auth.caller import Caller, Role
from chalicelib.core.errors import InvalidInput, PermissionDenied
from chalicelib.workshops.domain.errors import RegistrationNotFound
from chalicelib.workshops.domain.registrations import Registrant, Registration
from chalicelib.workshops.domain.rules import Group
from chalicelib.workshops.store import registrations as regs

CAFCASS_ORGS = ("CAFCASS", "CAFCASS-CYMRU")


def groups_for(caller: Caller) -> set[Group]:
    """The attendee groups a caller may register themselves in, from their roles and organisation."""
    groups: set[Group] = set()
    if Role.LA_SOCIAL_WORKER in caller.roles:
        groups.add(Group.LA_SOCIAL_WORKER)
    if caller.has_any((Role.ADCS_PARTNER, Role.ADCS_ADMIN)):
        groups.add(Group.ADCS_PARTNER)
    if caller.organisation in CAFCASS_ORGS and caller.has_any((Role.CAFCASS_ADMIN, Role.CAFCASS_REVIEWER)):
        groups.add(Group.CAFCASS)
    return groups


def is_self(caller: Caller, email: str) -> bool:
    """True when ``email`` is the caller's own address."""
    return bool(caller.email) and normalise_address(caller.email or "") == normalise_address(email)


def check_registration(caller: Caller, who: Registrant) -> None:
    """People register themselves (their own address, organisation and group); admins register anyone."""
    if caller.is_cafcass_admin:
        return
    if not is_self(caller, who.email):
        raise PermissionDenied("You can only register yourself; ask an admin to register someone else.",
                               code="not_yourself")
    if who.organisation != caller.organisation:
        raise InvalidInput("The organisation must be your own.", code="organisation_mismatch", field="organisation")
    if who.group not in groups_for(caller):
        raise InvalidInput("This group does not match your account.", code="group_mismatch", field="group")


def on_behalf(caller: Caller, who: Registrant) -> str | None:
    """The admin's subject id when an admin registers someone else (``None`` for oneself)."""
    return caller.id if caller.is_cafcass_admin and not is_self(caller, who.email) else None


def owner_for(caller: Caller, who: Registrant) -> str | None:
    """The subject to record as a new registration's person: the caller when they register themselves."""
    return caller.id if is_self(caller, who.email) else None


def check_person(caller: Caller, reg: Registration) -> Registration:
    """The registration, if the caller is its person (claiming it if nobody has yet) or a Cafcass admin;
    others are told it does not exist."""
    if caller.is_cafcass_admin or reg.owner == caller.id:
        return reg
    if reg.owner is None and is_self(caller, reg.email):
        claimed = regs.claim(reg, caller.id)
        if claimed is not None:
            return claimed
        return check_person(caller, regs.get(reg.workshop_id, reg.id))  # claimed meanwhile: by whom?
    raise RegistrationNotFound()


def claim_mine(caller: Caller) -> int:
    """Claim every unclaimed registration made for the caller's verified address (one Query on the person
    index, one conditional write each). Returns how many."""
    claimed = 0
    for reg in regs.all_for_person(caller.require_email()):
        if reg.owner is None and regs.claim(reg, caller.id) is not None:
            claimed += 1
    return claimed
