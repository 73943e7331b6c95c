"""Each figure of an area beside its gemeente and the Netherlands, in plain words."""

from __future__ import annotations

from dataclasses import asdict, dataclass

import duckdb

from wijkzicht import codes

NATIONAL_CODE = "NL00"
# The health monitor publishes one decimal; a smaller difference is not a difference anyone published.
DECIMALS = 1
WORDS = {
    "nl": {
        "higher": "hoger dan",
        "lower": "lager dan",
        "equal": "gelijk aan",
        "national": "het landelijk gemiddelde",
        "gemeente": "het gemiddelde van de gemeente",
        "better": "gunstiger",
        "worse": "ongunstiger",
    },
    "en": {
        "higher": "higher than",
        "lower": "lower than",
        "equal": "equal to",
        "national": "the national average",
        "gemeente": "the average of the gemeente",
        "better": "more favourable",
        "worse": "less favourable",
    },
}


@dataclass(frozen=True)
class Comparison:
    indicator: str
    name: str
    unit: str
    direction: str
    subgroup: str
    boundary_year: int
    period: int
    value: float | None
    gemeente_value: float | None
    national_value: float | None
    versus_gemeente: str | None
    versus_national: str | None
    suppressed_reason: (
        str | None
    )  # why there is no value: suppressed (too few inhabitants, respondents) or missing

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


def relation(value: float | None, reference: float | None) -> str | None:
    """'higher', 'lower' or 'equal' at the published precision; None when either side is missing."""
    if value is None or reference is None:
        return None
    difference = round(value, DECIMALS) - round(reference, DECIMALS)
    if abs(difference) < 10**-DECIMALS / 2:
        return "equal"
    return "higher" if difference > 0 else "lower"


def describe(
    value: float | None, reference: float | None, against: str, direction: str, language: str
) -> str | None:
    """E.g. 'hoger dan het landelijk gemiddelde (ongunstiger)'; direction decides the judgement."""
    found = relation(value, reference)
    if found is None:
        return None
    words = WORDS[language]
    text = f"{words[found]} {words[against]}"
    if found == "equal" or direction == "neutral":
        return text
    worse = (found == "higher") == (direction == "higher_is_worse")
    return f"{text} ({words['worse' if worse else 'better']})"


def compare(
    con: duckdb.DuckDBPyConnection,
    code: str,
    *,
    period: int | None = None,
    subgroup: str | None = None,
    boundary_year: int | None = None,
    indicator: str | None = None,
    language: str = "nl",
) -> list[Comparison]:
    """Every figure of the area with the same indicator, period, subgroup and boundary year of its
    gemeente and of the Netherlands. Values of an area below the minimum population are not shown; a figure
    without a value carries the reason."""
    name = "name_en" if language == "en" else "name_nl"
    rows = con.execute(
        f"""
        WITH own AS (
            SELECT * FROM published_observations
            WHERE area_code = ? AND (? IS NULL OR period = ?) AND (? IS NULL OR subgroup = ?)
              AND (? IS NULL OR boundary_year = ?) AND (? IS NULL OR indicator = ?)
        ),
        -- each reference read by its own code: the observations are sorted by area, so this reads little
        gemeente AS (SELECT * FROM published_observations WHERE area_code = ?),
        nation AS (SELECT * FROM published_observations WHERE area_code = '{NATIONAL_CODE}')
        SELECT o.indicator, i.{name}, i.unit, i.direction, o.subgroup, o.boundary_year, o.period,
               o.value, g.value, n.value, CASE WHEN o.value IS NULL THEN o.missing_reason END,
               i.aggregation = 'sum' AS is_count
        FROM own o
        JOIN indicators i ON i.id = o.indicator
        LEFT JOIN gemeente g ON g.indicator = o.indicator
             AND g.subgroup = o.subgroup AND g.boundary_year = o.boundary_year AND g.period = o.period
        LEFT JOIN nation n ON n.indicator = o.indicator
             AND n.subgroup = o.subgroup AND n.boundary_year = o.boundary_year AND n.period = o.period
        ORDER BY o.boundary_year, o.period, i.domain, o.indicator, o.subgroup
        """,
        [
            code,
            period,
            period,
            subgroup,
            subgroup,
            boundary_year,
            boundary_year,
            indicator,
            indicator,
            codes.gemeente_of(code),
        ],
    ).fetchall()
    return [_comparison(row, language) for row in rows]


# The query's row: the first ten fields of a Comparison, the suppression reason, whether it is a count.
ComparisonRow = tuple[
    str, str, str, str, str, int, int, float | None, float | None, float | None, str | None, bool
]


def _comparison(row: ComparisonRow, language: str) -> Comparison:
    # A count is never "higher than the national average": only rates and shares are compared in words.
    value, gemeente_value, national_value, direction, is_count = row[7], row[8], row[9], row[3], row[11]
    return Comparison(
        *row[:10],
        versus_gemeente=None
        if is_count
        else describe(value, gemeente_value, "gemeente", direction, language),
        versus_national=None
        if is_count
        else describe(value, national_value, "national", direction, language),
        suppressed_reason=row[10],
    )
