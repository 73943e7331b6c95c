"""The monitor's index: standardised indicators, domain scores, stacking and the overall index.

Every step is set-based DuckDB SQL on TEMP tables of the open connection, so the results stay
inspectable (`standardised`, `domain_scores`, `area_index`); benchmarks/analysis_benchmark.py times a full
recompute of every level, boundary year, period and subgroup. The build stores the result with the default
settings in the warehouse (`store_scores`); other settings recompute into TEMP tables that shadow it.
A *partition* is one (level, boundary year, period, subgroup): areas are only ever compared with the
other areas of their own partition.

1. `score_input`: the figures of scored indicators as the publishing gate gives them (`published_observations`
   and, on boundary year 2024, every wijk and gemeente figure the build carried to 2024,
   `published_harmonised`): a value below its minimum population is withheld there, and the population
   that decided it (same code, nearest boundary year; see docs/method.md) is kept for the reason. The latest
   boundary year is the default everywhere, so by default every period is scored on 2024 boundaries.
2. `standardised`: per indicator and partition, the national percentile (0..100, mid-rank for ties)
   and z-score, with the direction applied so that higher always means more problems; and per area
   the weighted mean of its percentiles per domain of each partition (`domain_means`), which no setting
   changes.
3. `score_memberships`: which partitions each series counts in: its own, and the *latest picture* of its
   level and boundary year (subgroup `actueel`) when it is its indicator's latest series within the window
   (`Settings.picture_window` years up to the newest period of that level and boundary year), for the
   whole population (`POPULATION_SUBGROUPS`). The sources' years differ (a survey every four years,
   registers yearly), so no single period holds every domain; the picture stacks them all, each figure
   keeping its own year. Its period is the newest year of the window.
4. `domain_scores`: the weighted mean of an area's indicator percentiles per domain, its coverage,
   the domain's percentile among the areas of the partition and a flag for the worst share.
5. `area_index`: per area the number and names of the domains in the worst share (stacking) and an
   overall index: the mean of exponentially transformed domain ranks (English Indices of Deprivation).
"""

from __future__ import annotations

import math
from dataclasses import asdict, astuple, dataclass, field
from typing import Any

import duckdb

from wijkzicht import codes
from wijkzicht.catalogue import (
    LATEST_PICTURE,
    PARTITION_PREFERENCE,
    POPULATION_SUBGROUPS,
    Catalogue,
    Indicator,
)
from wijkzicht.errors import WijkzichtError
from wijkzicht.records import plain
from wijkzicht.warehouse.queries import literal, one_value

PARTITION = ("level", "boundary_year", "period", "subgroup")
# The columns scored from both published views (the figures as published, and those carried to 2024).
PUBLISHED_COLUMNS = "indicator, subgroup, area_code, level, boundary_year, period, value, missing_reason, suppressed, source_id"
# English Indices of Deprivation: X = -23 ln(1 - R (1 - e^(-100/23))) maps the rank fraction R in (0, 1]
# onto 0..100 so that only the most deprived part of a domain reaches high values; a very bad domain
# is then not cancelled by a good one.
EXPONENTIAL_CONSTANT = 23.0
EXPONENTIAL_SPAN = 1 - math.exp(-100 / EXPONENTIAL_CONSTANT)
# Scores are rounded far below any shown precision: a mean of doubles summed in parallel varies in its last
# bits from run to run, and ties between areas must not flip from one build to the next.
SCORE_DECIMALS = 9


@dataclass(frozen=True)
class Settings:
    worst_share: float = 0.10  # the "worst decile": share of a level's areas flagged per domain
    min_coverage: float = 0.5  # share of a domain's published indicators an area needs for a score
    picture_window: int = 5  # years, up to the newest period, from which the latest picture takes figures

    def __post_init__(self) -> None:
        if not 0 < self.worst_share < 1:
            raise WijkzichtError(f"worst share must lie between 0 and 1, not {self.worst_share}")
        if not 0 < self.min_coverage <= 1:
            raise WijkzichtError(f"minimum coverage must lie in (0, 1], not {self.min_coverage}")
        if self.picture_window < 1:
            raise WijkzichtError(
                f"the latest picture's window must be at least 1 year, not {self.picture_window}"
            )


@dataclass(frozen=True)
class Selection:
    """Which partitions to compute; partitions are independent, so a selection never changes a result."""

    level: str | None = None
    boundary_year: int | None = None
    period: int | None = None
    subgroup: str | None = None

    def where(self, alias: str) -> tuple[str, list[object]]:
        chosen = [(column, value) for column, value in asdict(self).items() if value is not None]
        clause = " AND ".join(f"{alias}.{column} = ?" for column, _ in chosen) or "TRUE"
        return clause, [value for _, value in chosen]

    def admits(self, explained: Explanation) -> bool:
        """Whether the explained partition is one `explain` may choose for this selection."""
        partition = (explained.level, explained.boundary_year, explained.period, explained.subgroup)
        chosen = all(asked in (None, given) for asked, given in zip(astuple(self), partition, strict=True))
        return chosen and not (self.excludes_picture and explained.subgroup == LATEST_PICTURE)

    @property
    def excludes_picture(self) -> bool:
        """A period asked for without a subgroup means that period's own figures, not the latest picture
        (whose period is only the newest year of its window)."""
        return self.period is not None and self.subgroup is None

    def input_where(self, alias: str) -> str:
        """The filter on the observations to score, with the values written out (a view takes no parameters).

        Only level and boundary year narrow the input: the latest picture of a level and boundary year takes
        figures from several periods and subgroups, so every one of them is scored.
        """
        chosen = [(column, getattr(self, column)) for column in ("level", "boundary_year")]
        clauses = [
            f"{alias}.{column} = {_sql_literal(value)}" for column, value in chosen if value is not None
        ]
        return " AND ".join(clauses) or "TRUE"


def _sql_literal(value: object) -> str:
    return str(value) if isinstance(value, int) else literal(str(value))


def scored_indicators(catalogue: Catalogue) -> list[Indicator]:
    return [indicator for indicator in catalogue.indicators.values() if indicator.scored]


def register_indicators(con: duckdb.DuckDBPyConnection, indicators: list[Indicator]) -> None:
    """The scored part of the catalogue as a TEMP table, so a test can score with a changed catalogue."""
    con.execute(
        """CREATE OR REPLACE TEMP TABLE score_indicators (indicator VARCHAR PRIMARY KEY, domain VARCHAR,
           direction VARCHAR, weight DOUBLE, min_population INTEGER)"""
    )
    rows = [(i.id, i.domain, i.direction, i.weight, i.min_population) for i in indicators if i.scored]
    if rows:
        con.executemany("INSERT INTO score_indicators VALUES (?, ?, ?, ?, ?)", rows)


def prepare_input(con: duckdb.DuckDBPyConnection, selection: Selection) -> None:
    """The series to score (`score_series`) and a view of the published figures of the registered
    indicators (`score_input`), each with the population that decided its suppression (for the reason shown).

    Only series with values across the country are scored (a local series has no national percentile).
    They are numbered from `series_coverage`, one row per series, rather than found among the millions of
    figures; standardising keeps only the figures of these series.

    The figures come through the publishing gate like every other output's: the scores never see a value
    the gate withholds. A view, not a table: copying three million rows would cost more than the whole
    standardisation.
    """
    _number_series(
        con,
        "series_coverage c",
        f"c.coverage = 'national' AND c.level <> 'land' AND {selection.input_where('c')}",
    )
    con.execute(
        f"""
        CREATE OR REPLACE TEMP VIEW score_input AS
        SELECT o.indicator, o.subgroup, o.area_code, o.level, o.boundary_year, o.period, o.value,
               o.missing_reason, coalesce(s.min_population, t.min_population, 0) AS min_population,
               a.population, a.population_year, o.suppressed
        FROM (SELECT {PUBLISHED_COLUMNS} FROM published_observations
              UNION ALL SELECT {PUBLISHED_COLUMNS} FROM published_harmonised) o
        JOIN score_indicators s USING (indicator)
        JOIN provenance p USING (source_id)
        LEFT JOIN tables t ON t.table_id = p.source_table
        LEFT JOIN area_population a ON a.area_code = o.area_code AND a.boundary_year = o.boundary_year
        WHERE o.level <> 'land' AND {selection.input_where("o")}
        """
    )


def number_series(con: duckdb.DuckDBPyConnection) -> None:
    """`score_series` for a `score_input` table of one's own (a test's): every series it holds."""
    _number_series(
        con, "(SELECT DISTINCT indicator, subgroup, level, boundary_year, period FROM score_input) c"
    )


def _number_series(con: duckdb.DuckDBPyConnection, source: str, where: str = "TRUE") -> None:
    """One row per series of the registered indicators, with what is the same for all its figures."""
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE score_series AS
        SELECT (row_number() OVER (ORDER BY c.indicator, c.subgroup, c.level, c.boundary_year, c.period))::INTEGER
                   AS series,
               c.indicator, c.subgroup, c.level, c.boundary_year, c.period, s.domain, s.weight,
               s.direction = 'higher_is_worse' AS worse_when_higher
        FROM {source} JOIN score_indicators s USING (indicator)
        WHERE {where}
        """
    )


def standardise(con: duckdb.DuckDBPyConnection) -> None:
    """Percentile (mid-rank) and z-score per indicator series; higher always means more problems.

    A series is one indicator in one partition. Mid-ranks (the mean of the tied positions) put a tie in
    the middle of its positions, so flipping an indicator's direction mirrors every percentile exactly
    (p becomes 100 - p). Positions are counted over the distinct values of a series (survey percentages
    have few), which is several times faster than a window over every area.

    The millions of rows are kept narrow (`standardised_values`: series number, area, status, value,
    percentile, z-score); what is the same for a whole series lives once in `score_series` (numbered before,
    by `prepare_input` or `number_series`), and the view `standardised` joins the two for reading. A figure
    of a series not in `score_series` is left out.
    """
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE standardised_values AS
        WITH judged AS (
            SELECT s.series, i.area_code,
                   CASE WHEN i.suppressed THEN 'suppressed'  -- withheld by the gate
                        WHEN i.value IS NULL THEN 'missing'
                        ELSE 'ranked' END::ENUM('ranked', 'missing', 'suppressed') AS status,
                   i.value,
                   CASE WHEN status = 'missing' THEN i.missing_reason
                        WHEN status = 'suppressed'
                        -- concat, not format: format costs half a second over the suppressed rows
                        THEN concat('minder dan ', i.min_population, ' inwoners (', i.population::BIGINT,
                                    ' in grensjaar ', i.population_year, ')')
                   END AS reason,
                   CASE WHEN status <> 'ranked' THEN NULL
                        WHEN s.worse_when_higher THEN i.value ELSE -i.value END AS oriented
            FROM score_input i
            JOIN score_series s USING (indicator, subgroup, level, boundary_year, period)
        ),
        distinct_values AS (
            SELECT series, oriented, count(*) AS tied FROM judged WHERE oriented IS NOT NULL GROUP BY ALL
        ),
        positions AS (
            SELECT *, sum(tied) OVER (PARTITION BY series ORDER BY oriented
                                      ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) - tied AS below
            FROM distinct_values
        ),
        spread AS (
            SELECT series, count(oriented) AS areas, avg(oriented) AS mean, stddev_pop(oriented) AS sd
            FROM judged GROUP BY ALL
        )
        SELECT j.series, j.area_code, j.status, j.value, j.reason,
               CASE WHEN j.oriented IS NULL THEN NULL
                    WHEN s.areas = 1 THEN 50.0
                    ELSE 100.0 * (p.below + (p.tied - 1) / 2.0) / (s.areas - 1) END AS percentile,
               CASE WHEN s.sd > 0 THEN round((j.oriented - s.mean) / s.sd, $decimals) END AS z_score
        FROM judged j
        JOIN spread s USING (series)
        LEFT JOIN positions p USING (series, oriented)
        """,
        {"decimals": SCORE_DECIMALS},
    )
    con.execute(_standardised_view("temp"))
    _average_own_partitions(con)


def _average_own_partitions(con: duckdb.DuckDBPyConnection) -> None:
    """`domain_means`: per area, and per partition and domain of its series, the weighted mean of the area's
    ranked percentiles and their number (a domain score before the coverage rule).

    No setting changes them, since a series always counts in its own partition, so they are stored with the
    standardisation and a recompute with other settings reads them; only the latest picture's, whose series
    depend on `picture_window`, are averaged again (`score_domains`).
    """
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE domain_means AS
        SELECT v.area_code, s.level, s.boundary_year, s.period, s.subgroup, s.domain, count(*) AS indicators_used,
               round(sum(s.weight * v.percentile) / sum(s.weight), {SCORE_DECIMALS}) AS score
        FROM standardised_values v JOIN score_series s USING (series)
        WHERE v.status = 'ranked' GROUP BY ALL
        """
    )


def _standardised_view(schema: str) -> str:
    """The wide view of the standardised rows, over the tables of one schema (temp or main)."""
    create = (
        "CREATE OR REPLACE TEMP VIEW standardised" if schema == "temp" else "CREATE VIEW main.standardised"
    )
    return f"""
        {create} AS
        SELECT s.indicator, s.subgroup, v.area_code, s.level, s.boundary_year, s.period, s.domain, s.weight,
               v.status, v.value, v.reason, v.percentile, v.z_score, v.series
        FROM {schema}.standardised_values v JOIN {schema}.score_series s USING (series)
        """


def choose_memberships(
    con: duckdb.DuckDBPyConnection, settings: Settings, series: str = "score_series"
) -> None:
    """Each series in its own partition, and the series of the latest picture in that partition too.

    Per indicator, level and boundary year the picture takes the latest series within the window (the
    `picture_window` years up to the newest period of the level and boundary year) for the whole
    population: the adults of a survey before the total of a register, never an age band.
    `series` is the table or subquery of the series to place (`score_series` unless a selection narrows it).
    """
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE score_memberships AS
        WITH score_series AS (SELECT * FROM {series}),
        newest AS (
            SELECT level, boundary_year, max(period) AS newest_period FROM score_series GROUP BY ALL
        ),
        picture AS (
            SELECT s.series, s.level, s.boundary_year, n.newest_period AS period,
                   {_sql_literal(LATEST_PICTURE)} AS subgroup, s.domain, s.weight
            FROM score_series s JOIN newest n USING (level, boundary_year)
            WHERE s.period > n.newest_period - ? AND list_contains(?::VARCHAR[], s.subgroup)
            QUALIFY row_number() OVER (
                PARTITION BY s.indicator, s.level, s.boundary_year
                ORDER BY s.period DESC, list_position(?::VARCHAR[], s.subgroup)) = 1
        )
        SELECT series, level, boundary_year, period, subgroup, domain, weight FROM score_series
        UNION ALL
        SELECT * FROM picture
        """,
        [settings.picture_window, list(POPULATION_SUBGROUPS), list(POPULATION_SUBGROUPS)],
    )


def score_domains(con: duckdb.DuckDBPyConnection, settings: Settings) -> None:
    """Weighted mean of indicator percentiles per area and domain; its rank and worst-share flag.

    Coverage is the number of the area's ranked indicators over the domain's indicators published for
    the partition; below `min_coverage` the area gets no score for that domain rather than a thin one.
    A series counts in every partition it is a member of (`score_memberships`).

    Like `standardised`, the view `domain_scores` joins narrow rows (`domain_score_values`: area, ranking
    number, figures) to what is the same for a whole ranking (`domain_rankings`): writing the partition and
    domain out on each of some 400,000 rows cost more than computing them.
    """
    _number_rankings(con)
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE domain_score_values AS
        WITH picture_memberships AS (
            SELECT m.series, m.weight, r.ranking
            FROM score_memberships m JOIN domain_rankings r USING (level, boundary_year, period, subgroup, domain)
            WHERE m.subgroup = {_sql_literal(LATEST_PICTURE)}
        ),
        per_area AS (  -- the series' own partitions as averaged by the standardisation, the latest picture here
            SELECT o.area_code, r.ranking, o.indicators_used, o.score
            FROM domain_means o JOIN domain_rankings r USING (level, boundary_year, period, subgroup, domain)
            UNION ALL
            SELECT v.area_code, m.ranking, count(*) AS indicators_used,
                   round(sum(m.weight * v.percentile) / sum(m.weight), {SCORE_DECIMALS}) AS score
            FROM standardised_values v JOIN picture_memberships m USING (series)
            WHERE v.status = 'ranked' GROUP BY ALL
        ),
        covered AS (  -- narrow: the window's sort carries every column along, the labels join after it
            SELECT a.* FROM per_area a JOIN domain_rankings r USING (ranking)
            WHERE a.indicators_used >= ? * r.indicators_published
        ),
        positioned AS (
            SELECT *,
                   rank() OVER by_score AS first_position,
                   count(*) OVER by_score AS last_position,  -- the areas at most as bad: one sort for both
                   count(*) OVER (PARTITION BY ranking) AS areas
            FROM covered
            WINDOW by_score AS (PARTITION BY ranking ORDER BY score)
        )
        -- rank_fraction is the share of areas at most as bad (IoD's R); the worst share counts the areas at
        -- least as bad, so a tie at the threshold is either wholly in or wholly out.
        SELECT area_code, ranking, score, indicators_used, areas,
               CASE WHEN areas = 1 THEN 50.0
                    ELSE 100.0 * ((first_position + last_position) / 2.0 - 1) / (areas - 1) END AS percentile,
               -{EXPONENTIAL_CONSTANT} * ln(1 - last_position / areas * {EXPONENTIAL_SPAN})
                   AS exponential_score,
               (areas - first_position + 1) / areas <= ? AS worst
        FROM positioned
        """,
        [settings.min_coverage, settings.worst_share],
    )
    con.execute(
        """
        CREATE OR REPLACE TEMP VIEW domain_scores AS
        SELECT v.area_code, r.level, r.boundary_year, r.period, r.subgroup, r.domain, v.score, v.indicators_used,
               r.indicators_published, v.indicators_used / r.indicators_published AS coverage, v.areas,
               v.percentile, v.exponential_score, v.worst
        FROM temp.domain_score_values v JOIN temp.domain_rankings r USING (ranking)
        """
    )


def _number_rankings(con: duckdb.DuckDBPyConnection) -> None:
    """`domain_rankings`: one numbered row per partition and domain with published indicators (at least one
    ranked area in the partition), and the number of those indicators."""
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE domain_rankings AS
        WITH published AS (
            SELECT {", ".join(PARTITION)}, domain, count(*) AS indicators_published
            FROM score_memberships
            -- grouped: a plain IN probes the memberships with each of the 3.6 million ranked values
            WHERE series IN (SELECT series FROM standardised_values WHERE status = 'ranked' GROUP BY series)
            GROUP BY ALL
        )
        SELECT (row_number() OVER (ORDER BY {", ".join(PARTITION)}, domain))::INTEGER AS ranking,
               (dense_rank() OVER (ORDER BY {", ".join(PARTITION)}))::INTEGER AS partition_number, *
        FROM published
        """
    )


def stack(con: duckdb.DuckDBPyConnection, settings: Settings) -> None:
    """Per area: the domains in the worst share (stacking) and the overall index with its percentile.

    The coverage rule of a domain score holds one step up: an area is stacked and indexed only with scores
    in at least `min_coverage` of the domains scored in its partition, so a wijk scored on one domain
    (a business park with only housing figures) does not top the index on that domain alone.
    It reads the narrow rows of `domain_scores` with their partition's number: grouping and sorting on one
    integer instead of four labels; the labels join at the end.
    """
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE area_index AS
        WITH scored AS (
            SELECT v.area_code, r.partition_number, r.domain, v.exponential_score, v.worst
            FROM domain_score_values v JOIN domain_rankings r USING (ranking)
        ),
        partition_domains AS (
            SELECT partition_number, count(DISTINCT domain) AS domains FROM scored GROUP BY ALL
        ),
        per_area AS (
            SELECT area_code, partition_number, round(avg(exponential_score), {SCORE_DECIMALS}) AS score,
                   count(*) AS domains_scored,
                   count(*) FILTER (WHERE worst) AS worst_domains,
                   coalesce(list(domain ORDER BY domain) FILTER (WHERE worst), []) AS worst_domain_names
            FROM scored GROUP BY ALL
        ),
        combined AS (
            SELECT a.* FROM per_area a JOIN partition_domains p USING (partition_number)
            WHERE a.domains_scored >= ? * p.domains
        ),
        positioned AS (
            SELECT *,
                   rank() OVER by_score AS first_position,
                   count(*) OVER by_score - first_position + 1 AS tied,  -- one sort for both
                   count(*) OVER (PARTITION BY partition_number) AS areas
            FROM combined
            WINDOW by_score AS (PARTITION BY partition_number ORDER BY score)
        ),
        partitions AS (SELECT DISTINCT partition_number, {", ".join(PARTITION)} FROM domain_rankings)
        SELECT x.area_code, {", ".join(f"p.{column}" for column in PARTITION)}, x.score, x.domains_scored,
               x.worst_domains, x.worst_domain_names, x.areas,
               CASE WHEN x.areas = 1 THEN 50.0
                    ELSE 100.0 * (x.first_position + (x.tied - 1) / 2.0 - 1) / (x.areas - 1) END AS percentile
        FROM positioned x JOIN partitions p USING (partition_number)
        """,
        [settings.min_coverage],
    )


def compute(
    con: duckdb.DuckDBPyConnection,
    catalogue: Catalogue,
    selection: Selection | None = None,
    settings: Settings | None = None,
) -> None:
    """Recompute every step for the selection (everything by default) into the connection's TEMP tables."""
    register_indicators(con, scored_indicators(catalogue))
    prepare_input(con, selection or Selection())
    score_from_input(con, settings or Settings())


def score_from_input(con: duckdb.DuckDBPyConnection, settings: Settings) -> None:
    """Steps 2-5 on an existing `score_input` and its `score_series` (the warehouse's, or a test's own)."""
    standardise(con)
    score_standardised(con, settings)


def score_standardised(
    con: duckdb.DuckDBPyConnection, settings: Settings, series: str = "score_series"
) -> None:
    """Steps 3-5, the only ones that read a setting, on the `standardised_values` in view."""
    choose_memberships(con, settings, series)
    score_domains(con, settings)
    stack(con, settings)


# Stored sorted by area, so that reading one area's scores touches few row groups.
STORED_SCORES = {
    "score_series": "series",
    "score_memberships": "series",
    "standardised_values": "area_code, series",
    "domain_means": "area_code, level, boundary_year, period, subgroup, domain",
    "domain_scores": "area_code, level, boundary_year, period, subgroup, domain",
    "area_index": "area_code, level, boundary_year, period, subgroup",
}

# What a recompute leaves in TEMP: wide views over narrow tables, and the tables themselves.
RECOMPUTED_VIEWS = ("standardised", "domain_scores")
RECOMPUTED_TABLES = (
    "score_series",
    "score_memberships",
    "standardised_values",
    "domain_means",
    "domain_rankings",
    "domain_score_values",
    "area_index",
)


def store_scores(con: duckdb.DuckDBPyConnection, catalogue: Catalogue) -> None:
    """Compute every partition with the default settings and keep the result as warehouse tables.

    The build does this once, so the CLI and the web application read scores instead of recomputing them;
    a recompute with other settings (`use_scores`) shadows the stored memberships, domain scores and index
    with TEMP tables and views of the same names on its own connection only.
    """
    compute(con, catalogue)
    for table, order in STORED_SCORES.items():
        con.execute(f"CREATE OR REPLACE TABLE main.{table} AS SELECT * FROM temp.{table} ORDER BY {order}")
    for view in RECOMPUTED_VIEWS:
        con.execute(f"DROP VIEW temp.{view}")
    for table in RECOMPUTED_TABLES:
        con.execute(f"DROP TABLE temp.{table}")
    con.execute(_standardised_view("main"))


def use_scores(con: duckdb.DuckDBPyConnection, selection: Selection, settings: Settings) -> None:
    """The stored scores serve the default settings; other settings rescore the selection on `con`, from the
    stored standardisation (of the catalogue the warehouse was built with, like the stored scores)."""
    if settings != Settings():
        rescore_stored(con, selection, settings)


def rescore_stored(con: duckdb.DuckDBPyConnection, selection: Selection, settings: Settings) -> None:
    """The steps that read a setting (memberships, domain scores, stacking) into TEMP tables, on the stored
    standardisation: percentiles and z-scores read no setting and are three quarters of a full recompute, and
    neither do the domain means of the series' own partitions (`domain_means`).

    The selection narrows the series to place as `prepare_input` does; the stored series and the stored
    `standardised` view stay whole, so the new memberships refer to their numbers.
    """
    # What an earlier recompute on this connection left would shadow the stored standardisation; a TEMP
    # table shadows even a name written `main.table` (the TEMP catalogue has a schema `main` too).
    con.execute("DROP VIEW IF EXISTS temp.standardised")
    for table in ("standardised_values", "score_series", "domain_means"):
        con.execute(f"DROP TABLE IF EXISTS temp.{table}")
    score_standardised(con, settings, f"(SELECT * FROM score_series s WHERE {selection.input_where('s')})")


# --- Reading the results ------------------------------------------------------------------------


@dataclass(frozen=True)
class RankedArea:
    rank: int
    code: str
    name: str | None
    level: str
    boundary_year: int
    period: int
    subgroup: str
    score: float
    percentile: float
    worst_domains: list[str]
    domains_scored: int
    coverage: float | None = None  # for a domain ranking only
    gemeente_name: str | None = None
    indicators_used: int | None = None  # for a domain ranking only: the indicators behind the score
    # Rank stability (monitor/stability.py, latest picture only): the share of scoring variants in which the
    # area is in the worst share, its label (robust | borderline | not_worst) and its rank interval.
    stability_share: float | None = None
    stability: str | None = None
    rank_low: int | None = None
    rank_high: int | None = None

    def as_dict(self) -> dict[str, object]:
        return plain(self)


# How a ranking can be ordered: by rank (most problems first) either way, by name, or by gemeente name.
RANK_ORDERS = {
    "rank": "n.rank",
    "-rank": "n.rank DESC",
    "name": "lower(coalesce(a.name, n.area_code)), n.rank",
    "-name": "lower(coalesce(a.name, n.area_code)) DESC, n.rank",
    "gemeente": "lower(g.name) NULLS LAST, n.rank",
    "-gemeente": "lower(g.name) DESC NULLS LAST, n.rank",
    "stability": "st.worst_share DESC NULLS LAST, n.rank",
    "-stability": "st.worst_share NULLS LAST, n.rank",
}
# A ranking narrowed to areas within a list of codes (a gemeente, a focus area's wijken); NULL: all areas.
WITHIN = f"""(?::VARCHAR[] IS NULL OR list_bool_or(
                [{codes.sql_lies_in("r.area_code", "c")} FOR c IN ?::VARCHAR[]]))"""


def rank_areas(
    con: duckdb.DuckDBPyConnection,
    selection: Selection,
    *,
    domain: str | None = None,
    within: list[str] | None = None,
    order: str = "rank",
    limit: int | None = None,
    offset: int = 0,
) -> tuple[int, list[RankedArea]]:
    """Areas from most to least problems on one domain, or on the overall index without a domain: the
    number of areas that match, and those of the requested page in the requested order.

    `within` keeps only the areas inside any of the given gemeenten or wijken (by code: a buurt's code
    extends its wijk's, a wijk's its gemeente's). The percentile is always the national one: the filter only
    narrows the list afterwards.
    """
    if order not in RANK_ORDERS:
        raise WijkzichtError(f"unknown order {order!r} (expected one of: {', '.join(RANK_ORDERS)})")
    where, parameters = selection.where("r")
    if domain is None:
        source = "SELECT *, NULL::DOUBLE AS coverage, NULL::INTEGER AS indicators_used FROM area_index"
    else:
        source = """SELECT d.*, x.worst_domain_names, x.domains_scored FROM domain_scores d
                    JOIN area_index x USING (area_code, level, boundary_year, period, subgroup)
                    WHERE d.domain = ?"""
        parameters = [domain, *parameters]
    rows = con.execute(
        f"""
        WITH chosen AS (
            SELECT r.*, {codes.sql_gemeente_of("r.area_code")} AS gemeente
            FROM ({source}) r
            WHERE {where} AND {WITHIN}
        ),
        numbered AS (
            SELECT *, row_number() OVER (ORDER BY score DESC, area_code) AS rank, count(*) OVER () AS total
            FROM chosen
        )
        SELECT n.rank, n.area_code, a.name, n.level, n.boundary_year, n.period, n.subgroup, n.score,
               n.percentile, n.worst_domain_names, n.domains_scored, n.coverage, g.name, n.indicators_used,
               st.worst_share, st.label, st.rank_low, st.rank_high, n.total
        FROM numbered n
        LEFT JOIN areas a ON a.code = n.area_code AND a.boundary_year = n.boundary_year
        LEFT JOIN areas g ON g.code = n.gemeente AND g.boundary_year = n.boundary_year
        LEFT JOIN main.rank_stability st ON st.area_code = n.area_code AND st.level = n.level
             AND st.boundary_year = n.boundary_year AND st.period = n.period AND st.subgroup = n.subgroup
             AND st.score = coalesce(?, 'index')
        ORDER BY {RANK_ORDERS[order]} LIMIT ? OFFSET ?
        """,
        [*parameters, within, within, domain, limit, offset],
    ).fetchall()
    total = rows[0][-1] if rows else count_ranked(con, source, where, parameters, within)
    return total, [RankedArea(*row[:-1]) for row in rows]


def count_ranked(
    con: duckdb.DuckDBPyConnection,
    source: str,
    where: str,
    parameters: list[object],
    within: list[str] | None,
) -> int:
    """The number of matching areas when the requested page lies past the last one."""
    return one_value(
        con,
        f"SELECT count(*) FROM ({source}) r WHERE {where} AND {WITHIN}",
        [*parameters, within, within],
    )


@dataclass(frozen=True)
class IndicatorContribution:
    indicator: str
    status: str  # ranked | suppressed | missing
    value: float | None
    percentile: float | None
    z_score: float | None
    weight: float
    contribution: float | None  # this indicator's share of the domain score (sums to the score)
    reason: str | None
    # The figure's own period and subgroup: in the latest picture they differ per indicator.
    period: int
    subgroup: str


@dataclass(frozen=True)
class DomainExplanation:
    domain: str
    score: float | None
    percentile: float | None
    worst: bool
    coverage: float | None
    indicators: list[IndicatorContribution] = field(default_factory=list)


@dataclass(frozen=True)
class Explanation:
    code: str
    level: str
    boundary_year: int
    period: int
    subgroup: str
    overall_score: float | None
    overall_percentile: float | None
    worst_domains: list[str]
    domains: list[DomainExplanation]

    def as_dict(self) -> dict[str, object]:
        return plain(self)


def explain(con: duckdb.DuckDBPyConnection, code: str, selection: Selection) -> Explanation:
    """Why an area scores as it does: per domain each indicator's value, percentile and contribution.

    One query: the partition chosen as `latest_partition` chooses, then every indicator row of it beside
    its domain's score and the index. A profile reads its own area's from `area_explanations` instead."""
    where, parameters = selection.where("m")
    rows = con.execute(
        _explanations_query(f"{where} AND {_picture_unless_period_asked(selection, 'm')}", one_area=True),
        [code, *parameters, list(PARTITION_PREFERENCE), code, code, code],
    ).fetchall()
    return _explanation(code, selection, [row[1:] for row in rows])


def store_explanations(con: duckdb.DuckDBPyConnection) -> None:
    """`area_explanations`: every scored area's explanation on the stored scores, in the partition `explain`
    chooses for its own level and each boundary year it is scored on, made once by the build in one query so
    that a profile reads its area's rows instead of choosing the partition and ranking the contributions.

    Every boundary year, not only the latest: a buurt scored on older boundaries shows its gemeente's scores
    on those, and choosing that partition alone cost some 13 ms of CPU per gemeente."""
    query = _explanations_query("TRUE", one_area=False, per_boundary_year=True)
    con.execute(
        f"""CREATE OR REPLACE TABLE area_explanations AS
            SELECT *, boundary_year = max(boundary_year) OVER (PARTITION BY area_code, level) AS latest
            FROM ({query}) ORDER BY area_code, level, boundary_year, {_EXPLANATION_ORDER}""",
        [list(PARTITION_PREFERENCE)],
    )


def explain_stored(con: duckdb.DuckDBPyConnection, code: str, selection: Selection) -> Explanation:
    """What `explain` gives on the stored scores, read from `area_explanations` when it can be.

    The stored partition of the selection's boundary year (by default the latest the area is scored on) is
    the best of that year's partitions; when the selection admits it, it is also the best of those the
    selection admits. Otherwise the area is explained alone. An area without stored rows (of the boundary
    year asked for) has no scored partition there at all."""
    # read in the order stored, which DuckDB keeps (sorting a few dozen rows again cost a third of the lookup)
    rows = con.execute(
        "SELECT * EXCLUDE (area_code, latest) FROM area_explanations WHERE area_code = ? AND level = ? "
        "AND (boundary_year = ? OR (? IS NULL AND latest))",
        [code, selection.level, selection.boundary_year, selection.boundary_year],
    ).fetchall()
    stored = _explanation(code, selection, rows)
    return stored if selection.admits(stored) else explain(con, code, selection)


# The order of an explanation's rows: domains, and within a domain the largest contribution first.
_EXPLANATION_ORDER = "domain, contribution DESC NULLS LAST, indicator"


def _explanations_query(where: str, *, one_area: bool, per_boundary_year: bool = False) -> str:
    """Per area, among the partitions matching `where` (on `m`, a series' membership): the one with the
    latest boundary year (with `per_boundary_year`, one in each boundary year), then the most domains, the
    latest period and the preferred subgroup; then every indicator row of that partition beside its domain's
    score and the index. With `one_area`, only the area whose code is the first parameter and the last three:
    every table read is filtered on it, which skips most of their row groups (a join on the area code would
    read them all)."""
    area = "v.area_code = ? AND" if one_area else ""
    chosen_per = "area_code, level, boundary_year" if per_boundary_year else "area_code, level"

    def of_area(table: str) -> str:
        return f"(SELECT * FROM {table} WHERE area_code = ?)" if one_area else table

    return f"""
        WITH candidates AS (
            SELECT v.area_code, m.level, m.boundary_year, m.period, m.subgroup,
                   count(DISTINCT m.domain) AS domains
            FROM standardised_values v JOIN score_memberships m USING (series)
            WHERE {area} {where} AND v.percentile IS NOT NULL
            GROUP BY ALL
        ),
        chosen AS (
            SELECT area_code, level, boundary_year, period, subgroup FROM candidates
            QUALIFY row_number() OVER (
                PARTITION BY {chosen_per}
                ORDER BY boundary_year DESC, domains DESC, period DESC,
                         list_position(?::VARCHAR[], subgroup) NULLS LAST, subgroup) = 1
        ),
        parts AS (
            SELECT k.area_code, k.level, k.boundary_year, k.period AS partition_period,
                   k.subgroup AS partition_subgroup,
                   s.domain, s.indicator, s.status, s.value, s.percentile, s.z_score, s.weight,
                   CASE WHEN s.status = 'ranked'
                        THEN s.weight * s.percentile / sum(s.weight) FILTER (WHERE s.status = 'ranked')
                             OVER (PARTITION BY k.area_code, k.level, k.boundary_year, s.domain) END AS contribution,
                   s.reason, s.period, s.subgroup
            FROM chosen k
            JOIN score_memberships m ON m.level = k.level AND m.boundary_year = k.boundary_year
                 AND m.period = k.period AND m.subgroup = k.subgroup
            JOIN {of_area("standardised")} s ON s.series = m.series AND s.area_code = k.area_code
        )
        SELECT p.area_code, p.level, p.boundary_year, p.partition_period, p.partition_subgroup,
               x.score AS index_score, x.percentile AS index_percentile, x.worst_domain_names,
               d.score AS domain_score, d.percentile AS domain_percentile, d.worst, d.coverage,
               p.domain, p.indicator, p.status, p.value, p.percentile, p.z_score, p.weight, p.contribution,
               p.reason, p.period, p.subgroup
        FROM parts p
        LEFT JOIN {of_area("area_index")} x ON x.area_code = p.area_code AND x.level = p.level
             AND x.boundary_year = p.boundary_year AND x.period = p.partition_period
             AND x.subgroup = p.partition_subgroup
        LEFT JOIN {of_area("domain_scores")} d ON d.area_code = p.area_code AND d.domain = p.domain
             AND d.level = p.level AND d.boundary_year = p.boundary_year AND d.period = p.partition_period
             AND d.subgroup = p.partition_subgroup
        ORDER BY area_code, level, boundary_year, {_EXPLANATION_ORDER}
        """


def _explanation(code: str, selection: Selection, rows: list[tuple[Any, ...]]) -> Explanation:
    """An area's explanation from its rows of `_explanations_query` (without the area code), in order."""
    if not rows:
        raise WijkzichtError(key="error.scores.none_for_area", code=code, selection=_describe(selection))
    level, boundary_year, period, subgroup, overall_score, overall_percentile, worst_domains = rows[0][:7]
    explained = []
    for domain in dict.fromkeys(row[11] for row in rows):
        of_domain = [row for row in rows if row[11] == domain]
        score, percentile, worst, coverage = of_domain[0][7:11]
        parts = [IndicatorContribution(*row[12:]) for row in of_domain]
        if score is None:  # too little coverage: the percentiles are shown, but they make no score
            parts = [IndicatorContribution(**{**asdict(p), "contribution": None}) for p in parts]
        explained.append(DomainExplanation(domain, score, percentile, bool(worst), coverage, parts))
    return Explanation(
        code,
        level,
        boundary_year,
        period,
        subgroup,
        overall_score,
        overall_percentile,
        list(worst_domains) if worst_domains is not None else [],
        explained,
    )


def latest_partition(con: duckdb.DuckDBPyConnection, selection: Selection) -> Selection:
    """Fill in what the user left open: the latest boundary year; within it the partition whose scores cover
    the most domains (the latest picture, which stacks them all; a period asked for is a period's own
    partition), the latest period on a tie; 18+ before totaal."""
    where, parameters = selection.where("d")
    row = con.execute(
        f"""
        SELECT level, boundary_year, period, subgroup FROM domain_scores d
        WHERE {where} AND {_picture_unless_period_asked(selection, "d")} AND score IS NOT NULL
        GROUP BY level, boundary_year, period, subgroup
        ORDER BY boundary_year DESC, count(DISTINCT domain) DESC, period DESC,
                 list_position(?::VARCHAR[], subgroup) NULLS LAST, subgroup,
                 list_position(['buurt', 'wijk', 'gemeente'], level)
        LIMIT 1
        """,
        [*parameters, list(PARTITION_PREFERENCE)],
    ).fetchone()
    if row is None:
        raise WijkzichtError(key="error.scores.none", selection=_describe(selection))
    return Selection(*row)


def _picture_unless_period_asked(selection: Selection, alias: str) -> str:
    return f"{alias}.subgroup <> {_sql_literal(LATEST_PICTURE)}" if selection.excludes_picture else "TRUE"


def _describe(selection: Selection) -> str:
    chosen = [f"{key}={value}" for key, value in asdict(selection).items() if value is not None]
    return ", ".join(chosen) or "—"
