"""The CBS area-code grammar: the one place that knows what a code of each level looks like.

Every input that takes an area code (API paths and queries, forms, schemas, CLI arguments, source files)
checks it here, and everything that derives a parent ("the gemeente of a wijk") asks here, in Python or in
SQL. Since 2022 some codes hold letters after the gemeente number (Amsterdam: `WK0363AA`, `BU0363AA01`).
"""

from __future__ import annotations

import re

from wijkzicht.errors import WijkzichtError

LEVELS = ("land", "gemeente", "wijk", "buurt")
# Regular expressions without anchors, usable in Python, DuckDB (regexp_full_match) and OpenAPI.
PATTERNS = {
    "land": r"NL00",
    "gemeente": r"GM\d{4}",
    "wijk": r"WK\d{4}[0-9A-Z]{2}",
    "buurt": r"BU\d{4}[0-9A-Z]{4}",
}
PREFIXES = {"land": "NL", "gemeente": "GM", "wijk": "WK", "buurt": "BU"}
ANY_PATTERN = "|".join(PATTERNS.values())
# The anchored form for parameter declarations (OpenAPI `pattern`), upper case as the registry stores it.
ANCHORED_PATTERN = rf"^({ANY_PATTERN})$"
COMPILED = {level: re.compile(pattern) for level, pattern in PATTERNS.items()}
EXAMPLES = "NL00, GM0599, WK059915, WK0363AA, BU05991501, BU0363AA01"


class AreaCodeError(WijkzichtError, ValueError):
    """Text that is not an area code of the levels asked for (a ValueError too, so schemas report it)."""


def normalise(text: str) -> str:
    """Codes are compared trimmed and in upper case (CBS pads them with spaces in some tables)."""
    return text.strip().upper()


def level_of(code: str) -> str | None:
    """The level whose grammar the (normalised) code follows, or None."""
    return next((level for level, pattern in COMPILED.items() if pattern.fullmatch(code)), None)


def invalid_message(text: str, levels: tuple[str, ...] = LEVELS) -> str:
    """The one message for a malformed code, whichever input refused it."""
    expected = " or ".join(f"{level} ({PATTERNS[level]})" for level in levels)
    return f"{text!r} is not an area code: expected a CBS code of {expected}, e.g. {EXAMPLES}"


def checked(text: str, levels: tuple[str, ...] = LEVELS) -> str:
    """The normalised code, or AreaCodeError with the one message."""
    code = normalise(text)
    if level_of(code) not in levels:
        raise AreaCodeError(invalid_message(text, levels))
    return code


def gemeente_of(code: str) -> str | None:
    """The gemeente a wijk or buurt lies in (the four digits after the prefix), None for other levels."""
    return f"GM{code[2:6]}" if code[:2] in (PREFIXES["wijk"], PREFIXES["buurt"]) else None


def wijk_of(code: str) -> str | None:
    """The wijk a buurt lies in (a buurt code is its wijk's code plus two characters), None otherwise."""
    return f"WK{code[2:8]}" if code[:2] == PREFIXES["buurt"] else None


def sql_gemeente_of(column: str) -> str:
    """The same rule as `gemeente_of` as a DuckDB expression over a column of codes."""
    return f"CASE WHEN substr({column}, 1, 2) IN ('WK', 'BU') THEN 'GM' || substr({column}, 3, 4) END"


def sql_is_code(column: str) -> str:
    """A DuckDB condition that holds when the column follows the grammar of some level."""
    return " OR ".join(f"regexp_full_match({column}, '{pattern}')" for pattern in PATTERNS.values())
