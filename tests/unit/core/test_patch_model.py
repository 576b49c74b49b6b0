"""Partial edits (chalicelib.core.http.schemas.PatchModel): only sent fields change; null clears only
clearable fields."""

from __future__ import annotations

from typing import Any, ClassVar

import pytest

from chalicelib.core.errors import InvalidInput
from chalicelib.core.http.schemas import PatchModel


class ThingPatch(PatchModel):
    CLEARABLE: ClassVar[frozenset[str]] = frozenset({"note"})

    title: str | None = None
    note: str | None = None
    size: int | None = None

    def to_domain_value(self, name: str, value: Any) -> object:
        return value * 2 if name == "size" else value


def test_only_the_fields_sent_are_changes() -> None:
    assert ThingPatch.model_validate({"title": "New"}).changes() == {"title": "New"}
    assert ThingPatch.model_validate({}).changes() == {}


def test_null_clears_a_clearable_field() -> None:
    assert ThingPatch.model_validate({"note": None}).changes() == {"note": None}


def test_null_on_another_field_is_refused_naming_it() -> None:
    with pytest.raises(InvalidInput) as err:
        ThingPatch.model_validate({"title": None}).changes()
    assert err.value.code == "not_clearable" and err.value.field == "title"


def test_values_are_converted_to_domain_values() -> None:
    assert ThingPatch.model_validate({"size": 3, "title": "T"}).changes() == {"size": 6, "title": "T"}
