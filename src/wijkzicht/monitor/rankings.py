"""Rankings: the areas of one partition ordered on a domain or the overall index, optionally within a
gemeente or a focus area. The web page, its exports, the API and `wijkzicht rank` share this."""

from __future__ import annotations

from dataclasses import asdict, dataclass

import duckdb

from wijkzicht.catalogue import load_catalogue
from wijkzicht.errors import WijkzichtError
from wijkzicht.monitor import focus, focus_scores, index

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
        return {**asdict(self.partition), "domain": self.domain, "within": self.within}


def scored_domains() -> list[str]:
    return load_catalogue().problem_domains


def ranking(
    con: duckdb.DuckDBPyConnection,
    wanted: RankingFilter,
    *,
    order: str = "rank",
    limit: int | None = None,
    offset: int = 0,
) -> Ranking:
    """The areas of the partition that match the filter (a page of them, in `order`; by default all, most
    problems first), with national percentiles."""
    if wanted.domain is not None and wanted.domain not in scored_domains():
        raise WijkzichtError(
            f"unknown domain {wanted.domain!r} (expected one of: {', '.join(scored_domains())})"
        )
    if wanted.level == FOCUS_LEVEL:
        return _focus_ranking(con, wanted, order, limit, offset)
    partition = index.latest_partition(
        con, index.Selection(wanted.level, wanted.boundary_year, wanted.period, wanted.subgroup)
    )
    within = _within(wanted)
    total, areas = index.rank_areas(
        con, partition, domain=wanted.domain, within=within, order=order, limit=limit, offset=offset
    )
    return Ranking(partition, wanted.domain, within, total, areas)


def ranking_page(
    con: duckdb.DuckDBPyConnection, wanted: RankingFilter, order: str, limit: int, offset: int
) -> Ranking:
    """`ranking` with every argument positional, for caching by arguments."""
    return ranking(con, wanted, order=order, limit=limit, offset=offset)


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
    con: duckdb.DuckDBPyConnection, wanted: RankingFilter, order: str, limit: int | None, offset: int
) -> Ranking:
    """The focus areas ranked like areas of a level, on the partition of the wijk scores they are placed in
    (`focus_scores`); a focus area without a score in that partition is not listed."""
    if order not in index.RANK_ORDERS:
        raise WijkzichtError(f"unknown order {order!r} (expected one of: {', '.join(index.RANK_ORDERS)})")
    wijken = index.latest_partition(
        con, index.Selection("wijk", wanted.boundary_year, wanted.period, wanted.subgroup)
    )
    assert wijken.boundary_year is not None and wijken.period is not None and wijken.subgroup is not None
    scores = focus_scores.in_partition(
        focus_scores.compute(con), wijken.boundary_year, wijken.period, wijken.subgroup
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
