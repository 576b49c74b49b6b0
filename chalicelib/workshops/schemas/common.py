"""Field types and the paths and link query shared by the workshop routes."""

from __future__ import annotations

from typing import Annotated

from pydantic import StringConstraints

from chalicelib.core.http.schemas import MultiLine, SingleLine, StrictModel

WorkshopId = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{32}$")]
Text = Annotated[str, StringConstraints(min_length=1, max_length=200), SingleLine]
LongText = Annotated[str, StringConstraints(min_length=1, max_length=5000), MultiLine]
Needs = Annotated[str, StringConstraints(max_length=1000), MultiLine]
Venue = Annotated[str, StringConstraints(min_length=1, max_length=500), SingleLine]
Comment = Annotated[str, StringConstraints(max_length=2000), MultiLine]
LinkToken = Annotated[str, StringConstraints(min_length=20, max_length=2048, pattern=r"^[A-Za-z0-9_=-]+$")]


class WorkshopPath(StrictModel):
    """Path of one workshop."""

    workshop_id: WorkshopId


class RegistrationPath(StrictModel):
    """Path of one registration."""

    workshop_id: WorkshopId
    registration_id: WorkshopId


class TokenQuery(StrictModel):
    """A signed link's token."""

    token: LinkToken
