"""Loading the shipped reference data into the directory, idempotently.

Run by ``make run`` and by operators (``python -m tools.seed``) against any
account. Missing entries are created; existing ones are left alone unless
``overwrite`` is set, so re-running never undoes an admin's edit by surprise.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field, replace
from pathlib import Path

from chalicelib.core.errors import Conflict
from chalicelib.directory import domain as rules
from chalicelib.directory import store as store
from chalicelib.directory.domain import Nation, Organisation, OrgType, Region

REFERENCE_FILE = Path(__file__).resolve().parent / "data" / "organisations.csv"


@dataclass
class SeedResult:
    """What a seed run did."""

    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: int = 0


def _domains(cell: str | None) -> frozenset[str]:
    """The ``email_domains`` cell: domains separated by spaces (a missing column or an empty cell is none)."""
    return frozenset((cell or "").split())


def load_reference(path: Path = REFERENCE_FILE) -> list[Organisation]:
    """Parse the reference CSV (``#`` lines are its header comments) and check every row."""
    with path.open(encoding="utf-8", newline="") as fh:
        rows = csv.DictReader(line for line in fh if not line.startswith("#"))
        orgs = [
            rules.check(Organisation(
                code=row["code"], name=row["name"], type=OrgType(row["type"]), region=Region(row["region"]),
                nation=Nation(row["nation"]), cafcass_service_area=row["cafcass_service_area"] or None,
                reviewing_org=row["reviewing_org"] or None, email_domains=_domains(row.get("email_domains")),
            ))
            for row in rows
        ]
    codes = [o.code for o in orgs]
    if len(codes) != len(set(codes)):
        raise ValueError("duplicate codes in the reference file")
    return orgs


def seed(orgs: list[Organisation] | None = None, overwrite: bool = False, actor: str = "seed") -> SeedResult:
    """Make the directory contain ``orgs`` (default: the shipped file)."""
    orgs = load_reference() if orgs is None else orgs
    result = SeedResult()
    present = store.existing_codes()
    for org in orgs:
        if org.code not in present:
            try:
                store.create(org, actor=actor)
                result.created.append(org.code)
                continue
            except Conflict:  # created concurrently by another seed run: treat as present
                pass
        if not overwrite:
            result.unchanged += 1
            continue
        current = store.get(org.code)
        # The file does not speak for these: keep the stored active flag and bookkeeping.
        wanted = replace(org, active=current.active, version=current.version, updated_at=current.updated_at)
        if wanted == current or current.version is None:
            result.unchanged += 1
        else:
            store.update(wanted, expected_version=current.version, actor=actor)
            result.updated.append(org.code)
    return result
