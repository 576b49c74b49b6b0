"""The CSV export's cells: formulas neutralised wherever a spreadsheet would start one (quoting every cell is
checked over HTTP, in tests/integration/workshops/test_api.py)."""

from __future__ import annotations

import pytest

from chalicelib.workshops.domain.rules import csv_safe


@pytest.mark.parametrize("value,expected", [
    # A formula after the `;` that Excel takes as the list separator in many European locales.
    ("Ann;=HYPERLINK(\"http://evil\")", "Ann;'=HYPERLINK(\"http://evil\")"),
    ("a;+1;-2;@cmd", "a;'+1;'-2;'@cmd"),
    ("x;\t=1", "x;'\t=1"),
    ("=1;=2", "'=1;'=2"),
    (";=1", ";'=1"),
    # Full-width variants, which some spreadsheets (and IMEs) take as their ASCII forms.
    ("\uff1dSUM(A1:A2)", "'\uff1dSUM(A1:A2)"),
    ("\uff0b44", "'\uff0b44"),
    ("\uff0d1", "'\uff0d1"),
    ("\uff20cmd", "'\uff20cmd"),
    ("ok;\uff1d1", "ok;'\uff1d1"),
])
def test_formulas_are_neutralised_after_a_semicolon_and_in_full_width(value: str, expected: str) -> None:
    assert csv_safe(value) == expected


@pytest.mark.parametrize("value", ["a;b", "Smith; Jones", "a=b;c+d", "wheelchair; no stairs", "; =1"])
def test_text_that_starts_no_formula_is_kept(value: str) -> None:
    assert csv_safe(value) == value

