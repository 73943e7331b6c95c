"""An area's profile: everything the monitor knows about one area, in one place.

Its scores and stacking (with the explanation of each domain score), every figure beside its gemeente and the
Netherlands with its national percentile and its trend, suppression notes, and the similar areas. The web
profile page, its API and `wijkzicht profile` all read this one structure.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Protocol, TypeVar

import duckdb

from wijkzicht.catalogue import LATEST_PICTURE, SUBGROUP_PREFERENCE, load_catalogue
from wijkzicht.errors import WijkzichtError
from wijkzicht.monitor import comparison, coverage, index, similar, stability, trends
from wijkzicht.monitor.areas import Area, get_area
from wijkzicht.monitor.observations import Indicators, read_indicators
from wijkzicht.monitor.score_trends import ScoreSeries, score_trends
from wijkzicht.records import plain


@dataclass(frozen=True)
class ProfileFigure(comparison.Comparison):
    """One figure of the area with what it is compared with, its national position, trend and source."""

    domain: str
    percentile: float | None  # national percentile among areas of the level, higher = more problems
    trend: trends.Trend | None
    source_table: str
    source_column: str
    # The series has values in only part of the country (series_coverage): shown as delivered, without a
    # national percentile.
    local: bool = False


@dataclass(frozen=True)
class Profile:
    area: Area
    scores: index.Explanation | None  # None: no scored indicator for this area
    figures: list[ProfileFigure]
    similar_boundary_year: int | None
    similar: list[similar.SimilarArea] = field(default_factory=list)
    similar_unavailable: str | None = None
    # Every problem domain of the catalogue with what this installation measures of it, so a domain without
    # figures reads "not measured here" rather than vanishing; and the sources of the figures shown.
    domain_coverage: list[coverage.DomainCoverage] = field(default_factory=list)
    sources: list[coverage.InstalledSource] = field(default_factory=list)
    # For a wijk or buurt: its gemeente's scores on the same boundaries and picture, shown for the domains
    # measured only per gemeente (police crime counts), so "not measured per wijk" still says something.
    gemeente_scores: index.Explanation | None = None
    # The domain scores and the index over the periods, on the latest boundaries the level is scored on.
    score_series: list[ScoreSeries] = field(default_factory=list)
    # Rank stability of the scores shown (the index under "index", each domain under its name): how often the
    # area is in the worst 10% when the method's choices vary (latest picture only; monitor/stability.py).
    stability: dict[str, stability.AreaStability] = field(default_factory=dict)

    def as_dict(self) -> dict[str, object]:
        document = plain(self)
        document["area"] = self.area.as_dict()
        return document


Explainer = Callable[[duckdb.DuckDBPyConnection, str, index.Selection], index.Explanation]


@dataclass(frozen=True, eq=False)  # one per warehouse: compared and hashed by identity, as a cache key
class Installation:
    """What every profile of one warehouse shares: the domains it measures, its sources, the series of
    each level that cover only part of the country and its indicators. A server reads it once (the
    warehouse is read-only)."""

    domain_coverage: list[coverage.DomainCoverage]
    sources: list[coverage.InstalledSource]
    local_series: dict[str, frozenset[tuple[str, int, int, str]]]
    indicators: Indicators

    @classmethod
    def read(cls, con: duckdb.DuckDBPyConnection) -> Installation:
        catalogue = load_catalogue()
        local: dict[str, set[tuple[str, int, int, str]]] = {}
        for level, *series in con.execute(
            "SELECT level, indicator, boundary_year, period, subgroup FROM series_coverage WHERE coverage = 'local'"
        ).fetchall():
            local.setdefault(level, set()).add(tuple(series))
        return cls(
            coverage.domain_coverage(con, catalogue),
            coverage.installed_sources(con, catalogue),
            {level: frozenset(rows) for level, rows in local.items()},
            read_indicators(con),
        )


def area_profile(
    con: duckdb.DuckDBPyConnection,
    code: str,
    *,
    language: str = "nl",
    similar_count: int = 5,
    installation: Installation | None = None,
    explain_gemeente: Explainer = index.explain_stored,
) -> Profile:
    """The profile of one area on the stored scores (default settings): latest period per figure.

    A server passes `explain_gemeente` with a cache: a gemeente's scores are shown on the profile of each
    of its wijken and buurten."""
    installation = installation or Installation.read(con)
    area = get_area(con, code)
    try:
        scores = index.explain_stored(con, area.code, index.Selection(level=area.level))
    except WijkzichtError:
        scores = None
    try:
        year, nearest = similar.similar_areas(con, area.code, k=similar_count)
        similar_areas, unavailable = [a for a in nearest if a.code != area.code], None
    except WijkzichtError as error:
        year, similar_areas, unavailable = None, [], str(error)
    local = installation.local_series.get(area.level, frozenset())
    figures = _latest_figures(con, area, language, local, installation.indicators)
    shown = {figure.source_table for figure in figures}
    return Profile(
        area,
        scores,
        figures,
        year,
        similar_areas,
        unavailable,
        installation.domain_coverage,
        [source for source in installation.sources if source.id in shown],
        _gemeente_scores(con, area, scores, explain_gemeente),
        score_trends(con, area.code, area.level),
        _stability(con, area.code, scores),
    )


def _stability(
    con: duckdb.DuckDBPyConnection, code: str, scores: index.Explanation | None
) -> dict[str, stability.AreaStability]:
    if scores is None:
        return {}
    partition = index.Selection(scores.level, scores.boundary_year, scores.period, scores.subgroup)
    return stability.stored_for_area(con, code, partition)


def _gemeente_scores(
    con: duckdb.DuckDBPyConnection, area: Area, scores: index.Explanation | None, explain: Explainer
) -> index.Explanation | None:
    """The gemeente's scores on the boundaries and in the kind of partition of the area's own (its
    picture's period may differ: the gemeente's figures reach a later year)."""
    if scores is None or area.level not in ("wijk", "buurt") or not area.gemeente_code:
        return None
    picture = scores.subgroup == LATEST_PICTURE
    wanted = index.Selection(
        "gemeente",
        scores.boundary_year,
        None if picture else scores.period,
        scores.subgroup,
    )
    try:
        return explain(con, area.gemeente_code, wanted)
    except WijkzichtError:
        return None


def _latest_figures(
    con: duckdb.DuckDBPyConnection,
    area: Area,
    language: str,
    local: frozenset[tuple[str, int, int, str]],
    indicators: Indicators,
) -> list[ProfileFigure]:
    """Per indicator: the latest period of the preferred subgroup, with percentile, trend and source (only
    these are put in words: a wijk has some 260 stored figures, of which it shows some 74)."""
    stored = latest_per_indicator(comparison.stored_figures(con, area.code, indicators))
    latest = [comparison.with_source(figure, indicators[figure.indicator], language) for figure in stored]
    found = trends.area_trends(con, area.code, language=language, indicators=indicators)
    series = {(t.indicator, t.subgroup): t for t in found}
    return [
        ProfileFigure(
            **vars(figure),
            domain=source.domain,
            percentile=source.percentile,
            trend=series.get((figure.indicator, figure.subgroup)),
            source_table=source.table,
            source_column=source.column,
            local=_key(figure) in local,
        )
        for figure, source in latest
    ]


class Dated(Protocol):
    """A figure of one indicator, subgroup, boundary year and period; read-only, so frozen figures fit."""

    @property
    def indicator(self) -> str: ...
    @property
    def subgroup(self) -> str: ...
    @property
    def boundary_year(self) -> int: ...
    @property
    def period(self) -> int: ...


F = TypeVar("F", bound=Dated)


def _key(figure: Dated) -> tuple[str, int, int, str]:
    return (figure.indicator, figure.boundary_year, figure.period, figure.subgroup)


def latest_per_indicator(figures: Iterable[F]) -> list[F]:
    """Per indicator the figure to show first: the latest period, then the preferred subgroup, then the
    latest boundary year (in the order the indicators first appear)."""
    latest: dict[str, F] = {}
    for figure in figures:
        current = latest.get(figure.indicator)
        if current is None or _preference(figure) < _preference(current):
            latest[figure.indicator] = figure
    return list(latest.values())


def _preference(figure: Dated) -> tuple[int, int, int]:
    subgroup = SUBGROUP_PREFERENCE.index(figure.subgroup) if figure.subgroup in SUBGROUP_PREFERENCE else 99
    return (-figure.period, subgroup, -figure.boundary_year)
