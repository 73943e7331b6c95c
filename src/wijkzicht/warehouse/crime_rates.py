"""Registered crime per 1 000 inhabitants: police counts divided by the population of the right year and boundary.

The police table 47018NED counts crimes per calendar year on the boundaries of one year (2024 for every
year 2012-2023). A count only becomes comparable between areas as a rate, and a rate needs inhabitants of
the *same boundary year* (another year's codes may describe another area) counted within the crime year:
on 1 January of that year, or else on 1 January of the next year (its last day), as the KWB tables publish
them. The country's population, where no table gives it, is the sum over all gemeenten of that boundary
year and date (only when every one has a figure). Without such a population the rate is not computed and
says why; it is never 0 and never a rate on another year's boundaries. `crime_counts` keeps every numerator
and denominator, so each rate can be checked.
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
        published_populations AS (
            SELECT o.area_code, o.level, o.boundary_year, o.period, o.value AS population
            FROM observations o
            WHERE o.indicator = 'inwoners' AND o.subgroup = 'totaal' AND o.value IS NOT NULL
        ),
        gemeenten AS (SELECT boundary_year, count(*) AS total FROM areas WHERE level = 'gemeente' GROUP BY ALL),
        -- the country's inhabitants, where no table gives them, as the sum over all its gemeenten (CBS's own
        -- national total is that sum); only when every gemeente of the boundary year has a population
        national_sums AS (
            SELECT c.area_code, p.boundary_year, p.period, sum(p.population) AS population
            FROM published_populations p JOIN gemeenten g USING (boundary_year)
            JOIN (SELECT DISTINCT area_code, boundary_year FROM counts WHERE level = 'land') c USING (boundary_year)
            WHERE p.level = 'gemeente'
            GROUP BY c.area_code, p.boundary_year, p.period HAVING count(*) = any_value(g.total)
        ),
        populations AS (
            SELECT area_code, boundary_year, period, population FROM published_populations
            UNION ALL
            SELECT * FROM national_sums n WHERE NOT EXISTS (
                SELECT 1 FROM published_populations p
                WHERE p.area_code = n.area_code AND p.boundary_year = n.boundary_year AND p.period = n.period)
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
