"""Reading registrations: one registration, an admin's list and CSV export of a workshop, one's own."""

from __future__ import annotations

import csv
import io

from chalicelib.core.auth.caller import Caller, Role
from chalicelib.core.pages import Page
from chalicelib.workshops.domain.registrations import Outcome, Registration
from chalicelib.workshops.domain.rules import RegistrationStatus, csv_safe, position
from chalicelib.workshops.services import access
from chalicelib.workshops.store import registrations as regs
from chalicelib.workshops.store import workshops as store

CSV_COLUMNS = ["registration_id", "status", "name", "email", "organisation", "group", "job_title", "access_needs",
               "dietary_needs", "waiting_position", "registered_at", "confirmed_at", "ended_at", "end_reason",
               "on_behalf", "attendance", "feedback_rating", "feedback_changed_practice"]


def get_registration(caller: Caller, workshop_id: str, registration_id: str) -> Outcome:
    """One registration, for its person or an admin, with the waiting-list position if waiting."""
    reg = access.check_person(caller, regs.get(workshop_id, registration_id))
    waiting = None
    if reg.status is RegistrationStatus.WAITING:
        waiting = position(regs.waiting_list(workshop_id), registration_id)
    return Outcome(reg, waiting)


def registrations(caller: Caller, workshop_id: str) -> list[Outcome]:
    """Every registration of a workshop with waiting positions, oldest first (admins)."""
    caller.require_any(Role.CAFCASS_ADMIN)
    store.get(workshop_id)  # 404 for an unknown workshop
    waiting = regs.waiting_list(workshop_id)
    return [Outcome(r, position(waiting, r.id) if r.status is RegistrationStatus.WAITING else None)
            for r in regs.for_workshop(workshop_id)]


def _row(reg: Registration, waiting_position: int | None) -> list[str]:
    who = reg.registrant
    attendance = " ".join(f"{k}:{v}" for k, v in sorted(reg.attendance.items(), key=lambda kv: int(kv[0])))
    return [csv_safe(v) for v in (
        reg.id, reg.status.value, who.name, who.email, who.organisation, who.group.value, who.job_title,
        who.access_needs, who.dietary_needs, waiting_position, reg.created_at.isoformat(),
        reg.confirmed_at.isoformat() if reg.confirmed_at else "", reg.ended_at.isoformat() if reg.ended_at else "",
        reg.end_reason.value if reg.end_reason else None, "yes" if reg.on_behalf else "no", attendance,
        "" if reg.feedback_rating is None else reg.feedback_rating, reg.feedback_changed_practice)]


def export_csv(caller: Caller, workshop_id: str) -> str:
    """The registrations as CSV: a header row, UTF-8 (with a byte order mark so spreadsheets detect it),
    every cell quoted and neutralised against formula injection."""
    rows = registrations(caller, workshop_id)
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, lineterminator="\r\n", quoting=csv.QUOTE_ALL)
    writer.writerow(CSV_COLUMNS)
    for row in rows:
        writer.writerow(_row(row.registration, row.position))
    return out.getvalue()


def my_registrations(caller: Caller, limit: int, cursor: str | None) -> Page[Registration]:
    """The caller's own registrations, by their subject (claiming first, on the first page, those made for
    their verified address on their behalf)."""
    if cursor is None:
        access.claim_mine(caller)
    return regs.for_owner(caller.id, limit, cursor)
