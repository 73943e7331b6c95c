"""Harmonised series: every wijk and gemeente figure carried to the latest boundaries (2024).

The VNG address matrices (`address_moves`) say which share of an old area's addresses lies in each area of
2024. With them the build carries every figure published on an older boundary year to 2024:

- a count (aggregation `sum`) is redistributed by address share: the new area gets the sum of each old
  area's count times the share of that old area's addresses that lie in it;
- a rate, percentage or mean (`weighted_mean`) is recomputed as the ratio of redistributed numerators and
  denominators. The sources publish only the rate, so the denominator is the old area's number of
  inhabitants (all ages: the snapshot has no population of the health monitor's age groups) and the
  numerator rate x inhabitants; for the crime rates (per 1 000 inhabitants) this is exactly the rate of the
  redistributed counts, for other denominators (households, dwellings, adults) an approximation. Where an
  old area's population is unknown, the addresses are the denominator for that new area instead; parts
  without a published figure that hold under 5% of the new area's addresses are left out (named in the
  method), more than that leaves the figure `not_harmonisable`;
- a ratio, code, score on a scale or an area in hectares (which follows land, not addresses) is carried
  only where the boundaries did not change.

Each carried figure gets a quality mark from the share of the new area's addresses that moved
(`moved_share`: 1 - the addresses from its main old area / the larger of the new area's and that old
area's addresses): `unchanged` (0), `slightly_changed` (under 5%), `changed`, or `not_harmonisable` (no
value: a contributing old area has no published figure, its population is unknown, or the figure is of a
kind that cannot be split). `harmonisation` holds the carried figures on boundary year 2024 with, for
each, the published boundary year, the old codes it came from, the quality mark and the method;
`observations` keeps every figure as published. The view `harmonised_observations` gives the carried
figures in the columns of `observations` (for the scores), and `published_harmonised` applies the same
minimum-population gate as `published_observations` (for every reader of figures).

Buurten have no matrices: they stay on their published boundaries only.
"""

from __future__ import annotations

import duckdb

from wijkzicht.warehouse.publish import build_published_observations
from wijkzicht.warehouse.queries import create_in_parts, one_value

TARGET_YEAR = 2024  # the VNG matrices carry every earlier boundary year to 2024 only
MATRIX_VARIANT = "adres"  # addresses with a residential function: the weight for people and households
LEVELS = ("gemeente", "wijk")  # buurten have no matrices
SLIGHT = 0.05  # under this share of moved addresses a change is 'slightly_changed'
DECIMALS = 9  # a recomputed figure's decimals: repeatable builds, far below any published precision
QUALITY = "ENUM('unchanged', 'slightly_changed', 'changed', 'not_harmonisable')"


def method_text(from_year: int) -> str:
    return (
        f"herverdeeld van grenzen {from_year} naar {TARGET_YEAR} naar aandeel adressen "
        f"(VNG grenswijzigen {from_year}->{TARGET_YEAR}, CC BY-NC-SA 4.0)"
    )


def build_boundary_map(con: duckdb.DuckDBPyConnection) -> None:
    """`boundary_map`: per level and old boundary year, each old code with the 2024 codes it goes to.

    Codes the matrix does not touch and that exist in both years map onto themselves (weight 1). Each row
    carries the new area's `moved_share` (see the module), the same for every row of that new area.
    """
    levels = ", ".join(f"'{level}'" for level in LEVELS)
    con.execute(
        f"""
        CREATE OR REPLACE TABLE boundary_map AS
        WITH old_years AS (
            SELECT DISTINCT level, boundary_year AS from_year FROM areas
            WHERE level IN ({levels}) AND boundary_year < {TARGET_YEAR}
        ),
        moves AS (
            SELECT level, from_year, old_code, new_code, addresses, weight FROM address_moves
            WHERE variant = '{MATRIX_VARIANT}' AND to_year = {TARGET_YEAR} AND level IN ({levels})
        ),
        untouched AS (  -- same code in both years, in no matrix row of that year
            SELECT y.level, y.from_year, a.code AS old_code, a.code AS new_code, NULL::DOUBLE AS addresses,
                   1.0 AS weight
            FROM old_years y
            JOIN areas a ON a.level = y.level AND a.boundary_year = y.from_year
            JOIN areas n ON n.code = a.code AND n.boundary_year = {TARGET_YEAR}
            ANTI JOIN moves m ON m.level = y.level AND m.from_year = y.from_year AND a.code = m.old_code
            ANTI JOIN moves k ON k.level = y.level AND k.from_year = y.from_year AND a.code = k.new_code
        ),
        outgoing AS (
            SELECT level, from_year, old_code, sum(addresses) AS addresses_out FROM moves GROUP BY ALL
        ),
        incoming AS (
            SELECT level, from_year, new_code, sum(addresses) AS addresses_in,
                   arg_max(old_code, addresses) AS main_code, max(addresses) AS kept
            FROM moves GROUP BY ALL
        ),
        moved AS (
            SELECT i.level, i.from_year, i.new_code,
                   1 - i.kept / greatest(i.addresses_in, o.addresses_out) AS moved_share
            FROM incoming i JOIN outgoing o
              ON o.level = i.level AND o.from_year = i.from_year AND o.old_code = i.main_code
        )
        SELECT m.level, m.from_year, m.old_code, m.new_code, m.addresses, m.weight, d.moved_share
        FROM moves m JOIN moved d USING (level, from_year, new_code)
        UNION ALL
        SELECT *, 0.0 FROM untouched
        ORDER BY level, from_year, new_code, old_code
        """
    )


def build_harmonised(con: duckdb.DuckDBPyConnection) -> None:
    """Carry every wijk and gemeente series on an older boundary year to 2024 (see the module).

    Reads `published_observations`, so a value suppressed for a small population is never redistributed
    (the new area then has no value, `not_harmonisable`).
    """
    build_boundary_map(con)
    levels = ", ".join(f"'{level}'" for level in LEVELS)
    # In steps, not one statement: the aggregation into lists over the joins' output ran out of memory under
    # the build's budget instead of spilling; from a table, in parts (`create_in_parts`), it keeps to it.
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE harmonise_contributions AS
        WITH series AS (  -- every published series of an older boundary year
            SELECT o.indicator, o.subgroup, o.level, o.boundary_year AS from_year, o.period,
                   min(o.source_id) AS source_id, any_value(i.aggregation) AS aggregation,
                   any_value(i.unit) AS unit
            FROM published_observations o JOIN indicators i ON i.id = o.indicator
            WHERE o.level IN ({levels}) AND o.boundary_year < {TARGET_YEAR}
            GROUP BY ALL
        ),
        contributions AS (  -- every (series, new area, old area), with the old area's figure if any
            SELECT s.*, m.new_code, m.old_code, m.weight, m.addresses, m.moved_share, o.value, o.missing_reason,
                   p.population
            FROM series s
            JOIN boundary_map m ON m.level = s.level AND m.from_year = s.from_year
            LEFT JOIN published_observations o
              ON o.indicator = s.indicator AND o.subgroup = s.subgroup AND o.area_code = m.old_code
             AND o.boundary_year = s.from_year AND o.period = s.period
            LEFT JOIN area_population p ON p.area_code = m.old_code AND p.boundary_year = s.from_year
        )
        SELECT * FROM contributions
        """
    )
    create_in_parts(
        con,
        "TEMP TABLE harmonise_combined",
        """
            SELECT indicator, subgroup, level, from_year, period, source_id, new_code AS area_code,
                   any_value(aggregation) AS aggregation, any_value(unit) AS unit,
                   any_value(moved_share) AS moved_share,
                   count(*) = 1 AND any_value(weight) = 1 AS whole,  -- one old area, all of it
                   list(old_code ORDER BY old_code) AS from_codes,
                   list(old_code ORDER BY old_code) FILTER (WHERE value IS NULL) AS without_value,
                   count(*) FILTER (WHERE value IS NOT NULL AND population IS NULL) AS without_population,
                   coalesce(sum(addresses) FILTER (WHERE value IS NULL), 0) / sum(addresses) AS missing_share,
                   any_value(value) AS only_value, any_value(missing_reason) AS only_reason,
                   sum(value * weight) AS redistributed,
                   sum(value * population * weight) / sum(population * weight) FILTER (WHERE value IS NOT NULL)
                       AS by_inhabitants,
                   sum(value * addresses) / sum(addresses) FILTER (WHERE value IS NOT NULL) AS by_addresses
            FROM harmonise_contributions WHERE {part} GROUP BY ALL
        """,
        rows_of="harmonise_contributions",
        key="new_code",
    )
    con.execute(
        f"""
        CREATE OR REPLACE TABLE harmonisation AS
        WITH judged AS (
            SELECT *,
                   CASE WHEN whole THEN NULL
                        -- a rate may leave out parts without a figure that hold under 5% of the addresses
                        WHEN len(without_value) > 0 AND (aggregation <> 'weighted_mean' OR missing_share >= {SLIGHT})
                        THEN 'niet te harmoniseren: geen gepubliceerd cijfer voor '
                             || array_to_string(without_value, ', ')
                        WHEN aggregation = 'sum' AND unit = 'ha'
                        THEN 'niet te harmoniseren: oppervlakte volgt geen adressen'
                        WHEN aggregation = 'sum' THEN NULL
                        WHEN aggregation <> 'weighted_mean'
                        THEN 'niet te harmoniseren: een verhouding, code of score wordt niet verdeeld '
                             || '(alleen aantallen, percentages en gemiddelden)'
                   END AS refusal
            FROM harmonise_combined
        )
        SELECT indicator, subgroup, area_code, level, {TARGET_YEAR} AS boundary_year, period,
               from_year AS published_year, source_id, from_codes, moved_share,
               CASE WHEN refusal IS NOT NULL THEN 'not_harmonisable'
                    WHEN moved_share + CASE WHEN whole THEN 0 ELSE missing_share END = 0 THEN 'unchanged'
                    WHEN moved_share + CASE WHEN whole THEN 0 ELSE missing_share END < {SLIGHT} THEN 'slightly_changed'
                    ELSE 'changed' END::{QUALITY} AS quality,
               CASE WHEN whole AND from_codes = [area_code] THEN 'zelfde gebied, ongewijzigde grenzen'
                    WHEN whole THEN format('zelfde gebied onder code {{}} in grenzen {{}}', from_codes[1], from_year)
                    WHEN aggregation = 'sum'
                    THEN 'aantal ' || 'herverdeeld van grenzen ' || from_year || ' naar {TARGET_YEAR}'
                         || ' naar aandeel adressen (VNG grenswijzigen)'
                    ELSE 'opnieuw berekend uit herverdeelde tellers en noemers (noemer: '
                         || CASE WHEN without_population > 0 THEN 'adressen' ELSE 'alle inwoners' END
                         || ') van grenzen ' || from_year || ' naar {TARGET_YEAR} naar aandeel adressen '
                         || '(VNG grenswijzigen)'
                         || CASE WHEN len(without_value) > 0
                                 THEN '; zonder ' || array_to_string(without_value, ', ')
                                      || format(' ({{:.1f}}% van de adressen, geen cijfer)', 100 * missing_share)
                                 ELSE '' END END AS method,
               CASE WHEN refusal IS NOT NULL THEN NULL
                    WHEN whole THEN only_value
                    -- rounded far below any published precision: sums of doubles in parallel add up in
                    -- varying order, and the last bits must not flip ties from one build to the next
                    WHEN aggregation = 'sum' THEN round(redistributed, {DECIMALS})
                    WHEN without_population > 0 THEN round(by_addresses, {DECIMALS})
                    ELSE round(by_inhabitants, {DECIMALS}) END AS value,
               CASE WHEN refusal IS NOT NULL THEN refusal WHEN whole THEN only_reason END AS missing_reason
        FROM judged
        ORDER BY area_code, indicator, subgroup, period
        """
    )
    con.execute("DROP TABLE harmonise_contributions")
    con.execute("DROP TABLE harmonise_combined")
    # The carried figures beside the observations, in their columns; `observations` itself stays as published.
    con.execute(
        """
        CREATE OR REPLACE VIEW harmonised_observations AS
        SELECT indicator, subgroup, area_code, level, boundary_year, period, value, missing_reason, source_id,
               NULL::INTEGER AS source_line
        FROM harmonisation
        """
    )
    build_published_observations(con, "published_harmonised", "harmonisation")


def harmonised_count(con: duckdb.DuckDBPyConnection) -> int:
    return one_value(con, "SELECT count(*) FROM harmonisation")
