"""Registered crime per 1 000 inhabitants: police counts divided by the population of the right year and boundary.

The police table 47018NED counts crimes per calendar year on the boundaries of one year (2024 for every
year 2012-2023). A count only becomes comparable between areas as a rate, and a rate needs inhabitants of
the *same boundary year* (another year's codes may describe another area) counted within the crime year:
on 1 January of that year, or else on 1 January of the next year (its last day), as the KWB tables publish
them. Without such a population the rate is not computed and says why; it is never 0 and never a rate on
another year's boundaries. `crime_counts` keeps every numerator and denominator, so each rate can be checked.
"""

from __future__ import annotations

import duckdb

from wijkzicht.catalogue import Catalogue

PER_INHABITANTS = 1000


def crime_indicator_ids(catalogue: Catalogue) -> list[str]:
    return [indicator.id for indicator in catalogue.indicators.values() if indicator.crime_types]


def build_crime_rates(con: duckdb.DuckDBPyConnection, catalogue: Catalogue) -> None:
    """Turn the staged crime counts in `observations` into rates, keeping the counts in `crime_counts`."""
    con.execute(
        f"""
        CREATE TABLE crime_counts AS
        WITH counts AS (
            SELECT indicator, area_code, level, boundary_year, period, value AS count,
                   missing_reason AS count_missing_reason
            FROM observations WHERE subgroup = 'totaal' AND list_contains(?, indicator)
        ),
        populations AS (
            SELECT area_code, boundary_year, period, value AS population FROM observations
            WHERE indicator = 'inwoners' AND subgroup = 'totaal' AND value IS NOT NULL
        ),
        matched AS (  -- 1 January of the crime year first, else 1 January of the next year
            SELECT c.*, p.population, p.period AS population_period
            FROM counts c LEFT JOIN populations p
              ON p.area_code = c.area_code AND p.boundary_year = c.boundary_year
             AND p.period IN (c.period, c.period + 1)
            QUALIFY row_number() OVER (PARTITION BY c.indicator, c.area_code, c.boundary_year, c.period
                                       ORDER BY p.period NULLS LAST) = 1
        )
        SELECT *,
               CASE WHEN count IS NOT NULL AND population > 0 THEN {PER_INHABITANTS} * count / population END
                   AS rate,
               CASE WHEN count IS NULL THEN count_missing_reason
                    WHEN population IS NULL
                    THEN format('niet berekend: geen inwonertal op 1 januari {{}} of {{}} in grensindeling {{}}',
                                period, period + 1, boundary_year)
                    WHEN population = 0 THEN 'niet berekend: 0 inwoners'
               END AS missing_reason
        FROM matched ORDER BY indicator, area_code, period
        """,
        [crime_indicator_ids(catalogue)],
    )
    con.execute(
        """
        UPDATE observations o SET value = r.rate, missing_reason = r.missing_reason
        FROM crime_counts r
        WHERE o.indicator = r.indicator AND o.subgroup = 'totaal' AND o.area_code = r.area_code
          AND o.boundary_year = r.boundary_year AND o.period = r.period
        """
    )
