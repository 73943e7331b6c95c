"""Index, domain scores and stacking of the 20 focus areas, each scored "as if it were one wijk".

A focus area is a set of CBS wijken (`focus.load_focus_areas`). Per partition of the wijk scores (boundary
year, period, subgroup; whatever boundary years the stored scores have) it is scored like this (see
docs/method.md, "Focusgebieden als één gebied"):

1. its value of each scored indicator is the population-weighted mean of its member wijken's values
   (members that are ranked in that series: a suppressed or missing value never enters);
2. that value is *placed among the wijken* of the same series: its percentile is the share of wijken with
   fewer problems, ties counted half, so that the focus area does not change any wijk's score;
3. its domain score is the weighted mean of those percentiles, with the same coverage rule as a wijk; the
   domain score is placed among the wijken's domain scores (percentile, exponential transform of the share
   of wijken at most as bad) and flagged as "worst" when it reaches the lowest score of the wijken flagged
   worst in that domain;
4. its overall index is the mean of its exponential domain scores, placed among the wijken's index.

A member counts in a boundary year only when its 2024 code exists as a wijk in that year and its boundaries
did not change between that year and 2024 (the same rule as `focus.aggregate`); a focus area none of whose
members count gets no score in that partition, and the page says so.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass

import duckdb

from wijkzicht.monitor import focus
from wijkzicht.monitor.index import EXPONENTIAL_CONSTANT, EXPONENTIAL_SPAN, Settings
from wijkzicht.monitor.trends import MATRIX_VARIANT, MATRIX_YEAR
from wijkzicht.records import plain


@dataclass(frozen=True)
class FocusScore:
    number: int
    name: str
    gemeente_code: str
    certainty: str
    boundary_year: int
    period: int
    subgroup: str
    members: int  # wijken in the focus-area file
    counted: int  # of them, wijken that exist unchanged in this boundary year
    population: float | None  # inhabitants of the counted wijken (population used for suppression)
    score: float | None  # overall index 0..100
    percentile: float | None  # placed among the wijken of the partition
    worst_domains: list[str]
    domains_scored: int
    domains: dict[str, float]  # domain -> percentile among the wijken
    domain_scores: dict[str, float]  # domain -> score (weighted mean of indicator percentiles)
    previous_period: int | None = None
    change: float | None = None  # change of the overall index since the previous period (same boundaries)

    def as_dict(self) -> dict[str, object]:
        return plain(self)


def _members_table(con: duckdb.DuckDBPyConnection, areas: list[focus.FocusArea]) -> None:
    rows = [(area.number, code) for area in areas for code in area.wijken]
    con.execute("CREATE OR REPLACE TEMP TABLE focus_member_codes (number INTEGER, code VARCHAR)")
    con.executemany("INSERT INTO focus_member_codes VALUES (?, ?)", rows)


def compute(con: duckdb.DuckDBPyConnection, areas: list[focus.FocusArea] | None = None) -> list[FocusScore]:
    """The scores of every focus area in every wijk partition with stored scores, latest period first."""
    areas = areas if areas is not None else focus.load_focus_areas()
    _members_table(con, areas)
    settings = Settings()
    rows = con.execute(
        f"""
        WITH partitions AS (
            SELECT DISTINCT boundary_year, period, subgroup FROM area_index WHERE level = 'wijk'
        ),
        boundary_years AS (SELECT DISTINCT boundary_year FROM partitions),
        members AS (  -- per boundary year, the members that count there
            SELECT m.number, m.code, b.boundary_year
            FROM focus_member_codes m CROSS JOIN boundary_years b
            WHERE EXISTS (SELECT 1 FROM areas a WHERE a.code = m.code AND a.level = 'wijk'
                                                  AND a.boundary_year = b.boundary_year)
              AND NOT EXISTS (SELECT 1 FROM address_moves c
                              WHERE c.from_year = b.boundary_year AND c.to_year = $matrix_year
                                AND c.variant = $variant AND c.level = 'wijk'
                                AND m.code IN (c.old_code, c.new_code))
        ),
        member_population AS (
            SELECT m.number, m.boundary_year, count(*) AS counted, sum(p.population) AS population
            FROM members m
            LEFT JOIN area_population p ON p.area_code = m.code AND p.boundary_year = m.boundary_year
            GROUP BY ALL
        ),
        wijk_values AS (
            SELECT v.series, v.area_code, v.value,
                   CASE WHEN s.worse_when_higher THEN v.value ELSE -v.value END AS oriented
            FROM standardised_values v JOIN score_series s USING (series)
            WHERE s.level = 'wijk' AND v.status = 'ranked'
        ),
        focus_values AS (  -- step 1: population-weighted mean of the ranked members
            SELECT m.number, w.series, sum(w.oriented * p.population) / sum(p.population) AS oriented
            FROM members m
            JOIN score_series s ON s.level = 'wijk' AND s.boundary_year = m.boundary_year
            JOIN wijk_values w ON w.series = s.series AND w.area_code = m.code
            JOIN area_population p ON p.area_code = m.code AND p.boundary_year = m.boundary_year
            WHERE p.population > 0
            GROUP BY ALL
        ),
        indicator_percentiles AS (  -- step 2: placed among the wijken of the series
            SELECT f.number, f.series,
                   100.0 * (count(*) FILTER (WHERE w.oriented < f.oriented)
                            + 0.5 * count(*) FILTER (WHERE w.oriented = f.oriented)) / count(*) AS percentile
            FROM focus_values f JOIN wijk_values w USING (series)
            GROUP BY ALL
        ),
        published AS (
            SELECT boundary_year, period, subgroup, domain, any_value(indicators_published) AS published,
                   count(*) AS areas, min(score) FILTER (WHERE worst) AS worst_from
            FROM domain_scores WHERE level = 'wijk' GROUP BY ALL
        ),
        focus_domains AS (  -- step 3: the domain score with the wijken's coverage rule
            SELECT i.number, s.boundary_year, s.period, s.subgroup, s.domain, count(*) AS used,
                   sum(s.weight * i.percentile) / sum(s.weight) AS score
            FROM indicator_percentiles i JOIN score_memberships s USING (series)
            GROUP BY ALL
        ),
        covered AS (
            SELECT f.*, p.areas, p.worst_from
            FROM focus_domains f JOIN published p USING (boundary_year, period, subgroup, domain)
            WHERE f.used >= $min_coverage * p.published
        ),
        placed_domains AS (
            SELECT c.number, c.boundary_year, c.period, c.subgroup, c.domain, c.score,
                   100.0 * (count(*) FILTER (WHERE d.score < c.score)
                            + 0.5 * count(*) FILTER (WHERE d.score = c.score)) / count(*) AS percentile,
                   count(*) FILTER (WHERE d.score <= c.score) / count(*) AS rank_fraction,
                   coalesce(c.score >= any_value(c.worst_from), false) AS worst
            FROM covered c
            JOIN domain_scores d ON d.level = 'wijk' AND (d.boundary_year, d.period, d.subgroup, d.domain)
                                    = (c.boundary_year, c.period, c.subgroup, c.domain)
            GROUP BY c.number, c.boundary_year, c.period, c.subgroup, c.domain, c.score
        ),
        focus_index AS (  -- step 4
            SELECT number, boundary_year, period, subgroup,
                   avg(-{EXPONENTIAL_CONSTANT} * ln(1 - rank_fraction * {EXPONENTIAL_SPAN})) AS score,
                   count(*) AS domains_scored,
                   coalesce(list(domain ORDER BY domain) FILTER (WHERE worst), []) AS worst_domains,
                   map(list(domain ORDER BY domain), list(percentile ORDER BY domain)) AS domains,
                   map(list(domain ORDER BY domain), list(score ORDER BY domain)) AS domain_scores
            FROM placed_domains GROUP BY ALL
        ),
        placed_index AS (
            SELECT f.*,
                   100.0 * (count(*) FILTER (WHERE x.score < f.score)
                            + 0.5 * count(*) FILTER (WHERE x.score = f.score)) / count(*) AS percentile
            FROM focus_index f
            JOIN area_index x ON x.level = 'wijk' AND (x.boundary_year, x.period, x.subgroup)
                                 = (f.boundary_year, f.period, f.subgroup)
            GROUP BY ALL
        )
        SELECT n.number, p.boundary_year, p.period, p.subgroup, coalesce(mp.counted, 0), mp.population,
               i.score, i.percentile, i.worst_domains, i.domains_scored, i.domains, i.domain_scores
        FROM partitions p
        CROSS JOIN (SELECT DISTINCT number FROM focus_member_codes) n
        LEFT JOIN member_population mp ON mp.number = n.number AND mp.boundary_year = p.boundary_year
        LEFT JOIN placed_index i ON (i.number, i.boundary_year, i.period, i.subgroup)
                                    = (n.number, p.boundary_year, p.period, p.subgroup)
        ORDER BY p.period DESC, p.boundary_year DESC, p.subgroup, n.number
        """,
        {"matrix_year": MATRIX_YEAR, "variant": MATRIX_VARIANT, "min_coverage": settings.min_coverage},
    ).fetchall()
    by_number = {area.number: area for area in areas}
    scores = [
        FocusScore(
            number=number,
            name=by_number[number].name,
            gemeente_code=by_number[number].gemeente_code,
            certainty=by_number[number].certainty,
            boundary_year=boundary_year,
            period=period,
            subgroup=subgroup,
            members=len(by_number[number].wijken),
            counted=counted,
            population=population,
            score=score,
            percentile=percentile,
            worst_domains=list(worst or []),
            domains_scored=domains_scored or 0,
            domains=dict(domains or {}),
            domain_scores=dict(domain_scores or {}),
        )
        for (
            number,
            boundary_year,
            period,
            subgroup,
            counted,
            population,
            score,
            percentile,
            worst,
            domains_scored,
            domains,
            domain_scores,
        ) in rows
    ]
    return _with_change(scores)


def store_focus_scores(con: duckdb.DuckDBPyConnection) -> None:
    """`focus_area_scores`: the packaged focus areas' scores on the stored scores, made once by the build (a
    second or two of CPU that every server would otherwise spend on its first focus-area page or ranking),
    one JSON document per score in `compute`'s order."""
    con.execute("CREATE OR REPLACE TABLE focus_area_scores (position INTEGER, document VARCHAR)")
    rows = [(position, json.dumps(score.as_dict())) for position, score in enumerate(compute(con))]
    if rows:  # a warehouse without wijk scores scores no focus area
        con.executemany("INSERT INTO focus_area_scores VALUES (?, ?)", rows)


def stored(con: duckdb.DuckDBPyConnection) -> list[FocusScore]:
    """What `compute(con)` gives for the packaged focus areas, as the build stored it."""
    documents = con.execute("SELECT document FROM focus_area_scores ORDER BY position").fetchall()
    return [FocusScore(**json.loads(document)) for (document,) in documents]


def _with_change(scores: list[FocusScore]) -> list[FocusScore]:
    """Each score with the change of the overall index since the previous period with a score on the same
    boundaries and subgroup."""
    scored = {(s.number, s.boundary_year, s.subgroup, s.period): s for s in scores if s.score is not None}
    result = []
    for s in scores:
        earlier = sorted(
            p
            for (number, year, subgroup, p) in scored
            if (number, year, subgroup) == (s.number, s.boundary_year, s.subgroup) and p < s.period
        )
        if s.score is None or not earlier:
            result.append(s)
            continue
        before = scored[(s.number, s.boundary_year, s.subgroup, earlier[-1])]
        assert before.score is not None
        change = s.score - before.score
        result.append(FocusScore(**{**asdict(s), "previous_period": earlier[-1], "change": change}))
    return result


def partitions(scores: list[FocusScore]) -> list[tuple[int, int, str]]:
    """The (boundary year, period, subgroup) partitions, best first as the monitor chooses its default
    (`index.latest_partition`): the latest boundary year, the period covering the most domains, the latest
    period; subgroups in the order `compute` gives them."""
    seen = list(dict.fromkeys((s.boundary_year, s.period, s.subgroup) for s in scores))
    domains: dict[tuple[int, int, str], int] = {}
    for s in scores:
        key = (s.boundary_year, s.period, s.subgroup)
        domains[key] = max(domains.get(key, 0), s.domains_scored)
    return sorted(seen, key=lambda key: (-key[0], -domains[key], -key[1], seen.index(key)))


def in_partition(
    scores: list[FocusScore], boundary_year: int, period: int, subgroup: str
) -> list[FocusScore]:
    return [s for s in scores if (s.boundary_year, s.period, s.subgroup) == (boundary_year, period, subgroup)]
