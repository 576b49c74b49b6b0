"""Views of registrations: an admin's list and CSV export of a workshop, and a person's own registrations."""

from __future__ import annotations

import csv
import io

from chalicelib.core.auth.caller import Caller, Role
from chalicelib.core.errors import InvalidInput
from chalicelib.workshops.domain.rules import RegistrationStatus, csv_safe, position
from chalicelib.workshops.store import registrations as regs
from chalicelib.workshops.store import workshops as store
from chalicelib.workshops.store.registrations import RegistrationRecord

CSV_COLUMNS = ["registration_id", "status", "name", "email", "organisation", "group", "job_title", "access_needs",
               "dietary_needs", "waiting_position", "registered_at", "confirmed_at", "ended_at", "end_reason",
               "on_behalf", "attendance", "feedback_rating", "feedback_changed_practice"]


def registrations(caller: Caller, workshop_id: str) -> list[tuple[RegistrationRecord, int | None]]:
    """Every registration of a workshop with waiting positions, oldest first (admins)."""
    caller.require_any(Role.CAFCASS_ADMIN)
    store.get(workshop_id)  # 404 for an unknown workshop
    records = sorted(regs.for_workshop(workshop_id), key=lambda r: r.created_key)
    waiting = regs.waiting_list(workshop_id)
    return [(r, position(waiting, r.registration_id) if r.status == RegistrationStatus.WAITING.value else None)
            for r in records]


def export_csv(caller: Caller, workshop_id: str) -> str:
    """The registrations as CSV: a header row, UTF-8 (with a byte order mark so spreadsheets detect it),
    every cell neutralised against formula injection."""
    rows = registrations(caller, workshop_id)
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for record, pos in rows:
        attendance = regs.attendance_of(record)
        writer.writerow([csv_safe(v) for v in (
            record.registration_id, record.status, record.name, record.email, record.organisation, record.group,
            record.job_title, record.access_needs, record.dietary_needs, pos, record.created_at.isoformat(),
            record.confirmed_at.isoformat() if record.confirmed_at else "",
            record.ended_at.isoformat() if record.ended_at else "", record.end_reason,
            "yes" if record.on_behalf else "no",
            " ".join(f"{k}:{v}" for k, v in sorted(attendance.items(), key=lambda kv: int(kv[0]))),
            "" if record.feedback_rating is None else int(record.feedback_rating), record.feedback_changed_practice)])
    return out.getvalue()


def my_registrations(caller: Caller, limit: int, cursor: str | None) -> regs.Page:
    """The caller's own registrations (matched on the email address in their token)."""
    if not caller.email:
        raise InvalidInput("Your token has no email address; use an ID token.", code="no_email_in_token",
                           field="Authorization")
    return regs.for_person(caller.email, limit, cursor)
