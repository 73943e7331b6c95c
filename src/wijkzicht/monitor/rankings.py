"""Rankings: the areas of one partition ordered on a domain or the overall index, optionally within a
gemeente or a focus area. The web page, its exports, the API and `wijkzicht rank` share this."""

from __future__ import annotations

from dataclasses import asdict, dataclass

import duckdb

from wijkzicht.catalogue import load_catalogue
from wijkzicht.errors import WijkzichtError
from wijkzicht.monitor import focus, index


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
