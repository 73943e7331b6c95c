"""Trends: an area's figures across periods, judged against each indicator's direction.

A series only joins periods on the same boundaries. By default each period's figure is the one on the
latest boundaries the warehouse has for it: for a 2024 area the build's harmonised series (every older
figure carried to 2024 with the VNG address matrices, see `wijkzicht.warehouse.harmonise`), with its
method and quality. `as_published=True` reads only the figures on their published boundaries: an older
boundary year then joins the series of the latest one when the area's code did not change between the
years, or, for a count, after redistributing it here; a rate on changed boundaries is then reported as not
comparable, with the reason. See docs/method.md, "Trends" and "Harmonised series".
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import duckdb

from wijkzicht.errors import WijkzichtError
from wijkzicht.monitor import difference
from wijkzicht.monitor.intervals import Interval, rate_interval
from wijkzicht.monitor.observations import IndicatorFacts, Indicators, read_indicators
from wijkzicht.records import plain
from wijkzicht.warehouse.queries import create_in_parts

MATRIX_YEAR = 2024  # the VNG matrices carry every earlier boundary year to 2024 only
MATRIX_VARIANT = "adres"  # addresses with a residential function: the weight for people and households
SAME_CODE = "zelfde code, ongewijzigde grenzen"
WORDS = {
    "nl": {
        "better": "verbeterd",
        "worse": "verslechterd",
        "equal": "gelijk",
        "up": "gestegen",
        "down": "gedaald",
    },
    "en": {
        "better": "improved",
        "worse": "worsened",
        "equal": "unchanged",
        "up": "increased",
        "down": "decreased",
    },
}


@dataclass(frozen=True)
class Harmonised:
    """A count carried from `from_year` to `to_year` boundaries."""

    indicator: str
    level: str
    from_year: int
    to_year: int
    values: dict[str, float]  # per area code of `to_year`
    carried_codes: int  # old codes with a value that were carried (unchanged or through the matrix)
    uncovered_codes: list[str]  # old codes with a value that neither the matrix nor the registry maps
    method: str


@dataclass(frozen=True)
class Change:
    from_period: int
    to_period: int
    change: float
    judgement: str  # 'better', 'worse', 'equal', or for a neutral indicator 'up'/'down'
    words: str


@dataclass(frozen=True)
class Trend:
    indicator: str
    name: str
    unit: str
    direction: str
    subgroup: str
    boundary_year: int
    points: list[tuple[int, float | None]]  # (period, value); None when suppressed or missing
    steps: list[Change]
    overall: Change | None  # first -> last period with a value
    methods: list[str]  # how each older boundary year joined the series
    not_comparable: list[str] = field(default_factory=list)  # periods left out, with the reason

    def as_dict(self) -> dict[str, object]:
        return plain(self)


def harmonise_counts(
    con: duckdb.DuckDBPyConnection, indicator: str, level: str, from_year: int, to_year: int = MATRIX_YEAR
) -> Harmonised:
    """Redistribute a count from `from_year` to `to_year` boundaries with address weights.

    A code untouched by the matrix that exists in both years keeps its value; a code in the matrix gives
    each new code its share of addresses. Rates are refused: recompute them from redistributed counts.
    """
    aggregation = con.execute("SELECT aggregation FROM indicators WHERE id = ?", [indicator]).fetchone()
    if aggregation is None:
        raise WijkzichtError(f"unknown indicator {indicator!r}")
    if aggregation[0] != "sum":
        raise WijkzichtError(
            f"{indicator} is not a count (aggregation {aggregation[0]}): a rate is never split across "
            "boundaries; redistribute its numerator and denominator and recompute it"
        )
    if to_year != MATRIX_YEAR:
        raise WijkzichtError(f"boundary-change matrices lead to {MATRIX_YEAR} only, not to {to_year}")
    rows = con.execute(
        """
        WITH old AS (
            SELECT area_code, value FROM published_observations
            WHERE indicator = $indicator AND level = $level AND boundary_year = $from_year
              AND subgroup = 'totaal' AND value IS NOT NULL
        ),
        moves AS (
            SELECT old_code, new_code, weight FROM address_moves
            WHERE level = $level AND variant = $variant AND from_year = $from_year AND to_year = $to_year
        ),
        unchanged AS (
            SELECT o.area_code AS old_code, o.area_code AS new_code, 1.0 AS weight FROM old o
            JOIN areas a ON a.code = o.area_code AND a.boundary_year = $to_year AND a.level = $level
            WHERE o.area_code NOT IN (SELECT old_code FROM moves)
              AND o.area_code NOT IN (SELECT new_code FROM moves)
        ),
        carried AS (
            SELECT o.area_code, m.new_code, o.value * m.weight AS value
            FROM old o JOIN (SELECT * FROM moves UNION ALL SELECT * FROM unchanged) m
                 ON m.old_code = o.area_code
        )
        SELECT 'value', new_code, sum(value) FROM carried GROUP BY new_code
        UNION ALL
        SELECT 'uncovered', area_code, value FROM old WHERE area_code NOT IN (SELECT area_code FROM carried)
        UNION ALL
        SELECT 'carried', NULL, count(DISTINCT area_code) FROM carried
        """,
        {
            "indicator": indicator,
            "level": level,
            "from_year": from_year,
            "to_year": to_year,
            "variant": MATRIX_VARIANT,
        },
    ).fetchall()
    return Harmonised(
        indicator,
        level,
        from_year,
        to_year,
        values={code: value for kind, code, value in rows if kind == "value"},
        carried_codes=int(next(value for kind, _, value in rows if kind == "carried")),
        uncovered_codes=sorted(code for kind, code, _ in rows if kind == "uncovered"),
        method=redistribution_method(from_year, to_year),
    )


def redistribution_method(from_year: int, to_year: int) -> str:
    return (
        f"herverdeeld naar grenzen {to_year} naar aandeel adressen "
        f"(VNG grenswijzigen {from_year}->{to_year}, CC BY-NC-SA 4.0)"
    )


def judgement(
    first: float,
    last: float,
    direction: str,
    unit: str,
    intervals: tuple[Interval | None, Interval | None] = (None, None),
) -> str:
    """'better', 'worse' or 'equal' (for a neutral indicator 'up'/'down') from first to last, under the one
    rule for differences (`wijkzicht.monitor.difference`): where both periods have an exact interval
    (`intervals`: first's, last's) only a significant change counts, else one beyond the tolerance."""
    found = difference.difference(last, first, unit, intervals[1], intervals[0])
    if found is None or found.relation == "equal":
        return "equal"
    if direction == "neutral":
        return "up" if found.relation == "higher" else "down"
    return "better" if (found.relation == "higher") == (direction == "higher_is_better") else "worse"


STORED_SERIES = "area_trend_series"


def area_trends(
    con: duckdb.DuckDBPyConnection,
    code: str,
    *,
    indicator: str | None = None,
    subgroup: str | None = None,
    language: str = "nl",
    as_published: bool = False,
    indicators: Indicators | None = None,
) -> list[Trend]:
    """Per indicator and subgroup with at least two periods: the series, its steps and first -> last.

    A series whose older periods are not comparable is still listed, with the reason and without steps.
    The default series of every area are made by the build (`store_trends`) and read here by area code;
    the series as published are summarised for this area alone, by the same SQL. A server passes the
    `indicators` it read once.
    """
    if as_published:
        _level_of(con, code)  # an unknown code is refused, not answered with no trends
        return computed_trends(
            con, code, indicator=indicator, subgroup=subgroup, language=language, as_published=True
        )
    found = _read_trends(con, STORED_SERIES, code, indicator, subgroup, language, indicators)
    if not found:
        _level_of(con, code)  # only then: an area with trends is known, and the lookup is one query less
    return found


def computed_trends(
    con: duckdb.DuckDBPyConnection,
    code: str,
    *,
    indicator: str | None = None,
    subgroup: str | None = None,
    language: str = "nl",
    as_published: bool = True,
) -> list[Trend]:
    """`area_trends` computed for this one area from the published views, without the stored tables."""
    _make_points(
        con,
        "TEMP TABLE trend_points",
        "o.area_code = $code AND ($indicator IS NULL OR o.indicator = $indicator)"
        " AND ($subgroup IS NULL OR o.subgroup = $subgroup)",
        {"code": code, "indicator": indicator, "subgroup": subgroup, "as_published": as_published},
    )
    _summarise(con, "trend_points", "TEMP TABLE trend_series")
    return _read_trends(con, "trend_series", code, indicator, subgroup, language, None)


def store_trends(con: duckdb.DuckDBPyConnection) -> None:
    """`area_trend_series`: the default trends of every area at once, with the older counts on changed
    boundaries redistributed once per indicator and year. A warehouse table, made once by the build from
    the published views, so that a profile reads its area's trends instead of computing them. The steps are
    stored unjudged (values and published counts): the one rule of `difference` judges them when they are
    read, in the reader's language."""
    _make_points(con, "TEMP TABLE area_trend_points", "TRUE", {"as_published": False})
    _summarise(con, "area_trend_points", f"TABLE {STORED_SERIES}")
    con.execute("DROP TABLE area_trend_points")


def _read_trends(
    con: duckdb.DuckDBPyConnection,
    series_table: str,
    code: str,
    indicator: str | None,
    subgroup: str | None,
    language: str,
    indicators: Indicators | None,
) -> list[Trend]:
    """The area's series in the order of domain, indicator and subgroup (one per indicator and subgroup)."""
    facts = read_indicators(con) if indicators is None else indicators
    series = con.execute(
        f"""
        SELECT indicator, subgroup, boundary_year, periods, point_values, methods, not_comparable, steps,
               overall
        FROM {series_table}
        WHERE area_code = $code AND ($indicator IS NULL OR indicator = $indicator)
          AND ($subgroup IS NULL OR subgroup = $subgroup)
        """,
        {"code": code, "indicator": indicator, "subgroup": subgroup},
    ).fetchall()
    series.sort(key=lambda row: (facts[row[0]].domain, row[0], row[1]))
    return [_trend(row, facts[row[0]], language) for row in series]


def _trend(row: tuple[Any, ...], facts: IndicatorFacts, language: str) -> Trend:
    direction, unit = facts.direction, facts.unit
    return Trend(
        indicator=row[0],
        name=facts.name(language),
        unit=unit,
        direction=direction,
        subgroup=row[1],
        boundary_year=row[2],
        points=list(zip(row[3], row[4], strict=True)),
        steps=[_judged(step, direction, unit, language) for step in row[7]],
        overall=None if row[8] is None else _judged(row[8], direction, unit, language),
        methods=sorted(row[5] or []),
        not_comparable=row[6] or [],
    )


def _level_of(con: duckdb.DuckDBPyConnection, code: str) -> str:
    row = con.execute("SELECT level FROM area_years WHERE code = ?", [code]).fetchone()
    if row is None:
        raise WijkzichtError(f"unknown area code {code!r}")
    return row[0]


def _make_points(
    con: duckdb.DuckDBPyConnection, table: str, where: str, parameters: dict[str, object]
) -> None:
    """`table`: per area the figures on the latest boundary year of each series, with older years joined
    where the code is unchanged or the count could be redistributed, else marked excluded. `where` selects
    the figures (one area's, or every area's for the build)."""
    con.execute(
        f"""
        CREATE OR REPLACE {table} AS
        WITH figures AS (
            SELECT o.area_code, a.level AS area_level, o.indicator, o.subgroup, o.boundary_year, o.period,
                   i.aggregation, i.unit, o.value,
                   CASE WHEN o.suppressed THEN o.missing_reason END AS suppression,
                   o.quality, o.method AS harmonised_method,
                   CASE WHEN o.quality = 'not_harmonisable'
                        THEN format('grenzen {{}} en {{}}: {{}}', o.published_year, o.boundary_year,
                                    o.missing_reason)
                   END AS refused
            FROM (
                SELECT indicator, subgroup, area_code, boundary_year, period, value, missing_reason, suppressed,
                       NULL AS quality, NULL AS method, NULL AS published_year
                FROM published_observations
                UNION ALL
                SELECT indicator, subgroup, area_code, boundary_year, period, value, missing_reason, suppressed,
                       quality::VARCHAR, method, published_year
                FROM published_harmonised WHERE NOT $as_published
            ) o
            JOIN indicators i ON i.id = o.indicator
            JOIN area_years a ON a.code = o.area_code
            WHERE {where}
        ),
        -- a period on several boundary years: the figure on the latest boundaries (grouped and joined
        -- rather than a window over millions of small partitions, which is many times slower)
        own AS (
            SELECT f.* FROM figures f
            SEMI JOIN (SELECT area_code, indicator, subgroup, period, max(boundary_year) AS boundary_year
                       FROM figures GROUP BY ALL) USING (area_code, indicator, subgroup, period, boundary_year)
        ),
        targeted AS (
            SELECT * FROM own
            JOIN (SELECT area_code, indicator, subgroup, max(boundary_year) AS target_year FROM own GROUP BY ALL)
                 USING (area_code, indicator, subgroup)
        ),
        -- the codes a boundary-change matrix touches (as an old or as a new code)
        touched AS (
            SELECT DISTINCT level, unnest([old_code, new_code]) AS code, from_year, to_year FROM address_moves
            WHERE variant = $variant
        )
        SELECT t.area_code, t.area_level, t.indicator, t.subgroup, t.period, t.target_year, t.value,
               CASE WHEN t.quality IS NOT NULL AND t.quality <> 'unchanged' THEN t.harmonised_method
                    WHEN t.boundary_year = t.target_year OR NOT changed THEN $same_code
                    ELSE 'herverdeeld' END AS method,
               CASE WHEN t.refused IS NOT NULL THEN t.refused
                    WHEN t.suppression IS NOT NULL THEN NULL
                    WHEN t.boundary_year = t.target_year OR NOT changed THEN NULL
                    WHEN t.target_year <> $matrix_year
                    THEN format('grenzen {{}} en {{}} verschillen en er is geen omzettingstabel', t.boundary_year,
                                t.target_year)
                    WHEN t.aggregation <> 'sum'
                    THEN format('grenzen {{}} en {{}} verschillen; een percentage of gemiddelde wordt niet '
                                'verdeeld (alleen aantallen)', t.boundary_year, t.target_year)
                    WHEN t.unit = 'ha'
                    THEN format('grenzen {{}} en {{}} verschillen; oppervlakte volgt geen adressen',
                                t.boundary_year, t.target_year)
               END AS excluded,
               t.aggregation, t.boundary_year
        FROM (
            SELECT t.*, c.code IS NOT NULL AS changed FROM targeted t
            LEFT JOIN touched c ON c.level = t.area_level AND c.code = t.area_code
                 AND c.from_year = t.boundary_year AND c.to_year = t.target_year
        ) t
        """,
        {**parameters, "variant": MATRIX_VARIANT, "same_code": SAME_CODE, "matrix_year": MATRIX_YEAR},
    )
    _redistribute_changed_counts(con, table.split()[-1])


def _redistribute_changed_counts(con: duckdb.DuckDBPyConnection, points: str) -> None:
    """Replace an older count on changed boundaries by its redistributed value for the area's code: every
    point of an area's indicator and boundary year that has a usable count to redistribute, each count
    redistributed once for all areas."""
    changed = con.execute(
        f"""SELECT DISTINCT indicator, area_level, boundary_year, target_year FROM {points}
           WHERE method = 'herverdeeld' AND excluded IS NULL AND value IS NOT NULL"""
    ).fetchall()
    con.execute(
        """CREATE OR REPLACE TEMP TABLE redistributed
           (indicator VARCHAR, level VARCHAR, from_year INTEGER, area_code VARCHAR, value DOUBLE)"""
    )
    con.execute(
        """CREATE OR REPLACE TEMP TABLE redistribution
           (indicator VARCHAR, level VARCHAR, from_year INTEGER, method VARCHAR)"""
    )
    for indicator, level, from_year, to_year in changed:
        harmonised = harmonise_counts(con, indicator, level, from_year, to_year)
        key = [indicator, level, from_year]
        con.execute("INSERT INTO redistribution VALUES (?, ?, ?, ?)", [*key, harmonised.method])
        con.execute(
            "INSERT INTO redistributed SELECT ?, ?, ?, unnest(?::VARCHAR[]), unnest(?::DOUBLE[])",
            [*key, list(harmonised.values), list(harmonised.values.values())],
        )
    con.execute(
        f"""
        UPDATE {points} p SET value = s.value, method = s.method
        FROM (
            SELECT c.area_code, c.indicator, c.boundary_year, r.value, m.method
            FROM (SELECT DISTINCT area_code, area_level, indicator, boundary_year FROM {points}
                  WHERE method = 'herverdeeld' AND excluded IS NULL AND value IS NOT NULL) c
            JOIN redistribution m ON m.indicator = c.indicator AND m.level = c.area_level
                 AND m.from_year = c.boundary_year
            -- a code the matrix gives no value keeps the method, without a value
            LEFT JOIN redistributed r ON r.indicator = c.indicator AND r.level = c.area_level
                 AND r.from_year = c.boundary_year AND r.area_code = c.area_code
        ) s
        WHERE p.area_code = s.area_code AND p.indicator = s.indicator AND p.boundary_year = s.boundary_year
          AND p.method = 'herverdeeld'
        """
    )
    con.execute("DROP TABLE redistributed")
    con.execute("DROP TABLE redistribution")


def _summarise(con: duckdb.DuckDBPyConnection, points: str, series: str) -> None:
    """Per area, indicator and subgroup with at least two periods: the series (`series`) with its
    consecutive steps and first -> last (unjudged); excluded periods are skipped in the steps. A
    rate whose published count and population are known on the series' own boundaries (not redistributed)
    carries them, so that its change is judged on the exact intervals.

    Each series is gathered once as a list of points sorted afterwards, and its steps are read off that
    list: an ordered list aggregate or a window per series is many times slower over every area."""
    create_in_parts(
        con,
        "TEMP TABLE trend_lists",
        f"""
        SELECT p.area_code, p.indicator, p.subgroup, p.target_year AS boundary_year,
               list_sort(list({{
                   'period': p.period,
                   'value': CASE WHEN p.excluded IS NULL THEN p.value END,
                   'counts': CASE WHEN p.method = $same_code AND c.count IS NOT NULL
                                  THEN [c.count, c.population] END
               }})) AS points
        FROM {points} p
        LEFT JOIN published_crime_counts c ON c.indicator = p.indicator AND c.subgroup = p.subgroup
             AND c.area_code = p.area_code AND c.boundary_year = p.boundary_year AND c.period = p.period
        WHERE {{part}}
        GROUP BY p.area_code, p.indicator, p.subgroup, p.target_year HAVING count(*) >= 2
        """,
        rows_of=points,
        key="p.area_code",
        parameters={"same_code": SAME_CODE},
    )
    consecutive = _STEP.format(first="s.usable[step]", last="s.usable[step + 1]")
    overall = _STEP.format(first="s.usable[1]", last="s.usable[-1]")
    create_in_parts(
        con,
        series,
        f"""
        WITH notes AS (  -- the few series with a method to name or a period left out, of this part's areas
            SELECT area_code, indicator, subgroup, target_year AS boundary_year,
                   list(DISTINCT method) FILTER (WHERE excluded IS NULL AND method <> $same_code) AS methods,
                   list(period || ': ' || excluded ORDER BY period) FILTER (WHERE excluded IS NOT NULL)
                       AS not_comparable
            FROM {points} WHERE {{part}} AND (excluded IS NOT NULL OR method <> $same_code)
            GROUP BY area_code, indicator, subgroup, target_year
        ),
        usable AS (
            SELECT *, list_filter(points, point -> point.value IS NOT NULL) AS usable FROM trend_lists
            WHERE {{part}}
        )
        SELECT s.area_code, s.indicator, s.subgroup, s.boundary_year,
               -- the points as two lists in period order (a stored table holds no unnamed pairs)
               list_transform(s.points, point -> point.period) AS periods,
               list_transform(s.points, point -> point.value) AS point_values,
               n.methods, n.not_comparable,
               -- beside the series rather than in a table of their own: a profile reads one area's trends
               -- in one lookup
               list_transform(range(1, len(s.usable)), step -> {consecutive}) AS steps,
               CASE WHEN len(s.usable) >= 2 THEN {overall} END AS overall
        FROM usable s LEFT JOIN notes n USING (area_code, indicator, subgroup, boundary_year)
        -- by area: a profile reads one area's rows, and the zone maps of a sorted column find them
        ORDER BY s.area_code
        """,
        # parts of a million points, not series: a series holds a point per period, and more periods made
        # each part's lists longer (four times the health survey's periods ran out of the build's memory)
        rows_of=points,
        key="area_code",
        parameters={"same_code": SAME_CODE},
    )
    con.execute("DROP TABLE trend_lists")


# A step from one point of a series to a later one, unjudged (`_judged` judges it when it is read).
_STEP = (
    "{{'from_period': {first}.period, 'to_period': {last}.period, 'first': {first}.value, "
    "'last': {last}.value, 'first_counts': {first}.counts, 'last_counts': {last}.counts}}"
)


def _judged(step: dict[str, Any], direction: str, unit: str, language: str) -> Change:
    """A stored step (or first -> last) judged under the one rule for differences, on the exact intervals
    where both periods carry their counts."""
    intervals = (rate_interval(step["first_counts"]), rate_interval(step["last_counts"]))
    found = judgement(step["first"], step["last"], direction, unit, intervals)
    return Change(
        step["from_period"], step["to_period"], step["last"] - step["first"], found, WORDS[language][found]
    )
