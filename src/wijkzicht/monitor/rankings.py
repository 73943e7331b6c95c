"""Rankings: the areas of one partition ordered on a domain or the overall index, optionally within a
gemeente or a focus area. The web page, its exports, the API and `wijkzicht rank` share this."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import astuple, dataclass
from typing import Any

import duckdb

from wijkzicht import codes
from wijkzicht.catalogue import load_catalogue
from wijkzicht.errors import WijkzichtError
from wijkzicht.monitor import focus, focus_scores, index
from wijkzicht.records import plain

FOCUS_LEVEL = focus.FOCUS_LEVEL  # the 20 focus areas, each scored as one wijk among the wijken


@dataclass(frozen=True)
class RankingFilter:
    level: str = "wijk"
    domain: str | None = None  # None: the overall index
    period: int | None = None
    boundary_year: int | None = None
    subgroup: str | None = None
    gemeente: str | None = None
    focus_area: int | None = None  # number of an NPLV focus area


@dataclass(frozen=True)
class Ranking:
    partition: index.Selection  # the partition ranked, with what the filter left open filled in
    domain: str | None
    within: list[str] | None
    total: int  # areas that match the filter
    areas: list[index.RankedArea]  # the requested page of them

    def partition_dict(self) -> dict[str, object]:
        return {**plain(self.partition), "domain": self.domain, "within": self.within}


def scored_domains() -> list[str]:
    return load_catalogue().problem_domains


@dataclass(frozen=True, eq=False)  # compared and hashed as the one object it is: a server's cache keys on it
class RankingDirectory:
    """What a ranking looks up before it reads its page, read once by a server (`read_directory`): the
    partition each selection with at most one choice made shows (`RANKED_PARTITIONS`), and how many areas
    each partition ranks on each domain. Looked up in the warehouse instead, they were two of the three
    queries of a page asked for the first time, and about 40% of its processor time."""

    partitions: Mapping[index.Selection, index.Selection]
    sizes: Mapping[tuple[index.Selection, str], int]  # by partition and `ranked_on`


def read_directory(con: duckdb.DuckDBPyConnection) -> RankingDirectory:
    """The directory of the stored rankings: a few dozen partitions, a few hundred sizes."""
    partitions = {
        index.Selection(*row[:4]): index.Selection(row[0], *row[4:])
        for row in con.execute(f"SELECT * FROM {RANKED_PARTITIONS}").fetchall()
    }
    counted = con.execute(
        f"""SELECT level, boundary_year, period, subgroup, ranked_on, count(*)
            FROM {RANKED_AREAS} GROUP BY ALL"""
    ).fetchall()
    sizes = {(index.Selection(*row[:4]), row[4]): row[5] for row in counted}
    return RankingDirectory(partitions, sizes)


def ranking(
    con: duckdb.DuckDBPyConnection,
    wanted: RankingFilter,
    *,
    order: str = "rank",
    limit: int | None = None,
    offset: int = 0,
    directory: RankingDirectory | None = None,
) -> Ranking:
    """The areas of the partition that match the filter (a page of them, in `order`; by default all, most
    problems first), with national percentiles. A server passes the `directory` it read once."""
    if wanted.domain is not None and wanted.domain not in scored_domains():
        raise WijkzichtError(
            f"unknown domain {wanted.domain!r} (expected one of: {', '.join(scored_domains())})"
        )
    if wanted.level == FOCUS_LEVEL:
        return _focus_ranking(con, wanted, order, limit, offset, directory)
    partition = latest_partition(
        con, index.Selection(wanted.level, wanted.boundary_year, wanted.period, wanted.subgroup), directory
    )
    within = _within(wanted)
    total, areas = _stored_ranking(con, partition, wanted.domain, within, order, limit, offset, directory)
    return Ranking(partition, wanted.domain, within, total, areas)


def ranking_page(
    con: duckdb.DuckDBPyConnection,
    wanted: RankingFilter,
    order: str,
    limit: int,
    offset: int,
    directory: RankingDirectory | None = None,
) -> Ranking:
    """`ranking` with every argument positional, for caching by arguments."""
    return ranking(con, wanted, order=order, limit=limit, offset=offset, directory=directory)


def _within(wanted: RankingFilter) -> list[str] | None:
    """The codes whose areas to keep: the gemeente, or the focus area's wijken (for a gemeente ranking, its
    gemeente). Focus areas are wijken on 2024 boundaries; on other boundary years only unchanged codes match."""
    if wanted.focus_area is None:
        return [wanted.gemeente] if wanted.gemeente else None
    area = focus.find_focus_area(focus.load_focus_areas(), str(wanted.focus_area))
    if wanted.gemeente and wanted.gemeente != area.gemeente_code:
        raise WijkzichtError(f"focus area {area.name} lies in {area.gemeente_code}, not in {wanted.gemeente}")
    return [area.gemeente_code] if wanted.level == "gemeente" else list(area.wijken)


def _focus_ranking(
    con: duckdb.DuckDBPyConnection,
    wanted: RankingFilter,
    order: str,
    limit: int | None,
    offset: int,
    directory: RankingDirectory | None,
) -> Ranking:
    """The focus areas ranked like areas of a level, on the partition of the wijk scores they are placed in
    (`focus_scores`); a focus area without a score in that partition is not listed."""
    if order not in index.RANK_ORDERS:
        raise WijkzichtError(f"unknown order {order!r} (expected one of: {', '.join(index.RANK_ORDERS)})")
    wijken = latest_partition(
        con, index.Selection("wijk", wanted.boundary_year, wanted.period, wanted.subgroup), directory
    )
    assert wijken.boundary_year is not None and wijken.period is not None and wijken.subgroup is not None
    scores = focus_scores.in_partition(
        focus_scores.stored(con), wijken.boundary_year, wijken.period, wijken.subgroup
    )
    gemeenten = dict(
        con.execute(
            "SELECT code, arg_max(name, boundary_year) FROM areas WHERE level = 'gemeente' GROUP BY code"
        ).fetchall()
    )

    def value(score: focus_scores.FocusScore) -> tuple[float | None, float | None]:
        if wanted.domain is None:
            return score.score, score.percentile
        return score.domain_scores.get(wanted.domain), score.domains.get(wanted.domain)

    chosen = [
        s
        for s in scores
        if value(s)[0] is not None
        and (wanted.gemeente is None or s.gemeente_code == wanted.gemeente)
        and (wanted.focus_area is None or s.number == wanted.focus_area)
    ]
    chosen.sort(key=lambda s: (-(value(s)[0] or 0.0), s.number))
    ranked = [
        index.RankedArea(
            rank=position,
            code=str(s.number),
            name=s.name,
            level=FOCUS_LEVEL,
            boundary_year=s.boundary_year,
            period=s.period,
            subgroup=s.subgroup,
            score=value(s)[0] or 0.0,
            percentile=value(s)[1] or 0.0,
            worst_domains=s.worst_domains,
            domains_scored=s.domains_scored,
            coverage=None,
            gemeente_name=gemeenten.get(s.gemeente_code),
        )
        for position, s in enumerate(chosen, start=1)
    ]
    keys = {
        "rank": lambda r: (r.rank,),
        "name": lambda r: ((r.name or "").lower(), r.rank),
        "gemeente": lambda r: ((r.gemeente_name or "").lower(), r.rank),
        "stability": lambda r: (r.rank,),  # a focus area is placed among the wijken, not in the stability run
    }
    ranked.sort(key=keys[order.lstrip("-")], reverse=order.startswith("-"))
    page = ranked[offset : None if limit is None else offset + limit]
    partition = index.Selection(FOCUS_LEVEL, wijken.boundary_year, wijken.period, wijken.subgroup)
    return Ranking(partition, wanted.domain, None, len(ranked), page)


# Every ranking without a filter, made once by the build (`store_rankings`): a request reads the rows of one
# partition and domain, already ranked and named, instead of joining scores, names and stability each time
# (40-50 ms of one core per first request; at 20 clients a p99 of a second). Filtered by a gemeente or focus
# area, the stored order stays right: it is the order of score and code, so the rank within is its row number.
RANKED_AREAS = "ranked_areas"
INDEX_RANKING = "index"  # `ranked_on` of the overall index, as in rank_stability


# `index.RANK_ORDERS` over the stored columns (the test compares every order with it)
STORED_ORDERS = {
    "rank": "rank",
    "-rank": "rank DESC",
    "name": "lower(coalesce(name, area_code)), rank",
    "-name": "lower(coalesce(name, area_code)) DESC, rank",
    "gemeente": "lower(gemeente_name) NULLS LAST, rank",
    "-gemeente": "lower(gemeente_name) DESC NULLS LAST, rank",
    "stability": "stability_share DESC NULLS LAST, rank",
    "-stability": "stability_share NULLS LAST, rank",
}


# Which partition a ranking shows when the user leaves choices open (`index.latest_partition`, 15 ms of
# grouping the scores), stored by the build for the selections with at most one choice made.
RANKED_PARTITIONS = "ranked_partitions"


def store_rankings(con: duckdb.DuckDBPyConnection) -> None:
    """A build step: the partitions of `RANKED_PARTITIONS` and the table of `RANKED_AREAS`."""
    _store_partitions(con)
    _store_ranked_areas(con)


def latest_partition(
    con: duckdb.DuckDBPyConnection, selection: index.Selection, directory: RankingDirectory | None = None
) -> index.Selection:
    """`index.latest_partition`, read from the build's table (or the directory read of it) when it holds
    the selection."""
    if directory is not None:
        return directory.partitions.get(selection) or index.latest_partition(con, selection)
    found = con.execute(
        f"""SELECT level, partition_boundary_year, partition_period, partition_subgroup
            FROM {RANKED_PARTITIONS} WHERE level = ? AND boundary_year IS NOT DISTINCT FROM ?
            AND period IS NOT DISTINCT FROM ? AND subgroup IS NOT DISTINCT FROM ?""",
        list(astuple(selection)),
    ).fetchone()
    return index.Selection(*found) if found else index.latest_partition(con, selection)


_COLUMNS = """rank, area_code, name, level, boundary_year, period, subgroup, score, percentile,
    worst_domain_names, domains_scored, coverage, gemeente_name, indicators_used, stability_share,
    stability, rank_low, rank_high"""


def _whole_partition_page(
    con: duckdb.DuckDBPyConnection,
    where: str,
    parameters: list[object],
    order: str,
    limit: int | None,
    offset: int,
    size: int | None,
) -> list[tuple[Any, ...]]:
    """A page of a ranking not narrowed to a gemeente or focus area, each row ending with the partition's
    `size` (counted when not known): the stored ranks number the whole partition already (1 to n), so no
    window renumbers it, and in rank order (the default) the page is a range of ranks, read from the few
    blocks that hold it. A third of the CPU of numbering the partition again for a buurt ranking's page."""
    partition = f"{where} AND r.ranked_on = ?"
    if size is None:
        total, total_parameters = f"(SELECT count(*) FROM {RANKED_AREAS} r WHERE {partition})", parameters
    else:
        total, total_parameters = "?::BIGINT", [size]
    if order == "rank":
        return con.execute(
            f"""SELECT {_COLUMNS}, {total} AS total FROM {RANKED_AREAS} r
                WHERE {partition} AND r.rank > ? AND (? IS NULL OR r.rank <= ? + ?) ORDER BY rank""",
            [*total_parameters, *parameters, offset, limit, offset, limit],
        ).fetchall()
    return con.execute(
        f"""SELECT {_COLUMNS}, {total} AS total FROM {RANKED_AREAS} r WHERE {partition}
            ORDER BY {STORED_ORDERS[order]} LIMIT ? OFFSET ?""",
        [*total_parameters, *parameters, limit, offset],
    ).fetchall()


def _store_partitions(con: duckdb.DuckDBPyConnection) -> None:
    partitions = con.execute(
        "SELECT DISTINCT level, boundary_year, period, subgroup FROM domain_scores ORDER BY ALL"
    ).fetchall()
    asked = {
        index.Selection(level, *choice)
        for level, boundary_year, period, subgroup in partitions
        for choice in (
            (None, None, None),
            (boundary_year, None, None),
            (None, period, None),
            (None, None, subgroup),
        )
    }
    rows = []
    for selection in asked:
        try:
            chosen = index.latest_partition(con, selection)
        except WijkzichtError:  # no scores for it: a request asking it computes and gets the explanation
            continue
        rows.append((*astuple(selection), chosen.boundary_year, chosen.period, chosen.subgroup))
    con.execute(
        f"""CREATE OR REPLACE TABLE {RANKED_PARTITIONS} (level VARCHAR, boundary_year INTEGER, period INTEGER,
            subgroup VARCHAR, partition_boundary_year INTEGER, partition_period INTEGER, partition_subgroup VARCHAR)"""
    )
    if rows:  # a warehouse without scores (a build of some sources only) ranks nothing
        con.executemany(f"INSERT INTO {RANKED_PARTITIONS} VALUES (?, ?, ?, ?, ?, ?, ?)", rows)


def _store_ranked_areas(con: duckdb.DuckDBPyConnection) -> None:
    """Every partition ranked on the overall index and on each domain, as `index.rank_areas` ranks them,
    with the names and rank stability a ranking shows; sorted so a request reads few blocks."""
    con.execute(
        f"""
        CREATE OR REPLACE TABLE {RANKED_AREAS} AS
        WITH scored AS (
            SELECT '{INDEX_RANKING}' AS ranked_on, *, NULL::DOUBLE AS coverage, NULL::INTEGER AS indicators_used
            FROM area_index
            UNION ALL BY NAME
            SELECT d.domain AS ranked_on, d.* EXCLUDE (domain), x.worst_domain_names, x.domains_scored
            FROM domain_scores d JOIN area_index x USING (area_code, level, boundary_year, period, subgroup)
        )
        SELECT s.level, s.boundary_year, s.period, s.subgroup, s.ranked_on,
               row_number() OVER (
                   PARTITION BY s.level, s.boundary_year, s.period, s.subgroup, s.ranked_on
                   ORDER BY s.score DESC, s.area_code
               ) AS rank,
               s.area_code, a.name, s.score, s.percentile, s.worst_domain_names, s.domains_scored,
               s.coverage, g.name AS gemeente_name, s.indicators_used, st.worst_share AS stability_share,
               st.label AS stability, st.rank_low, st.rank_high
        FROM scored s
        LEFT JOIN areas a ON a.code = s.area_code AND a.boundary_year = s.boundary_year
        LEFT JOIN areas g ON g.code = {codes.sql_gemeente_of("s.area_code")} AND g.boundary_year = s.boundary_year
        LEFT JOIN main.rank_stability st ON st.area_code = s.area_code AND st.level = s.level
             AND st.boundary_year = s.boundary_year AND st.period = s.period AND st.subgroup = s.subgroup
             AND st.score = s.ranked_on
        ORDER BY s.level, s.boundary_year, s.period, s.subgroup, s.ranked_on, rank
        """
    )


def _stored_ranking(
    con: duckdb.DuckDBPyConnection,
    partition: index.Selection,
    domain: str | None,
    within: list[str] | None,
    order: str,
    limit: int | None,
    offset: int,
    directory: RankingDirectory | None,
) -> tuple[int, list[index.RankedArea]]:
    """The page of a ranking read from `store_rankings`' table: the same answer as `index.rank_areas`."""
    if order not in STORED_ORDERS:
        raise WijkzichtError(f"unknown order {order!r} (expected one of: {', '.join(STORED_ORDERS)})")
    where, parameters = partition.where("r")
    ranked_on = domain or INDEX_RANKING
    if within is None:
        size = None if directory is None else directory.sizes.get((partition, ranked_on), 0)
        if size is not None and offset >= size:  # past the last area: no page to read
            return size, []
        rows = _whole_partition_page(con, where, [*parameters, ranked_on], order, limit, offset, size)
    else:
        rows = con.execute(
            f"""
            WITH chosen AS (
                SELECT * REPLACE (row_number() OVER (ORDER BY rank) AS rank), count(*) OVER () AS total
                FROM {RANKED_AREAS} r
                WHERE {where} AND r.ranked_on = ? AND {index.WITHIN}
            )
            SELECT {_COLUMNS}, total FROM chosen ORDER BY {STORED_ORDERS[order]} LIMIT ? OFFSET ?
            """,
            [*parameters, ranked_on, within, within, limit, offset],
        ).fetchall()
    total = (
        rows[0][-1]
        if rows
        else index.count_ranked(
            con,
            f"SELECT * FROM {RANKED_AREAS}",
            f"{where} AND r.ranked_on = ?",
            [*parameters, ranked_on],
            within,
        )
    )
    return total, [index.RankedArea(*row[:-1]) for row in rows]
