"""An area's domain scores and overall index over the periods, on the latest boundaries its level is scored on.

The stored scores hold one partition per (level, boundary year, period, subgroup); on the latest boundary year
every period is scored on the same boundaries (for wijken and gemeenten the build carried older figures to
2024), so a series over the periods compares like with like geographically. A score is a position among the
areas of its period, not an absolute measure: a falling score says the area moved relative to the others.

A domain's series keeps to one subgroup (the population the survey asked, or the whole population of the
registers): their indicators differ, so a series never mixes them. The index of a period stacks the domains
scored in that period; when the domains differ between periods the index is not comparable over time, and
the series says so instead of drawing a line through it.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

import duckdb

from wijkzicht.catalogue import POPULATION_SUBGROUPS, SUBGROUP_PREFERENCE

INDEX = "index"  # the key of the overall index's series beside the domains'


@dataclass(frozen=True)
class ScorePoint:
    period: int
    score: float | None
    percentile: float | None
    domains: tuple[str, ...]  # the domains behind the score: the domain itself, or those the index stacks


@dataclass(frozen=True)
class ScoreSeries:
    key: str  # a domain, or INDEX
    subgroup: str
    boundary_year: int
    points: list[ScorePoint]

    @property
    def comparable(self) -> bool:
        """Every period rests on the same domains (always so for one domain)."""
        return len({point.domains for point in self.points}) == 1


STORED = "area_score_points"


def store_score_points(con: duckdb.DuckDBPyConnection) -> None:
    """`area_score_points`: per area, on its level's latest scored boundary year, every domain score of a
    population subgroup (its own domain as basis) and every index score with the domains it stacks there,
    sorted by area code, score, subgroup and period. A warehouse table, made once by the build, so that a
    profile's score series are one lookup of its area's rows, in order; `score_trends` chooses the series
    among them."""
    con.execute(
        f"""
        CREATE OR REPLACE TABLE {STORED} AS
        WITH latest AS (SELECT level, max(boundary_year) AS boundary_year FROM area_index GROUP BY level),
        domains AS (
            SELECT d.area_code, d.level, d.domain, d.subgroup, d.boundary_year, d.period, d.score, d.percentile
            FROM domain_scores d JOIN latest USING (level, boundary_year)
            WHERE d.subgroup IN $subgroups AND d.score IS NOT NULL
        )
        SELECT * FROM (
            SELECT area_code, level, domain AS key, subgroup, boundary_year, period, score, percentile,
                   [domain] AS domains
            FROM domains
            UNION ALL
            SELECT x.area_code, x.level, $index, x.subgroup, x.boundary_year, x.period, x.score, x.percentile,
                   list(d.domain ORDER BY d.domain)
            FROM area_index x JOIN domains d USING (area_code, level, subgroup, boundary_year, period)
            WHERE x.score IS NOT NULL
            GROUP BY ALL
        )
        ORDER BY area_code, key, subgroup, period
        """,
        {"subgroups": list(POPULATION_SUBGROUPS), "index": INDEX},
    )


def score_trends(con: duckdb.DuckDBPyConnection, code: str, level: str) -> list[ScoreSeries]:
    """Per domain with scores in two or more periods, then the index: the series on the level's latest
    boundary year, in the subgroup with the most periods (ties: the catalogue's preference)."""
    # in the order stored, which DuckDB keeps: sorting the area's few rows again cost a third of the lookup
    rows = con.execute(
        f"""SELECT key, subgroup, boundary_year, period, score, percentile, domains FROM {STORED}
            WHERE area_code = ? AND level = ?""",
        [code, level],
    ).fetchall()
    candidates: dict[tuple[str, str], list[ScorePoint]] = defaultdict(list)
    boundary_year = {}
    for key, subgroup, year, period, score, percentile, domains in rows:
        candidates[key, subgroup].append(ScorePoint(period, score, percentile, tuple(domains)))
        boundary_year[key] = year
    chosen = []
    for key in dict.fromkeys(key for key, _ in candidates):
        subgroup = max(
            (s for k, s in candidates if k == key),
            key=lambda s: (len(candidates[key, s]), -SUBGROUP_PREFERENCE.index(s)),
        )
        if len(candidates[key, subgroup]) >= 2:
            chosen.append(ScoreSeries(key, subgroup, boundary_year[key], candidates[key, subgroup]))
    return sorted(chosen, key=lambda series: series.key == INDEX)
