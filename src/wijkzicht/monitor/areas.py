"""The area registry: every gemeente, wijk and buurt of every boundary year in the warehouse."""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

from wijkzicht.codes import LEVELS, normalise, sql_lies_in
from wijkzicht.errors import NotFoundError, WijkzichtError
from wijkzicht.warehouse.queries import one_value


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
        suggestions = search(con, code, limit=5)
        hint = (
            f"; did you mean {', '.join(f'{a.code} ({a.name})' for a in suggestions)}?" if suggestions else ""
        )
        raise NotFoundError(f"unknown area code {code!r}: not in any boundary year of the registry{hint}")
    return Area(row[0], row[1], row[2], tuple(row[3]), row[4], row[5])


def search(
    con: duckdb.DuckDBPyConnection, query: str, *, level: str | None = None, limit: int = 20
) -> list[Area]:
    """Areas whose code equals the query or whose name contains it (case- and accent-insensitive).

    Exact name matches come first, then names that start with the query, then the rest; within
    each, gemeenten before wijken before buurten, then by name.
    """
    text = query.strip()
    if not text:
        raise WijkzichtError("empty search: give part of an area name or a code, e.g. 'overvecht'")
    if level is not None and level not in LEVELS:
        raise WijkzichtError(f"unknown level {level!r} (expected one of: {', '.join(LEVELS)})")
    rows = con.execute(
        f"""
        WITH q AS (SELECT strip_accents(lower(?)) AS needle)
        SELECT * FROM ({_SELECT}) a, q
        WHERE (a.code = upper(?) OR strip_accents(lower(a.name)) LIKE '%' || needle || '%')
          AND (? IS NULL OR a.level = ?)
        ORDER BY a.code <> upper(?),
                 strip_accents(lower(a.name)) <> needle,
                 NOT starts_with(strip_accents(lower(a.name)), needle),
                 list_position(['land', 'gemeente', 'wijk', 'buurt'], a.level), a.name, a.code
        LIMIT ?
        """,
        [text, text, level, level, text, limit],
    ).fetchall()
    return [Area(r[0], r[1], r[2], tuple(r[3]), r[4], r[5]) for r in rows]


def children(con: duckdb.DuckDBPyConnection, code: str, *, boundary_year: int | None = None) -> list[Area]:
    """The wijken of a gemeente or the buurten of a wijk (of the latest boundary year with any, by default)."""
    parent = get_area(con, code)
    child_level = {"gemeente": "wijk", "wijk": "buurt"}.get(parent.level)
    if child_level is None:
        raise WijkzichtError(f"{parent.code} is a {parent.level}: only gemeenten and wijken have child areas")
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
