"""Identifiers: random ones differ; derived ones are fixed by their parts and by nothing else."""

from __future__ import annotations

import re

from chalicelib.core.ids import derived_id, new_id


def test_new_ids_are_32_hex_and_differ() -> None:
    first, second = new_id(), new_id()
    assert re.fullmatch(r"[0-9a-f]{32}", first)
    assert first != second


def test_a_derived_id_is_fixed_by_its_parts() -> None:
    assert derived_id("user-1", "w-1", "key") == derived_id("user-1", "w-1", "key")
    assert re.fullmatch(r"[0-9a-f]{32}", derived_id("user-1", "w-1", "key"))


def test_a_derived_id_changes_with_any_part() -> None:
    base = derived_id("user-1", "w-1", "key")
    assert derived_id("user-2", "w-1", "key") != base
    assert derived_id("user-1", "w-2", "key") != base
    assert derived_id("user-1", "w-1", "other") != base
