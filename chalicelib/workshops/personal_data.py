"""The workshops' entry in the personal-data map (``chalicelib.core.personal_data``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from chalicelib.core.personal_data import Erased, Erasure, Found, Holding, Person, Retention
from chalicelib.workshops.store import registrations as regs

REGISTRATIONS = Holding(
    name="workshop registration",
    table="registrations_table",
    fields=("name", "email", "job_title", "access_needs", "dietary_needs", "attendance", "feedback_rating",
            "feedback_changed_practice", "feedback_comment"),
    lookup="person_index: a Query on the hash of the address (core.addresses.person_key)",
    erasure=Erasure.ANONYMISE,  # the place, attendance and rating stay in the workshop's figures
    retention=Retention(period=timedelta(days=2 * 365), starts="the end of the workshop (REGISTRATION_RETENTION_DAYS, "
                        "two reporting years by default); access and dietary needs go after NEEDS_RETENTION_DAYS (7)",
                        enforced_by="the hourly job (jobs.anonymise_past_retention and jobs.remove_needs)"),
)
GUARDS = Holding(
    name="one-registration-per-person guard",
    table="registrations_table",
    fields=("sk (the hash of the address)",),
    lookup="derived from the person's registrations (workshop id and person key)",
    erasure=Erasure.DELETE,
    retention=REGISTRATIONS.retention,
)
# Feedback is held on the registration (rating, changed practice, comment): erased with it.


@dataclass(frozen=True)
class WorkshopsPersonalData:
    """Registrations (with attendance and feedback) and their guards."""

    capability: str = "workshops"
    holdings: tuple[Holding, ...] = (REGISTRATIONS, GUARDS)

    def find(self, person: Person) -> list[Found]:
        """Every registration of the person, with what it holds about them."""
        return [Found(holding=REGISTRATIONS.name, key=f"{r.workshop_id}/{r.id}", data={
            "status": r.status.value, "name": r.name, "email": r.email, "organisation": r.organisation,
            "job_title": r.registrant.job_title, "access_needs": r.registrant.access_needs,
            "dietary_needs": r.registrant.dietary_needs, "attendance": dict(r.attendance),
            "feedback_rating": r.feedback_rating, "feedback_changed_practice": r.feedback_changed_practice,
            "feedback_comment": r.feedback_comment, "created_at": r.created_at.isoformat()})
            for r in regs.all_for_person(person.email)]

    def erase(self, person: Person, now: datetime) -> Erased:
        """Anonymise the person's ended registrations (and drop their guards). A confirmed or waiting
        registration is kept as it is: it holds a place or a turn, so it must be cancelled first (which
        gives the place to the next person waiting), then erased."""
        counts = {REGISTRATIONS.name: 0}
        kept = []
        for reg in regs.all_for_person(person.email):
            if reg.active or not regs.anonymise(reg, now):
                kept.append((f"{reg.workshop_id}/{reg.id}", "active: cancel the registration first"))
            else:
                counts[REGISTRATIONS.name] += 1
        return Erased(counts=counts, kept=kept)


MAP = WorkshopsPersonalData()
