"""Focus areas: the programme's 20 urban areas as sets of CBS wijken, and honest aggregates of any area set.

An aggregate adds counts (aggregation `sum`) and takes population-weighted means of rates
(`weighted_mean`); ratios and codes are not aggregated. A member is left out of a figure, and counted in the
note, when its value is missing or suppressed, when its population (the weight) is unknown, or when its
boundaries changed between the figure's boundary year and 2024. See docs/method.md, "Focusgebieden".
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import duckdb

from wijkzicht.errors import NotFoundError, WijkzichtError
from wijkzicht.monitor.comparison import NATIONAL_CODE, describe, relation
from wijkzicht.monitor.trends import MATRIX_VARIANT, MATRIX_YEAR
from wijkzicht.records import plain
from wijkzicht.yamltext import load_yaml

CERTAINTIES = ("high", "medium", "low")
STATUSES = ("suppressed", "missing", "unweighted", "changed", "absent")
STATUS_WORDS = {
    "suppressed": "onder de minimumbevolking",
    "missing": "geen cijfer",
    "unweighted": "bevolking onbekend",
    "changed": "grenzen gewijzigd sinds dit grensjaar",
    "absent": "code bestaat niet in dit grensjaar",
}

# The level of a focus area where it stands among areas (rankings, map, search); its code is its number.
FOCUS_LEVEL = "focusgebied"


@dataclass(frozen=True)
class FocusArea:
    number: int
    name: str
    gemeente_code: str
    wijken: tuple[str, ...]
    reasoning: str
    certainty: str
    note: str | None = None

    def as_dict(self) -> dict[str, object]:
        return plain(self)


@dataclass(frozen=True)
class AggregateFigure:
    indicator: str
    name: str
    unit: str
    aggregation: str
    subgroup: str
    boundary_year: int
    period: int
    value: float | None
    members: int
    used: int
    left_out: dict[str, int]  # per reason (STATUSES), only the reasons that occur
    gemeente_value: float | None
    national_value: float | None
    versus_gemeente: str | None
    versus_national: str | None

    @property
    def note(self) -> str:
        reasons = [f"{count} {STATUS_WORDS[status]}" for status, count in self.left_out.items()]
        return f"{self.used} van {self.members} gebieden" + (f" ({'; '.join(reasons)})" if reasons else "")

    def as_dict(self) -> dict[str, object]:
        return {**plain(self), "note": self.note}


# --- The focus-area file -------------------------------------------------------------------------


def load_focus_areas(path: Path | None = None) -> list[FocusArea]:
    """The focus areas from `catalogue/focusgebieden.yaml` (or `path`), checked for form, not codes."""
    if path is None:
        return list(_packaged_focus_areas())
    return _parse_focus_areas(path.read_text(encoding="utf-8"))


@cache
def _packaged_focus_areas() -> tuple[FocusArea, ...]:
    # Read once per process: pages, rankings and every goal's context ask for them, and the file is packaged.
    text = resources.files("wijkzicht").joinpath("catalogue/focusgebieden.yaml").read_text("utf-8")
    return tuple(_parse_focus_areas(text))


def _parse_focus_areas(text: str) -> list[FocusArea]:
    document = load_yaml(text)
    entries = document.get("focus_areas") if isinstance(document, dict) else None
    if not isinstance(entries, list) or not entries:
        raise WijkzichtError("focus-area file: expected a non-empty list under 'focus_areas'")
    return [_parse_focus_area(entry) for entry in entries]


def _parse_focus_area(entry: dict[str, Any]) -> FocusArea:
    name = entry.get("name") or f"entry {entry!r}"
    missing = [
        key
        for key in ("number", "name", "gemeente_code", "wijken", "reasoning", "certainty")
        if not entry.get(key)
    ]
    if missing:
        raise WijkzichtError(f"focus area {name}: missing {', '.join(missing)}")
    if entry["certainty"] not in CERTAINTIES:
        raise WijkzichtError(
            f"focus area {name}: certainty {entry['certainty']!r} is not one of {', '.join(CERTAINTIES)}"
        )
    return FocusArea(
        number=int(entry["number"]),
        name=str(entry["name"]),
        gemeente_code=str(entry["gemeente_code"]).strip().upper(),
        wijken=tuple(str(code).strip().upper() for code in entry["wijken"]),
        reasoning=" ".join(str(entry["reasoning"]).split()),
        certainty=entry["certainty"],
        note=" ".join(str(entry["note"]).split()) if entry.get("note") else None,
    )


def validate_focus_areas(con: duckdb.DuckDBPyConnection, focus_areas: list[FocusArea]) -> None:
    """Every code must be a wijk of the focus area's own gemeente on the 2024 boundaries."""
    known = dict(
        con.execute(
            "SELECT code, gemeente_code FROM areas WHERE level = 'wijk' AND boundary_year = ?", [MATRIX_YEAR]
        ).fetchall()
    )
    for area in focus_areas:
        unknown = [code for code in area.wijken if code not in known]
        if unknown:
            raise WijkzichtError(
                f"focus area {area.name}: {', '.join(unknown)} is not a wijk on the {MATRIX_YEAR} boundaries"
            )
        foreign = [code for code in area.wijken if known[code] != area.gemeente_code]
        if foreign:
            raise WijkzichtError(
                f"focus area {area.name}: {', '.join(foreign)} lies outside {area.gemeente_code}"
            )


def find_focus_area(focus_areas: list[FocusArea], wanted: str) -> FocusArea:
    """By number, by name or by a part of a name that fits one area, ignoring case, spaces and hyphens."""
    key = _name_key(wanted)
    exact = [area for area in focus_areas if key in (str(area.number), _name_key(area.name))]
    partial = [area for area in focus_areas if key and key in _name_key(area.name)]
    if len(found := exact or partial) == 1:
        return found[0]
    names = ", ".join(area.name for area in found or focus_areas)
    problem, error = ("ambiguous", WijkzichtError) if found else ("unknown", NotFoundError)
    raise error(f"{problem} focus area {wanted!r} ({'matches' if found else 'known'}: {names})")


def _name_key(text: str) -> str:
    return "".join(text.lower().replace("-", " ").split())


def populations(
    con: duckdb.DuckDBPyConnection, codes: list[str], year: int = MATRIX_YEAR
) -> dict[str, float]:
    """`inwoners` per code on the boundaries of `year`, as published (a suppressed count is None)."""
    return dict(
        con.execute(
            """SELECT area_code, value FROM published_observations WHERE indicator = 'inwoners' AND subgroup = 'totaal'
               AND boundary_year = ? AND area_code IN (SELECT unnest(?))""",
            [year, codes],
        ).fetchall()
    )


# --- Aggregating a set of areas ------------------------------------------------------------------


def aggregate(
    con: duckdb.DuckDBPyConnection,
    codes: list[str],
    *,
    period: int | None = None,
    subgroup: str | None = None,
    indicator: str | None = None,
    language: str = "nl",
) -> list[AggregateFigure]:
    """Per indicator, subgroup, boundary year and period: the set's figure beside its gemeente and NL."""
    members = sorted({code.strip().upper() for code in codes})
    gemeente = _common_gemeente(con, members)
    con.execute(
        "CREATE OR REPLACE TEMP TABLE aggregate_members AS SELECT unnest(?::VARCHAR[]) AS code", [members]
    )
    name = "name_en" if language == "en" else "name_nl"
    rows = con.execute(
        f"""
        WITH member_values AS (
            SELECT o.indicator, o.subgroup, o.boundary_year, o.period, o.area_code, i.aggregation, o.value,
                   a.population AS weight,
                   CASE WHEN o.suppressed THEN 'suppressed'
                        WHEN o.value IS NULL THEN 'missing'
                        WHEN o.area_code IN (SELECT c.old_code FROM address_moves c
                                             WHERE c.from_year = o.boundary_year AND c.to_year = $matrix_year
                                               AND c.variant = $variant AND c.level = o.level)
                          OR o.area_code IN (SELECT c.new_code FROM address_moves c
                                             WHERE c.from_year = o.boundary_year AND c.to_year = $matrix_year
                                               AND c.variant = $variant AND c.level = o.level)
                        THEN 'changed'
                        WHEN i.aggregation = 'weighted_mean' AND a.population IS NULL THEN 'unweighted'
                        ELSE 'used' END AS status
            FROM published_observations o
            JOIN aggregate_members m ON m.code = o.area_code
            JOIN indicators i ON i.id = o.indicator
            LEFT JOIN area_population a ON a.area_code = o.area_code AND a.boundary_year = o.boundary_year
            WHERE i.aggregation IN ('sum', 'weighted_mean')
              AND ($period IS NULL OR o.period = $period) AND ($subgroup IS NULL OR o.subgroup = $subgroup)
              AND ($indicator IS NULL OR o.indicator = $indicator)
        ),
        combined AS (
            -- only 'used' values enter a figure: a suppressed value never reaches it
            SELECT indicator, subgroup, boundary_year, period, any_value(aggregation) AS aggregation,
                   CASE any_value(aggregation)
                        WHEN 'sum' THEN sum(value) FILTER (WHERE status = 'used')
                        ELSE sum(value * weight) FILTER (WHERE status = 'used')
                             / sum(weight) FILTER (WHERE status = 'used') END AS value,
                   count(*) FILTER (WHERE status = 'used') AS used,
                   list(status) FILTER (WHERE status <> 'used') AS left_out
            FROM member_values GROUP BY ALL
        )
        SELECT c.indicator, i.{name}, i.unit, c.aggregation, c.subgroup, c.boundary_year, c.period,
               c.value, c.used, c.left_out, g.value, n.value, i.direction
        FROM combined c
        JOIN indicators i ON i.id = c.indicator
        LEFT JOIN published_observations g ON g.area_code = $gemeente
             AND (g.indicator, g.subgroup, g.boundary_year, g.period)
                 = (c.indicator, c.subgroup, c.boundary_year, c.period)
        LEFT JOIN published_observations n ON n.area_code = '{NATIONAL_CODE}'
             AND (n.indicator, n.subgroup, n.boundary_year, n.period)
                 = (c.indicator, c.subgroup, c.boundary_year, c.period)
        ORDER BY c.boundary_year, c.period, i.domain, c.indicator, c.subgroup
        """,
        {
            "period": period,
            "subgroup": subgroup,
            "indicator": indicator,
            "gemeente": gemeente,
            "matrix_year": MATRIX_YEAR,
            "variant": MATRIX_VARIANT,
        },
    ).fetchall()
    return [_figure(row, len(members), language) for row in rows]


def _common_gemeente(con: duckdb.DuckDBPyConnection, codes: list[str]) -> str | None:
    """The gemeente of every member when they share one (the comparison), None for a cross-gemeente set."""
    if not codes:
        raise WijkzichtError("an area set needs at least one CBS code")
    rows = con.execute(
        "SELECT code, level, gemeente_code FROM area_years WHERE code IN (SELECT unnest(?))", [codes]
    ).fetchall()
    unknown = sorted(set(codes) - {code for code, _, _ in rows})
    if unknown:
        raise WijkzichtError(f"unknown area code(s): {', '.join(unknown)}")
    levels = {level for _, level, _ in rows}
    if len(levels) > 1:
        raise WijkzichtError(f"an area set mixes levels ({', '.join(sorted(levels))}): use one level")
    gemeenten = {gemeente for _, level, gemeente in rows if level in ("wijk", "buurt")}
    return gemeenten.pop() if len(gemeenten) == 1 else None


def _figure(row: tuple, members: int, language: str) -> AggregateFigure:
    indicator, name, unit, aggregation, subgroup, boundary_year, period, value, used, left_out = row[:10]
    gemeente_value, national_value, direction = row[10:]
    counts = {status: (left_out or []).count(status) for status in STATUSES}
    counts["absent"] = members - used - len(left_out or [])  # members without a row in this boundary year
    is_count = aggregation == "sum"  # a count is never "higher than the national average"
    return AggregateFigure(
        indicator,
        name,
        unit,
        aggregation,
        subgroup,
        boundary_year,
        period,
        value,
        members,
        used,
        left_out={status: count for status, count in counts.items() if count},
        gemeente_value=gemeente_value,
        national_value=national_value,
        versus_gemeente=None
        if is_count
        else describe(relation(value, gemeente_value, unit), "gemeente", direction, language),
        versus_national=None
        if is_count
        else describe(relation(value, national_value, unit), "national", direction, language),
    )
