"""The area registry: every gemeente, wijk and buurt of every boundary year in the warehouse."""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

from wijkzicht.codes import LEVELS, normalise, sql_lies_in
from wijkzicht.errors import NotFoundError, WijkzichtError
from wijkzicht.monitor.focus import FOCUS_LEVEL, load_focus_areas
from wijkzicht.monitor.trends import MATRIX_YEAR
from wijkzicht.warehouse.queries import one_value
from wijkzicht.warehouse.search_names import focus_aliases, sql_search_words


@dataclass(frozen=True)
class Area:
    code: str
    level: str
    name: str
    boundary_years: tuple[int, ...]
    gemeente_code: str | None
    gemeente_name: str | None

    def as_dict(self) -> dict[str, object]:
        return {
            "code": self.code,
            "level": self.level,
            "name": self.name,
            "boundary_years": list(self.boundary_years),
            "gemeente_code": self.gemeente_code,
            "gemeente_name": self.gemeente_name,
        }


_SELECT = "SELECT code, level, name, boundary_years, gemeente_code, gemeente_name FROM area_years"


def get_area(con: duckdb.DuckDBPyConnection, code: str) -> Area:
    """One area by its exact CBS code, across all boundary years."""
    row = con.execute(_SELECT + " WHERE code = ?", [normalise(code)]).fetchone()
    if row is None:
        suggestions = [a for a in search(con, code, limit=8) if a.level != FOCUS_LEVEL][:5]
        if suggestions:
            meant = ", ".join(f"{a.code} ({a.name})" for a in suggestions)
            raise NotFoundError(key="error.area.unknown_meant", code=repr(code), meant=meant)
        raise NotFoundError(key="error.area.unknown", code=repr(code))
    return Area(row[0], row[1], row[2], tuple(row[3]), row[4], row[5])


# Shorter queries get no typo tolerance: at three letters nearly every name is one edit away.
_FUZZY_FROM = 4
_EXACT = 1  # the tier of an exact name: below it only the code itself
_LEVEL_ORDER = ["land", "gemeente", FOCUS_LEVEL, "wijk", "buurt"]


def search(
    con: duckdb.DuckDBPyConnection, query: str, *, level: str | None = None, limit: int = 20
) -> list[Area]:
    """Areas and focus areas by code, name or alias, as people type them.

    Case, accents, spaces, hyphens and punctuation do not matter ("den-haag", "Sudwest Fryslan") and a
    small typo is forgiven ("Rotterdm"). Order: the code, then an exact name, a name that starts with the
    query, a name with a word that starts with it, a name that contains it, and last the near misses
    (fewest typos first); within each, gemeenten before focus areas, wijken and buurten, then the larger
    population first. A focus area comes back with its number as code and `FOCUS_LEVEL` as level.
    """
    return [area for area, _ in _ranked(con, query, level, limit)]


@dataclass(frozen=True)
class Choice:
    """What a box that wants one area makes of a text: the area, or else the candidates (none: unknown)."""

    area: Area | None
    candidates: list[Area]


def choose(con: duckdb.DuckDBPyConnection, query: str, *, level: str) -> Choice:
    """The one area of `level` a text means: its code, its one exact name or alias, or its only match.

    "Rotterdam" is GM0599; "Bergen" (two gemeenten of that name) and "Utrecht" with a typo that fits
    several names are not decided here: the caller lists the candidates.
    """
    ranked = _ranked(con, query, level, 6)
    exact = [area for area, tier in ranked if tier <= _EXACT]
    if len(exact) == 1:
        return Choice(exact[0], [])
    if not exact and len(ranked) == 1:
        return Choice(ranked[0][0], [])
    return Choice(None, exact or [area for area, _ in ranked[:5]])


def _ranked(
    con: duckdb.DuckDBPyConnection, text: str, level: str | None, limit: int
) -> list[tuple[Area, int]]:
    """The matches with their tier (0 the code, 1 an exact name, up to 5 a near miss)."""
    text = text.strip()
    if not text:
        raise WijkzichtError(key="error.search.empty")
    levels = (*LEVELS, FOCUS_LEVEL)
    if level is not None and level not in levels:
        raise WijkzichtError(key="error.level.unknown", level=repr(level), allowed=", ".join(levels))
    rows = con.execute(_SEARCH_SQL, _search_parameters(text, level, limit)).fetchall()
    return [(Area(r[0], r[1], r[2], tuple(r[3]), r[4], r[5]), r[6]) for r in rows]


def _search_parameters(text: str, level: str | None, limit: int) -> dict[str, object]:
    focus_areas = load_focus_areas()
    focus_names = [(area.name, area.number) for area in focus_areas] + focus_aliases()
    return {
        "text": text,
        "level": level,
        "limit": limit,
        "level_order": _LEVEL_ORDER,
        "focus_numbers": [str(area.number) for area in focus_areas],
        "focus_names": [area.name for area in focus_areas],
        "focus_gemeenten": [area.gemeente_code for area in focus_areas],
        "focus_known_as": [name for name, _ in focus_names],
        "focus_known_numbers": [str(number) for _, number in focus_names],
        "focus_year": MATRIX_YEAR,
    }


_SEARCH_SQL = f"""
    WITH q AS (SELECT upper($text) AS code, {sql_search_words("$text")} AS words,
                      replace({sql_search_words("$text")}, ' ', '') AS compact),
    focus AS (
        SELECT f.code, f.name, [$focus_year] AS boundary_years, f.gemeente_code, g.name AS gemeente_name
        FROM (SELECT unnest($focus_numbers) AS code, unnest($focus_names) AS name,
                     unnest($focus_gemeenten) AS gemeente_code) f
        LEFT JOIN area_years g ON g.code = f.gemeente_code
    ),
    focus_names AS (
        SELECT code, {sql_search_words("known_as")} AS words,
               replace({sql_search_words("known_as")}, ' ', '') AS compact
        FROM (SELECT unnest($focus_known_numbers) AS code, unnest($focus_known_as) AS known_as)
    ),
    names AS (
        SELECT code, level, words, compact, population FROM area_names
        UNION ALL
        SELECT code, '{FOCUS_LEVEL}', words, compact, NULL FROM focus_names
    ),
    candidates AS (
        -- every name that holds the query, and near misses: only those with the query's first letter, which
        -- keeps the edit distances few (people rarely get the first letter wrong); measured as people type,
        -- the query against as much of the name as they typed, or against the whole name
        SELECT n.*, CASE WHEN length(q.compact) >= {_FUZZY_FROM} AND n.compact[1] = q.compact[1]
                         THEN least(levenshtein(q.compact, left(n.compact, length(q.compact))),
                                    levenshtein(q.compact, n.compact)) END AS typos
        FROM names n, q
        WHERE q.compact <> '' AND ($level IS NULL OR n.level = $level)
          AND (n.code = q.code OR contains(n.compact, q.compact)
               OR typos <= CASE WHEN length(q.compact) < 8 THEN 1 ELSE 2 END)
    ),
    matched AS (
        SELECT c.code, c.level, c.population, c.typos,
               CASE WHEN c.code = q.code AND c.level <> '{FOCUS_LEVEL}' THEN 0
                    WHEN c.compact = q.compact THEN 1
                    WHEN starts_with(c.compact, q.compact) THEN 2
                    WHEN contains(' ' || c.words, ' ' || q.words) THEN 3
                    WHEN contains(c.compact, q.compact) THEN 4
                    ELSE 5 END AS tier
        FROM candidates c, q
        QUALIFY row_number() OVER (PARTITION BY c.level, c.code ORDER BY tier, c.typos) = 1
    ),
    found AS (
        SELECT code, level, name, boundary_years, gemeente_code, gemeente_name FROM area_years
        WHERE code IN (SELECT code FROM matched)
        UNION ALL
        SELECT code, '{FOCUS_LEVEL}', name, boundary_years, gemeente_code, gemeente_name FROM focus
    )
    SELECT f.code, f.level, f.name, f.boundary_years, f.gemeente_code, f.gemeente_name, m.tier
    FROM matched m JOIN found f USING (code, level)
    ORDER BY m.tier, CASE WHEN m.tier = 5 THEN m.typos ELSE 0 END,
             list_position($level_order, m.level), m.population DESC NULLS LAST, f.name, f.code
    LIMIT $limit
"""


def children(con: duckdb.DuckDBPyConnection, code: str, *, boundary_year: int | None = None) -> list[Area]:
    """The wijken of a gemeente or the buurten of a wijk (of the latest boundary year with any, by default)."""
    parent = get_area(con, code)
    child_level = {"gemeente": "wijk", "wijk": "buurt"}.get(parent.level)
    if child_level is None:
        raise WijkzichtError(key="error.area.no_children", code=parent.code, level=parent.level)
    within = sql_lies_in("code", "?")
    year = boundary_year or one_value(
        con,
        f"SELECT max(boundary_year) FROM areas WHERE level = ? AND {within}",
        [child_level, parent.code],
    )
    rows = con.execute(
        f"""{_SELECT} WHERE code IN (SELECT code FROM areas WHERE level = ? AND boundary_year = ? AND {within})
            ORDER BY code""",
        [child_level, year, parent.code],
    ).fetchall()
    return [Area(r[0], r[1], r[2], tuple(r[3]), r[4], r[5]) for r in rows]
