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

from dataclasses import asdict, dataclass, field

import duckdb

from wijkzicht.errors import WijkzichtError
from wijkzicht.monitor import difference
from wijkzicht.monitor.intervals import Interval, rate_interval

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
        return asdict(self)


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


def area_trends(
    con: duckdb.DuckDBPyConnection,
    code: str,
    *,
    indicator: str | None = None,
    subgroup: str | None = None,
    language: str = "nl",
    as_published: bool = False,
) -> list[Trend]:
    """Per indicator and subgroup with at least two periods: the series, its steps and first -> last.

    A series whose older periods are not comparable is still listed, with the reason and without steps.
    """
    level = _level_of(con, code)
    _collect_points(con, code, level, indicator, subgroup, as_published)
    name = "name_en" if language == "en" else "name_nl"
    series = con.execute(
        f"""
        SELECT p.indicator, i.{name}, i.unit, i.direction, p.subgroup, p.target_year,
               list((p.period, CASE WHEN p.excluded IS NULL THEN p.value END) ORDER BY p.period),
               list(DISTINCT p.method) FILTER (WHERE p.excluded IS NULL AND p.method <> '{SAME_CODE}'),
               list(p.period || ': ' || p.excluded ORDER BY p.period) FILTER (WHERE p.excluded IS NOT NULL)
        FROM trend_points p JOIN indicators i ON i.id = p.indicator
        GROUP BY ALL HAVING count(*) >= 2
        ORDER BY any_value(i.domain), p.indicator, p.subgroup
        """
    ).fetchall()
    steps = _judged_steps(con, code, language)
    return [
        Trend(
            indicator=row[0],
            name=row[1],
            unit=row[2],
            direction=row[3],
            subgroup=row[4],
            boundary_year=row[5],
            points=[(period, value) for period, value in row[6]],
            steps=steps.get((row[0], row[4], "step"), []),
            overall=next(iter(steps.get((row[0], row[4], "overall"), [])), None),
            methods=sorted(row[7] or []),
            not_comparable=row[8] or [],
        )
        for row in series
    ]


def _level_of(con: duckdb.DuckDBPyConnection, code: str) -> str:
    row = con.execute("SELECT level FROM area_years WHERE code = ?", [code]).fetchone()
    if row is None:
        raise WijkzichtError(f"unknown area code {code!r}")
    return row[0]


def _collect_points(
    con: duckdb.DuckDBPyConnection,
    code: str,
    level: str,
    indicator: str | None,
    subgroup: str | None,
    as_published: bool = False,
) -> None:
    """`trend_points`: the area's figures on the latest boundary year of each series, with older years
    joined where the code is unchanged or the count could be redistributed, else marked excluded."""
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE trend_points AS
        WITH own AS (
            SELECT o.indicator, o.subgroup, o.boundary_year, o.period, i.aggregation, i.unit, o.value,
                   CASE WHEN o.suppressed THEN o.missing_reason END AS suppression,
                   o.quality, o.method AS harmonised_method,
                   CASE WHEN o.quality = 'not_harmonisable'
                        THEN format('grenzen {} en {}: {}', o.published_year, o.boundary_year, o.missing_reason)
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
            WHERE o.area_code = $code AND ($indicator IS NULL OR o.indicator = $indicator)
              AND ($subgroup IS NULL OR o.subgroup = $subgroup)
            -- a period on several boundary years: the figure on the latest boundaries
            QUALIFY o.boundary_year = max(o.boundary_year) OVER (PARTITION BY o.indicator, o.subgroup, o.period)
        ),
        targeted AS (
            SELECT *, max(boundary_year) OVER (PARTITION BY indicator, subgroup) AS target_year FROM own
        ),
        touched AS (
            SELECT DISTINCT from_year, to_year FROM address_moves
            WHERE level = $level AND variant = $variant AND $code IN (old_code, new_code)
        )
        SELECT t.indicator, t.subgroup, t.period, t.target_year, t.value,
               CASE WHEN t.quality IS NOT NULL AND t.quality <> 'unchanged' THEN t.harmonised_method
                    WHEN t.boundary_year = t.target_year OR NOT changed THEN $same_code
                    ELSE 'herverdeeld' END AS method,
               CASE WHEN t.refused IS NOT NULL THEN t.refused
                    WHEN t.suppression IS NOT NULL THEN NULL
                    WHEN t.boundary_year = t.target_year OR NOT changed THEN NULL
                    WHEN t.target_year <> $matrix_year
                    THEN format('grenzen {} en {} verschillen en er is geen omzettingstabel', t.boundary_year,
                                t.target_year)
                    WHEN t.aggregation <> 'sum'
                    THEN format('grenzen {} en {} verschillen; een percentage of gemiddelde wordt niet '
                                'verdeeld (alleen aantallen)', t.boundary_year, t.target_year)
                    WHEN t.unit = 'ha'
                    THEN format('grenzen {} en {} verschillen; oppervlakte volgt geen adressen',
                                t.boundary_year, t.target_year)
               END AS excluded,
               t.aggregation, t.boundary_year
        FROM targeted t,
        LATERAL (SELECT EXISTS (SELECT 1 FROM touched c WHERE c.from_year = t.boundary_year
                                AND c.to_year = t.target_year) AS changed)
        """,
        {
            "code": code,
            "indicator": indicator,
            "subgroup": subgroup,
            "level": level,
            "variant": MATRIX_VARIANT,
            "same_code": SAME_CODE,
            "matrix_year": MATRIX_YEAR,
            "as_published": as_published,
        },
    )
    _redistribute_changed_counts(con, code, level)


def _redistribute_changed_counts(con: duckdb.DuckDBPyConnection, code: str, level: str) -> None:
    """Replace an older count on changed boundaries by its redistributed value for this code."""
    changed = con.execute(
        """SELECT DISTINCT indicator, boundary_year, target_year FROM trend_points
           WHERE method = 'herverdeeld' AND excluded IS NULL AND value IS NOT NULL"""
    ).fetchall()
    for indicator, from_year, to_year in changed:
        harmonised = harmonise_counts(con, indicator, level, from_year, to_year)
        con.execute(
            """UPDATE trend_points SET value = ?, method = ?
               WHERE indicator = ? AND boundary_year = ? AND method = 'herverdeeld'""",
            [harmonised.values.get(code), harmonised.method, indicator, from_year],
        )


def _judged_steps(
    con: duckdb.DuckDBPyConnection, code: str, language: str
) -> dict[tuple[str, str, str], list[Change]]:
    """Consecutive steps and first -> last per series; excluded periods are skipped. A rate whose published
    count and population are known on the series' own boundaries (not redistributed) carries them, so that
    its change is judged on the exact intervals."""
    rows = con.execute(
        """
        WITH usable AS (
            SELECT p.*, i.direction, i.unit,
                   CASE WHEN p.method = $same_code AND c.count IS NOT NULL THEN [c.count, c.population] END
                       AS counts
            FROM trend_points p JOIN indicators i ON i.id = p.indicator
            LEFT JOIN published_crime_counts c ON c.indicator = p.indicator AND p.subgroup = 'totaal'
                 AND c.area_code = $code AND c.boundary_year = p.boundary_year AND c.period = p.period
            WHERE p.excluded IS NULL AND p.value IS NOT NULL
        ),
        steps AS (
            SELECT 'step' AS kind, indicator, subgroup, direction, unit,
                   lag(period) OVER w AS from_period, period AS to_period,
                   lag(value) OVER w AS first, value AS last, lag(counts) OVER w AS first_counts,
                   counts AS last_counts
            FROM usable WINDOW w AS (PARTITION BY indicator, subgroup ORDER BY period)
        ),
        overall AS (
            SELECT 'overall', indicator, subgroup, any_value(direction), any_value(unit),
                   min(period), max(period), arg_min(value, period), arg_max(value, period),
                   arg_min(counts, period), arg_max(counts, period)
            FROM usable GROUP BY indicator, subgroup HAVING count(*) >= 2
        )
        SELECT kind, indicator, subgroup, from_period, to_period, first, last, direction, unit, first_counts,
               last_counts
        FROM (SELECT * FROM steps WHERE from_period IS NOT NULL UNION ALL SELECT * FROM overall)
        ORDER BY indicator, subgroup, kind, to_period
        """,
        {"code": code, "same_code": SAME_CODE},
    ).fetchall()
    judged: dict[tuple[str, str, str], list[Change]] = {}
    for kind, indicator, subgroup, from_period, to_period, first, last, direction, unit, *counts in rows:
        intervals = (rate_interval(counts[0]), rate_interval(counts[1]))
        found = judgement(first, last, direction, unit, intervals)
        step = Change(from_period, to_period, last - first, found, WORDS[language][found])
        judged.setdefault((indicator, subgroup, kind), []).append(step)
    return judged
