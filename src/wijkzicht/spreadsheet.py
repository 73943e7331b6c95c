"""Cells of a download that a spreadsheet opens (CSV, Excel): text never runs as a formula.

A text cell that starts with `=`, `+`, `-`, `@`, a tab or a carriage return is read by Excel, LibreOffice and
Google Sheets as a formula (`=HYPERLINK(...)` sends a click, `=WEBSERVICE(...)` data, elsewhere). OWASP's
advice against CSV injection is followed: such a cell gets a leading apostrophe, which spreadsheets show as
text and do not evaluate. Numbers stay numbers: a float or int is written as it is, and so is text that is
exactly a number (`-3.5`), which a spreadsheet reads as that number, never as a formula.
Every export that writes CSV or Excel passes its cells through `safe_cell`; an import of such a file undoes
it with `restored_cell`, so an export read back gives the same text.
"""

from __future__ import annotations

import re

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
NEUTRALISER = "'"
PLAIN_NUMBER = re.compile(r"[+-]?(\d+([.,]\d*)?|[.,]\d+)([eE][+-]?\d+)?")


def safe_cell(value: object) -> object:
    """The value as a spreadsheet must receive it: formula-like text prefixed, everything else unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS) and not PLAIN_NUMBER.fullmatch(value):
        return NEUTRALISER + value
    return value


def restored_cell(text: str) -> str:
    """The text `safe_cell` was given, read back from an exported file."""
    neutralised = text.startswith(NEUTRALISER) and text[1:].startswith(FORMULA_STARTS)
    return text[1:] if neutralised and not PLAIN_NUMBER.fullmatch(text[1:]) else text
