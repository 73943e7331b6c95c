"""The area registry: every gemeente, wijk and buurt of every boundary year in the warehouse."""

from __future__ import annotations

import os
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import accumulate
from typing import Any, NamedTuple

import duckdb

from wijkzicht.codes import LEVELS, normalise, sql_lies_in
from wijkzicht.errors import NotFoundError, WijkzichtError
from wijkzicht.monitor.focus import FOCUS_LEVEL, load_focus_areas
from wijkzicht.monitor.trends import MATRIX_YEAR
from wijkzicht.warehouse.queries import one_value
from wijkzicht.warehouse.search_names import focus_aliases, search_words


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
_NEAR_MISS = 5  # the last tier: a name within a typo or two
_LEVEL_ORDER = {level: rank for rank, level in enumerate(["land", "gemeente", FOCUS_LEVEL, "wijk", "buurt"])}


def search(
    con: duckdb.DuckDBPyConnection, query: str, *, level: str | None = None, limit: int = 20
) -> list[Area]:
    """Areas and focus areas by code, name or alias, as people type them (see `AreaNames.search`)."""
    return area_names(con).search(query, level=level, limit=limit)


@dataclass(frozen=True)
class Choice:
    """What a box that wants one area makes of a text: the area, or else the candidates (none: unknown)."""

    area: Area | None
    candidates: list[Area]


def choose(con: duckdb.DuckDBPyConnection, query: str, *, level: str) -> Choice:
    """The one area of `level` a text means (see `AreaNames.choose`)."""
    return area_names(con).choose(query, level=level)


class _Name(NamedTuple):
    """One name an area is known by, in search form (`search_words`, and without its spaces)."""

    code: str
    level: str
    words: str
    compact: str


# An area as `area_years` holds it, its boundary years as text (a focus area as the search shows it), made
# an `Area` when found.
_AreaRow = tuple[str, str, str, str, str | None, str | None]


class AreaNames:
    """Every name the search matches, read once from the warehouse into memory, and the search over them.

    A search is a few lookups in sorted lists and texts and a walk over the names that start with the
    query's first letter: asking DuckDB to plan the search query cost more CPU than the search itself, and
    a server answers searches as people type.
    """

    def __init__(
        self, names: list[_Name], areas: dict[tuple[str, str], _AreaRow], population: dict[str, float]
    ):
        self._names = names
        self._areas = areas
        self._population = population
        self._by_code: dict[str, list[int]] = {}
        self._by_compact: dict[str, list[int]] = {}
        for number, name in enumerate(names):
            self._by_code.setdefault(name.code, []).append(number)
            self._by_compact.setdefault(name.compact, []).append(number)
        # the names in order of their compact form: those with a given beginning are one range of it
        self._sorted_names = sorted(range(len(names)), key=lambda number: names[number].compact)
        self._sorted = [names[number].compact for number in self._sorted_names]
        # every name in one text, each after a line break, as the text's own search finds a part of it: the
        # compact forms, and the words each after a space (a word that starts with the query follows one)
        self._compacts = _Joined([name.compact for name in names])
        self._words = _Joined([" " + name.words for name in names])

    @classmethod
    def read(cls, con: duckdb.DuckDBPyConnection) -> AreaNames:
        """The names of the build's `area_names` and the focus areas with their aliases."""
        rows = _columns(con, "SELECT code, level, words, compact, population FROM area_names")
        names = [_Name(code, level, words, compact) for code, level, words, compact, _ in rows]
        population = {code: value for code, _, _, _, value in rows if value is not None}
        # the boundary years as text, made a tuple for the few areas found
        years = "array_to_string(boundary_years, ' ')"
        area_rows = _columns(con, _SELECT.replace("boundary_years", years, 1))
        by_code = {row[0]: row for row in area_rows}
        areas = {(row[1], code): row for code, row in by_code.items()}
        focus_areas = load_focus_areas()
        for area in focus_areas:
            gemeente = by_code.get(area.gemeente_code)
            code = str(area.number)
            gemeente_name = gemeente[2] if gemeente else None
            areas[(FOCUS_LEVEL, code)] = (
                code,
                FOCUS_LEVEL,
                area.name,
                str(MATRIX_YEAR),
                area.gemeente_code,
                gemeente_name,
            )
        for text, number in [(area.name, area.number) for area in focus_areas] + focus_aliases():
            words = search_words(text)
            names.append(_Name(str(number), FOCUS_LEVEL, words, words.replace(" ", "")))
        return cls(names, areas, population)

    def search(self, query: str, *, level: str | None = None, limit: int = 20) -> list[Area]:
        """Areas and focus areas by code, name or alias, as people type them.

        Case, accents, spaces, hyphens and punctuation do not matter ("den-haag", "Sudwest Fryslan") and a
        small typo is forgiven ("Rotterdm"). Order: the code, then an exact name, a name that starts with the
        query, a name with a word that starts with it, a name that contains it, and last the near misses
        (fewest typos first); within each, gemeenten before focus areas, wijken and buurten, then the larger
        population first. A focus area comes back with its number as code and `FOCUS_LEVEL` as level.
        """
        return [area for area, _ in self.ranked(query, level, limit)]

    def choose(self, query: str, *, level: str) -> Choice:
        """The one area of `level` a text means: its code, its one exact name or alias, or its only match.

        "Rotterdam" is GM0599; "Bergen" (two gemeenten of that name) and "Utrecht" with a typo that fits
        several names are not decided here: the caller lists the candidates.
        """
        ranked = self.ranked(query, level, 6)
        exact = [area for area, tier in ranked if tier <= _EXACT]
        if len(exact) == 1:
            return Choice(exact[0], [])
        if not exact and len(ranked) == 1:
            return Choice(ranked[0][0], [])
        return Choice(None, exact or [area for area, _ in ranked[:5]])

    def ranked(self, text: str, level: str | None, limit: int) -> list[tuple[Area, int]]:
        """The matches with their tier (0 the code, 1 an exact name, up to 5 a near miss), best first.

        The tiers are taken in turn, each in its order, until `limit` areas are found: an area found in an
        earlier tier keeps that tier, and a later tier can only add areas after those already found."""
        text = text.strip()
        if not text:
            raise WijkzichtError(key="error.search.empty")
        levels = (*LEVELS, FOCUS_LEVEL)
        if level is not None and level not in levels:
            raise WijkzichtError(key="error.level.unknown", level=repr(level), allowed=", ".join(levels))
        words = search_words(text)
        compact = words.replace(" ", "")
        if not compact:
            return []
        found: dict[tuple[str, str], int] = {}
        for tier, matches in enumerate(self._tiers(text.upper(), words, compact)):
            # per area its fewest typos (None: matched by its number, after every near miss)
            typos: dict[tuple[str, str], int | None] = {}
            for number, distance in matches:
                name = self._names[number]
                key = (name.level, name.code)
                if key in found or (level is not None and name.level != level):
                    continue
                typos[key] = min(typos.get(key, distance), distance, key=_fewest_typos)
            for key in sorted(typos, key=lambda key: self._order(key, typos[key])):
                found[key] = tier
            if len(found) >= limit:
                break
        return [(_area(self._areas[key]), tier) for key, tier in list(found.items())[:limit]]

    def _order(self, key: tuple[str, str], typos: int | None) -> tuple[object, ...]:
        level, code = key
        population = self._population.get(code) if level != FOCUS_LEVEL else None
        return (
            *_fewest_typos(typos),
            _LEVEL_ORDER.get(level, len(_LEVEL_ORDER)),
            population is None,
            -(population or 0),
            self._areas[key][2],  # the name
            code,
        )

    def _tiers(self, code: str, words: str, compact: str) -> Iterator[Iterable[tuple[int, int | None]]]:
        """Per tier the names that match (by number) with their typos where that is a near miss."""
        by_code = self._by_code.get(code, [])
        yield ((number, None) for number in by_code if self._names[number].level != FOCUS_LEVEL)
        yield ((number, None) for number in self._by_compact.get(compact, []))
        yield ((number, None) for number in self._sorted_names[self._range(self._sorted, compact)])
        yield ((number, None) for number in self._words.holding(" " + words))
        yield ((number, None) for number in self._compacts.holding(compact))
        # a focus area by its number is found last, as its number is no name
        near_misses = self._near_misses(compact) if len(compact) >= _FUZZY_FROM else {}
        focus_numbers = [(number, None) for number in by_code if self._names[number].level == FOCUS_LEVEL]
        yield [*near_misses.items(), *focus_numbers]

    @staticmethod
    def _range(ordered: list[str], beginning: str) -> slice:
        """The range of the sorted texts that start with `beginning` (of letters and digits only)."""
        return slice(bisect_left(ordered, beginning), bisect_left(ordered, beginning + "{"))

    def _near_misses(self, query: str) -> dict[int, int]:
        """The names within a typo (two from eight letters) of the query: of as much of the name as was
        typed, or of the whole name; only names with the query's first letter (people rarely get it wrong).

        A walk over the sorted names as a tree of their beginnings, with per beginning the edit distances
        to every beginning of the query (a row of Levenshtein's table); a branch ends where every distance
        exceeds the allowance, as a longer name can only add edits."""
        allowed = 1 if len(query) < 8 else 2
        names, found = self._sorted, dict[int, int]()
        first = self._range(names, query[0])
        row = _next_row([min(at, allowed + 1) for at in range(len(query) + 1)], query, query[0], 1, allowed)
        stack: list[tuple[str, int, int, list[int], int | None]] = [
            (query[0], first.start, first.stop, row, None)
        ]
        while stack:
            beginning, low, high, row, typed = stack.pop()
            depth = len(beginning)
            if depth == len(query):
                typed = row[-1]  # the query against as much of the names as was typed
            end = low
            while end < high and len(names[end]) == depth:  # the names that end here come first
                end += 1
            whole = row[-1] if typed is None else min(typed, row[-1])
            if whole <= allowed:
                found.update((self._sorted_names[at], whole) for at in range(low, end))
            if min(row[max(0, depth - allowed) : depth + allowed + 1], default=allowed + 1) > allowed:
                if typed is not None and typed <= allowed:  # the longer names match as far as was typed
                    found.update((self._sorted_names[at], typed) for at in range(end, high))
                continue
            while end < high:
                sign = names[end][depth]
                after = bisect_left(names, beginning + chr(ord(sign) + 1), end, high)
                stack.append(
                    (beginning + sign, end, after, _next_row(row, query, sign, depth + 1, allowed), typed)
                )
                end = after
        return found


def _fewest_typos(typos: int | None) -> tuple[bool, int]:
    """Fewer typos first, and an area found by its number (no typos counted) after every near miss."""
    return typos is None, typos or 0


class _Joined:
    """Texts joined into one, each after a line break, to find those that hold a part by one search."""

    def __init__(self, texts: list[str]) -> None:
        self._text = "".join("\n" + text for text in texts)
        self._starts = list(accumulate((len(text) + 1 for text in texts), initial=0))

    def holding(self, part: str) -> Iterator[int]:
        """The numbers of the texts that hold `part` (which has no line break), in order."""
        at = self._text.find(part)
        while at >= 0:
            number = bisect_right(self._starts, at) - 1
            yield number
            at = self._text.find(part, self._starts[number + 1])


def _area(row: _AreaRow) -> Area:
    return Area(row[0], row[1], row[2], tuple(int(year) for year in row[3].split()), row[4], row[5])


def _columns(con: duckdb.DuckDBPyConnection, sql: str) -> list[tuple[Any, ...]]:
    """The rows of a query of some ten thousand rows, read by column: several times faster than by row."""
    return list(zip(*(column.tolist() for column in con.execute(sql).fetchnumpy().values()), strict=True))


_READ: dict[tuple[str, int, int, int], AreaNames] = {}
_WAREHOUSES_KEPT = 4


def area_names(con: duckdb.DuckDBPyConnection) -> AreaNames:
    """The names of the warehouse `con` reads, read once per process and warehouse file (a file built
    again is read again); a database in memory is read every time."""
    path = one_value(con, "SELECT path FROM duckdb_databases() WHERE database_name = current_database()")
    if not path:
        return AreaNames.read(con)
    file = os.stat(path)
    key = (str(path), file.st_ino, file.st_mtime_ns, file.st_size)
    if (names := _READ.get(key)) is None:
        if len(_READ) >= _WAREHOUSES_KEPT:  # a server reads one warehouse; tests and tools a few
            _READ.pop(next(iter(_READ)))
        names = _READ[key] = AreaNames.read(con)
    return names


def _next_row(row: list[int], query: str, sign: str, depth: int, allowed: int) -> list[int]:
    """Levenshtein's row of a name's beginning of `depth` signs, ending in `sign`, from the row before: the
    distances to every beginning of `query`, any over `allowed` as one more. Only the cells near the
    diagonal are computed: a beginning of the query that much shorter or longer is that many edits away."""
    beyond = allowed + 1
    next_row = [beyond] * len(row)
    next_row[0] = min(depth, beyond)
    for at in range(max(1, depth - allowed), min(len(row) - 1, depth + allowed) + 1):
        next_row[at] = min(row[at] + 1, next_row[at - 1] + 1, row[at - 1] + (query[at - 1] != sign), beyond)
    return next_row


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
