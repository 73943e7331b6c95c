"""The publishing gate: which figures may be shown, decided once in the warehouse.

`area_population` holds the population that decides minimum-population suppression, and the view
`published_observations` removes the values of areas below their indicator's minimum population. Every
reader of figures reads that view, never `observations` itself (see docs/method.md), or a table the build
stores from it (`published_values`).
"""

from __future__ import annotations

import duckdb

from wijkzicht.catalogue import TOTAL_SUBGROUP


def build_area_population(con: duckdb.DuckDBPyConnection) -> None:
    """Per area code and boundary year, the population that decides minimum-population suppression.

    It is `inwoners` of the same code in the nearest boundary year (the later one on a tie), because the
    health monitor's 2020 boundaries have no population of their own in the snapshot; see docs/method.md.
    A warehouse table, made once by the build.
    """
    con.execute(
        """
        CREATE OR REPLACE TABLE area_population AS
        WITH populations AS (
            SELECT area_code, boundary_year, value AS population FROM observations
            WHERE indicator = 'inwoners' AND subgroup = 'totaal' AND value IS NOT NULL
        ),
        distance AS (
            SELECT a.code AS area_code, a.boundary_year, p.population, p.boundary_year AS population_year,
                   abs(p.boundary_year - a.boundary_year) * 10000 - p.boundary_year AS preference
            FROM areas a JOIN populations p ON p.area_code = a.code
        )
        SELECT area_code, boundary_year, arg_min(population, preference) AS population,
               arg_min(population_year, preference) AS population_year
        FROM distance GROUP BY ALL
        """
    )


def build_published_observations(
    con: duckdb.DuckDBPyConnection, name: str = "published_observations", source: str = "observations"
) -> None:
    """The view every reader of figures uses: observations with the values of areas below their
    indicator's minimum population removed (NULL, `suppressed`, with the reason), as CBS suppresses small
    numbers. The country is never suppressed. The same gate serves the figures carried to 2024 boundaries
    (`published_harmonised` over `harmonisation`).

    The minimum and the decision are columns of a plain subquery, not LATERAL ones: DuckDB turns a lateral
    into a join of every row with its own distinct values, which more than doubled the cost of reading
    the view."""
    con.execute(
        f"""
        CREATE OR REPLACE VIEW {name} AS
        SELECT o.* EXCLUDE (value, missing_reason, minimum, suppressed),
               CASE WHEN suppressed THEN NULL ELSE o.value END AS value,
               CASE WHEN suppressed THEN format('minder dan {{}} inwoners', minimum) ELSE o.missing_reason END
                   AS missing_reason,
               suppressed
        FROM (SELECT o.*, coalesce(i.min_population, t.min_population, 0) AS minimum,
                     o.level <> 'land' AND coalesce(a.population < minimum, false) AS suppressed
              FROM {source} o
              JOIN indicators i ON i.id = o.indicator
              JOIN provenance p ON p.source_id = o.source_id
              LEFT JOIN tables t ON t.table_id = p.source_table
              LEFT JOIN area_population a ON a.area_code = o.area_code AND a.boundary_year = o.boundary_year
             ) o
        """
    )


def build_published_crime_counts(con: duckdb.DuckDBPyConnection) -> None:
    """The counts and populations behind the crime rates the gate publishes (for their exact intervals): a
    suppressed or missing rate has no published count, so no interval. A table sorted by area, so that a
    profile looks up its area's counts instead of running the gate per request. The counts are of the whole
    population: the subgroup is stored, so that readers join on equal columns only (a condition on one side
    of a join alone makes DuckDB compare every pair of rows)."""
    con.execute(
        f"""
        CREATE OR REPLACE TABLE published_crime_counts AS
        SELECT c.indicator, '{TOTAL_SUBGROUP}' AS subgroup, c.area_code, c.boundary_year, c.period, c.count,
               c.population
        FROM crime_counts c JOIN published_observations o
          ON o.indicator = c.indicator AND o.subgroup = '{TOTAL_SUBGROUP}' AND o.area_code = c.area_code
         AND o.boundary_year = c.boundary_year AND o.period = c.period
        WHERE o.value IS NOT NULL
        ORDER BY c.area_code
        """
    )


# The tidy rows of the values API and its exports (one per area, indicator, subgroup, boundary year and
# period), in the ONS style: area, indicator, period, value, unit and why a value is missing or suppressed,
# with the source of each value. Read through the gate; stored once by the build as `published_values`.
PUBLISHED_VALUES = """
    SELECT o.area_code, a.name AS area_name, o.level, o.indicator, o.subgroup, o.boundary_year, o.period,
           o.value, i.unit, o.missing_reason, p.source_table, p.source_column
    FROM published_observations o
    JOIN indicators i ON i.id = o.indicator
    JOIN provenance p USING (source_id)
    LEFT JOIN areas a ON a.code = o.area_code AND a.boundary_year = o.boundary_year
"""
VALUES_ORDER = "area_code, indicator, subgroup, boundary_year, period"
# The columns a selection of values may choose besides the area: the partitions of `published_value_partitions`.
PARTITIONED_BY = ("indicator", "level", "period", "boundary_year", "subgroup")


def build_published_values(con: duckdb.DuckDBPyConnection) -> None:
    """`PUBLISHED_VALUES` as a table, so that a request reads rows instead of joining the gate per request.

    Stored in `VALUES_ORDER`: the table's blocks then hold few area codes each, and DuckDB skips the blocks
    whose range of codes cannot match (the lookup of one area is the most common question). Beside it the
    extent of each partition (`published_value_partitions`)."""
    con.execute(f"CREATE OR REPLACE TABLE published_values AS {PUBLISHED_VALUES} ORDER BY {VALUES_ORDER}")
    # A selection without an area matches rows of every area: counting them read a column of all 3.9 million
    # rows per request (some 13 ms), and a page of them was looked for from the first row on (up to 11 ms
    # when the first match lies at row 2.9 million). Per partition its rows and its first and last area
    # code: a selection is counted from a few hundred rows, and its pages read the blocks between its areas.
    # And its values that are published (not missing or suppressed): the partitions an indicator can be
    # mapped in are read from here (finding them in the values took 15 ms per map).
    con.execute(
        f"""CREATE OR REPLACE TABLE published_value_partitions AS
            SELECT {", ".join(PARTITIONED_BY)}, count(*) AS row_count, min(area_code) AS first_area,
                   max(area_code) AS last_area, count(value) AS value_count
            FROM published_values GROUP BY ALL ORDER BY ALL"""
    )
