"""The workshops' errors: one class per meaning, each with its stable code."""

from __future__ import annotations

from typing import TYPE_CHECKING

from chalicelib.core.errors import Conflict, InvalidInput, NotFound

if TYPE_CHECKING:
    from chalicelib.workshops.domain.registrations import Registration


class WorkshopNotFound(NotFound):
    """No workshop has this id (or the caller may not know that it exists)."""

    code = "workshop_not_found"

    def __init__(self) -> None:
        super().__init__("No workshop has this id.", field="workshop_id")


class RegistrationNotFound(NotFound):
    """No registration has this id (or it is someone else's)."""

    code = "registration_not_found"

    def __init__(self) -> None:
        super().__init__("No registration has this id.", field="registration_id")


class AlreadyRegistered(Conflict):
    """The person already has an active registration for this workshop (returned with the 409)."""

    code = "already_registered"

    def __init__(self, registration: Registration) -> None:
        super().__init__("You are already registered for this workshop.", field="email")
        self.registration = registration


class NotConfirmed(Conflict):
    """The registration holds no place (waiting, or ended), and this needs one."""

    code = "registration_not_confirmed"


class UnknownOrganisation(InvalidInput):
    """The organisation named in the request is not in the directory."""

    code = "unknown_organisation"

    def __init__(self) -> None:
        super().__init__("No organisation in the directory has this code.", field="organisation")


class ChangedMeanwhile(Conflict):
    """Someone else changed the workshop or registration since it was read."""

    code = "edit_conflict"

    def __init__(self, message: str = "The registration changed meanwhile; read it again.") -> None:
        super().__init__(message)


class Busy(Conflict):
    """So many people are registering at once that this request ran out of time: try again."""

    code = "try_again"

    def __init__(self) -> None:
        super().__init__("The workshop is very busy right now; please try again.")
