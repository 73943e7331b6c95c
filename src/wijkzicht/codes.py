"""The CBS area-code grammar: the one place that knows what a code of each level looks like.

Every input that takes an area code (API paths and queries, forms, schemas, CLI arguments, source files)
checks it here, and everything that derives a parent ("the gemeente of a wijk") asks here, in Python or in
SQL. Since 2022 some codes hold letters after the gemeente number (Amsterdam: `WK0363AA`, `BU0363AA01`).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Annotated

from pydantic import AfterValidator, WithJsonSchema

from wijkzicht.errors import WijkzichtError

LEVELS = ("land", "gemeente", "wijk", "buurt")
PREFIXES = {"land": "NL", "gemeente": "GM", "wijk": "WK", "buurt": "BU"}
# What follows the prefix: the gemeente's four digits, then (since 2022 possibly letters) the wijk's two
# characters, then the buurt's two.
BODIES = {"land": "00", "gemeente": r"\d{4}", "wijk": r"\d{4}[0-9A-Z]{2}", "buurt": r"\d{4}[0-9A-Z]{4}"}
# Regular expressions without anchors, usable in Python, DuckDB (regexp_full_match) and OpenAPI.
PATTERNS = {level: PREFIXES[level] + BODIES[level] for level in LEVELS}
ANY_PATTERN = "|".join(PATTERNS.values())
# The anchored form for parameter declarations (OpenAPI `pattern`), upper case as the registry stores it.
ANCHORED_PATTERN = rf"^({ANY_PATTERN})$"
COMPILED = {level: re.compile(pattern) for level, pattern in PATTERNS.items()}
EXAMPLES = {
    "land": ("NL00",),
    "gemeente": ("GM0599",),
    "wijk": ("WK059915", "WK0363AA"),
    "buurt": ("BU05991501", "BU0363AA01"),
}


class AreaCodeError(WijkzichtError, ValueError):
    """Text that is not an area code of the levels asked for (a ValueError too, so schemas report it)."""


def normalise(text: str) -> str:
    """Codes are compared trimmed and in upper case (CBS pads them with spaces in some tables)."""
    return text.strip().upper()


def level_of(code: str) -> str | None:
    """The level whose grammar the (normalised) code follows, or None."""
    return next((level for level, pattern in COMPILED.items() if pattern.fullmatch(code)), None)


def _either(words: list[str]) -> str:
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} or {words[-1]}"


def invalid_message(text: str, levels: tuple[str, ...] = LEVELS) -> str:
    """The one message for a malformed code, whichever input refused it."""
    expected = _either([f"{level} ({PATTERNS[level]})" for level in levels])
    examples = ", ".join(example for level in levels for example in EXAMPLES[level])
    return f"{text!r} is not an area code: expected a CBS code of {expected}, e.g. {examples}"


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


def sql_wijk_of(column: str) -> str:
    """The same rule as `wijk_of` as a DuckDB expression over a column of codes."""
    return f"CASE WHEN substr({column}, 1, 2) = 'BU' THEN 'WK' || substr({column}, 3, 6) END"


def sql_lies_in(column: str, parent: str) -> str:
    """A DuckDB condition: the area coded in `column` is the area `parent` (an SQL expression giving a
    gemeente or wijk code) or lies in it; a wijk's and a buurt's code continue their parents' digits."""
    return f"starts_with(substr({column}, 3), substr({parent}, 3))"


def sql_level_of(column: str) -> str:
    """The level named by a code's prefix as a DuckDB expression (NULL for an unknown prefix)."""
    cases = " ".join(f"WHEN '{prefix}' THEN '{level}'" for level, prefix in PREFIXES.items())
    return f"CASE left({column}, 2) {cases} END"


def sql_is_code(column: str) -> str:
    """A DuckDB condition that holds when the column follows the grammar of some level."""
    return " OR ".join(f"regexp_full_match({column}, '{pattern}')" for pattern in PATTERNS.values())


# --- Types for pydantic schemas and FastAPI parameters: one check, one message ------------------------


def _checker(levels: tuple[str, ...], blank_allowed: bool) -> Callable[[str], str]:
    def check(text: str) -> str:
        return "" if blank_allowed and not text.strip() else checked(text, levels)

    return check


def _json_schema(levels: tuple[str, ...], blank_allowed: bool = False) -> WithJsonSchema:
    """What OpenAPI documents: the upper-case grammar (lower case is accepted and normalised)."""
    alternatives = ([""] if blank_allowed else []) + [PATTERNS[level] for level in levels]
    examples = [example for level in levels for example in EXAMPLES[level]]
    return WithJsonSchema(
        {"type": "string", "pattern": f"^({'|'.join(alternatives)})$", "examples": examples[:2]}
    )


AREA_LEVELS = ("gemeente", "wijk", "buurt")  # the levels an area of work can be: not the whole country

# Any code of any level, normalised; anything else is refused with `invalid_message`.
AnyCode = Annotated[str, AfterValidator(_checker(LEVELS, False)), _json_schema(LEVELS)]
# The same, where leaving the field empty means "no area".
AnyCodeOrBlank = Annotated[str, AfterValidator(_checker(LEVELS, True)), _json_schema(LEVELS, True)]
# A gemeente, wijk or buurt: an area a goal or a request can be about.
AreaCode = Annotated[str, AfterValidator(_checker(AREA_LEVELS, False)), _json_schema(AREA_LEVELS)]
GemeenteCode = Annotated[str, AfterValidator(_checker(("gemeente",), False)), _json_schema(("gemeente",))]
