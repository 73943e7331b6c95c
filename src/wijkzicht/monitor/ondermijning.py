"""Zicht op Ondermijning: per theme, where an area stands on the risk factors for undermining crime.

The framework (themes, their indicators with direction, reasoning and source, what the offline snapshot
has) is data: `catalogue/ondermijning.yaml`, validated against the indicator catalogue on load. The view
reads the stored standardised percentiles of the index (`wijkzicht.monitor.index`), so a position here is the same
number as in `wijkzicht explain`. Per theme it gives the indicators behind it, the mean of their
percentiles and its coverage, and for every indicator without a position the reason; the themes stand side
by side and are never combined into one score. Areas under the framework's minimum population are not
shown at all, and every view carries the fixed explanation of what it does and does not mean.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache, partial
from importlib import resources
from pathlib import Path
from typing import Any

import duckdb

from wijkzicht.catalogue import DIRECTIONS, SUBGROUP_PREFERENCE, Catalogue, load_catalogue
from wijkzicht.errors import CatalogueError, WijkzichtError
from wijkzicht.i18n import format_number
from wijkzicht.monitor.areas import get_area
from wijkzicht.monitor.trends import MATRIX_VARIANT
from wijkzicht.records import plain
from wijkzicht.yamltext import YAMLError, load_packaged_yaml, load_yaml

LANGUAGES = ("nl", "en")
EXPLANATION_PARTS = ("shows", "does_not_show", "use", "safeguards")
REASONS = ("not_loaded", "local_only", "no_figure", "not_at_level", "not_shown", "population_unknown")
LEVEL_NAMES = {
    "nl": {"gemeente": "gemeente", "wijk": "wijk", "buurt": "buurt"},
    "en": {"gemeente": "municipality", "wijk": "district", "buurt": "neighbourhood"},
}

Texts = dict[str, str]  # language -> text


# --- the framework ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class FrameworkIndicator:
    id: str
    direction: str
    offline: bool
    fetch: str  # the table to download when the offline data lacks it
    reasoning: Texts
    source: str


@dataclass(frozen=True)
class Planned:
    name: Texts
    reason: Texts


@dataclass(frozen=True)
class Theme:
    id: str
    name: Texts
    description: Texts
    indicators: tuple[FrameworkIndicator, ...]
    planned: tuple[Planned, ...]


@dataclass(frozen=True)
class Framework:
    min_population: int
    levels: tuple[str, ...]
    explanation: dict[str, Texts]
    reasons: dict[str, Texts]
    themes: tuple[Theme, ...]

    def indicator_ids(self) -> list[str]:
        return [indicator.id for theme in self.themes for indicator in theme.indicators]

    def explained(self, language: str) -> dict[str, str]:
        return {
            part: texts[language].format(min_population=self.min_population)
            for part, texts in self.explanation.items()
        }

    def reason(self, kind: str, language: str, **values: object) -> str:
        return self.reasons[kind][language].format(**values)


def _require(entry: Any, key: str, where: str) -> Any:
    if not isinstance(entry, dict) or entry.get(key) in (None, ""):
        raise CatalogueError(f"ondermijning framework, {where}: missing required field {key!r}")
    return entry[key]


def _texts(entry: Any, key: str, where: str) -> Texts:
    texts = _require(entry, key, where)
    missing = [language for language in LANGUAGES if not isinstance(texts, dict) or not texts.get(language)]
    if missing:
        raise CatalogueError(f"ondermijning framework, {where}: {key} has no text in {', '.join(missing)}")
    return {language: " ".join(str(texts[language]).split()) for language in LANGUAGES}


def _indicator(entry: Any, theme: str, catalogue: Catalogue) -> FrameworkIndicator:
    indicator_id = _require(entry, "id", f"theme {theme!r}")
    where = f"theme {theme!r}, indicator {indicator_id!r}"
    known = catalogue.indicators.get(indicator_id)
    if known is None:
        raise CatalogueError(f"ondermijning framework, {where}: not in the indicator catalogue")
    if not known.scored:
        raise CatalogueError(
            f"ondermijning framework, {where}: not a scored indicator, so it has no position"
        )
    direction = _require(entry, "direction", where)
    if direction not in DIRECTIONS or direction != known.direction:
        raise CatalogueError(
            f"ondermijning framework, {where}: direction {direction!r} differs from the catalogue's "
            f"{known.direction!r}"
        )
    fetch = str(_require(entry, "fetch", where))
    tables = {table for source in known.sources for table in catalogue.table_ids(source.table)}
    if fetch not in tables:
        raise CatalogueError(
            f"ondermijning framework, {where}: fetch {fetch!r} is not a source table of the indicator "
            f"(one of: {', '.join(sorted(tables))})"
        )
    offline = entry.get("offline")
    if not isinstance(offline, bool):
        raise CatalogueError(f"ondermijning framework, {where}: offline must be true or false")
    return FrameworkIndicator(
        indicator_id,
        direction,
        offline,
        fetch,
        _texts(entry, "reasoning", where),
        _require(entry, "source", where),
    )


def _theme(entry: Any, catalogue: Catalogue) -> Theme:
    theme_id = _require(entry, "id", "theme")
    indicators = tuple(_indicator(item, theme_id, catalogue) for item in entry.get("indicators") or [])
    planned = tuple(
        Planned(
            _texts(item, "name", f"theme {theme_id!r}, planned"),
            _texts(item, "reason", f"theme {theme_id!r}"),
        )
        for item in entry.get("planned") or []
    )
    if not indicators and not planned:
        raise CatalogueError(
            f"ondermijning framework, theme {theme_id!r}: neither indicators nor planned ones"
        )
    return Theme(
        theme_id,
        _texts(entry, "name", f"theme {theme_id!r}"),
        _texts(entry, "description", f"theme {theme_id!r}"),
        indicators,
        planned,
    )


def parse_framework(document: Any, catalogue: Catalogue) -> Framework:
    """A validated framework from the parsed YAML document."""
    min_population = _require(document, "min_population", "top level")
    if isinstance(min_population, bool) or not isinstance(min_population, int) or min_population < 1:
        raise CatalogueError(
            f"ondermijning framework: min_population must be a whole number >= 1, not {min_population!r}"
        )
    levels = tuple(_require(document, "levels", "top level"))
    unknown_levels = [level for level in levels if level not in LEVEL_NAMES["nl"]]
    if unknown_levels:
        raise CatalogueError(
            f"ondermijning framework: unknown levels {unknown_levels} (gemeente, wijk, buurt)"
        )
    explanation = _require(document, "explanation", "top level")
    reasons = _require(document, "reasons", "top level")
    themes = tuple(_theme(entry, catalogue) for entry in _require(document, "themes", "top level"))
    framework = Framework(
        min_population,
        levels,
        {part: _texts(explanation, part, "explanation") for part in EXPLANATION_PARTS},
        {kind: _texts(reasons, kind, "reasons") for kind in REASONS},
        themes,
    )
    _check_unique(framework)
    return framework


def _check_unique(framework: Framework) -> None:
    theme_ids = [theme.id for theme in framework.themes]
    for ids, what in ((theme_ids, "theme"), (framework.indicator_ids(), "indicator")):
        twice = sorted({item for item in ids if ids.count(item) > 1})
        if twice:
            raise CatalogueError(f"ondermijning framework: {what} listed twice: {', '.join(twice)}")


def load_framework(path: Path | None = None, catalogue: Catalogue | None = None) -> Framework:
    """The framework from a YAML file (the packaged one by default), checked against the catalogue."""
    if path is None and catalogue is None:
        return _packaged_framework()
    text = (
        Path(path).read_text(encoding="utf-8")
        if path is not None
        else resources.files("wijkzicht").joinpath("catalogue/ondermijning.yaml").read_text(encoding="utf-8")
    )
    try:
        document = load_yaml(text)
    except YAMLError as error:
        raise CatalogueError(f"ondermijning framework {path}: not valid YAML: {error}") from error
    return parse_framework(document, catalogue or load_catalogue())


@cache
def _packaged_framework() -> Framework:
    text = resources.files("wijkzicht").joinpath("catalogue/ondermijning.yaml").read_text(encoding="utf-8")
    return parse_framework(load_packaged_yaml(text), load_catalogue())


# --- the view of one area ---------------------------------------------------------------------------


@dataclass(frozen=True)
class IndicatorPosition:
    id: str
    name: str
    unit: str
    direction: str
    reasoning: str
    source: str
    status: str  # ranked | suppressed | missing | unavailable
    value: float | None = None
    percentile: float | None = None  # among the areas of the level; 100 = least favourable
    period: int | None = None
    boundary_year: int | None = None
    subgroup: str | None = None
    reason: str | None = None
    loaded: bool = True  # False: the warehouse has no figure of this indicator at all (source not loaded)


@dataclass(frozen=True)
class ThemePosition:
    id: str
    name: str
    description: str
    # The mean percentile of the theme's indicators with a position: this theme only, never combined.
    mean_percentile: float | None
    indicators_with_position: int
    indicators_in_theme: int
    limited_coverage: bool  # fewer than half of the theme's indicators have a position
    indicators: list[IndicatorPosition] = field(default_factory=list)
    not_available: list[dict[str, str]] = field(default_factory=list)  # planned indicators, with why
    # None of its indicators is in this installation: "not measured here", never an empty "no position".
    not_measured: bool = False


@dataclass(frozen=True)
class AreaView:
    code: str
    name: str
    level: str
    boundary_year: int
    gemeente_code: str | None
    gemeente_name: str | None
    shown: bool
    not_shown_reason: str | None
    min_population: int
    explanation: dict[str, str]
    themes: list[ThemePosition] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        return plain(self)


def area_view(
    con: duckdb.DuckDBPyConnection, code: str, language: str = "nl", framework: Framework | None = None
) -> AreaView:
    """The Zicht op Ondermijning view of one gemeente, wijk or buurt, in Dutch or English."""
    if language not in LANGUAGES:
        raise WijkzichtError(f"unknown language {language!r} (expected one of: {', '.join(LANGUAGES)})")
    framework = framework or load_framework()
    area = get_area(con, code)
    if area.level not in framework.levels:
        raise WijkzichtError(
            f"{area.code} is a {area.level}: Zicht op Ondermijning covers {', '.join(framework.levels)}"
        )
    boundary_year = max(area.boundary_years)
    hidden = _not_shown_reason(con, framework, area.code, boundary_year, language)
    view = AreaView(
        area.code,
        area.name,
        area.level,
        boundary_year,
        area.gemeente_code,
        area.gemeente_name,
        shown=hidden is None,
        not_shown_reason=hidden,
        min_population=framework.min_population,
        explanation=framework.explained(language),
    )
    if hidden is not None:
        return view  # no figure at all: a small area must not be recognisable from its figures
    positions = _indicator_positions(con, framework, area.code, area.level, boundary_year, language)
    view.themes.extend(_theme_position(theme, positions, language) for theme in framework.themes)
    return view


def _not_shown_reason(
    con: duckdb.DuckDBPyConnection, framework: Framework, code: str, boundary_year: int, language: str
) -> str | None:
    row = con.execute(
        "SELECT population FROM area_population WHERE area_code = ? AND boundary_year = ?",
        [code, boundary_year],
    ).fetchone()
    if row is None or row[0] is None:
        return framework.reason("population_unknown", language, min_population=framework.min_population)
    if row[0] < framework.min_population:
        return framework.reason(
            "not_shown",
            language,
            min_population=framework.min_population,
            population=format_number(row[0], language, 0),
        )
    return None


def _indicator_positions(
    con: duckdb.DuckDBPyConnection,
    framework: Framework,
    code: str,
    level: str,
    boundary_year: int,
    language: str,
) -> dict[str, IndicatorPosition]:
    """Per framework indicator the area's latest figure with a position, or why there is none.

    A figure on an older boundary year counts only when the code's boundaries did not change since (the
    VNG matrices, as in `wijkzicht trend`); a ranked figure goes before a missing one, then the latest period.
    """
    catalogue = load_catalogue()
    ids = framework.indicator_ids()
    rows = con.execute(
        """
        SELECT s.indicator, s.status::VARCHAR, s.value, s.percentile, s.period, s.boundary_year, s.subgroup, s.reason
        FROM standardised s
        WHERE s.area_code = $code AND s.level = $level AND list_contains($ids, s.indicator)
          AND (s.boundary_year = $year OR NOT EXISTS (
                SELECT 1 FROM address_moves m
                WHERE m.level = s.level AND m.variant = $variant AND m.from_year = s.boundary_year
                  AND m.to_year = $year AND $code IN (m.old_code, m.new_code)))
        QUALIFY row_number() OVER (
            PARTITION BY s.indicator
            ORDER BY s.status = 'ranked' DESC, s.period DESC, s.boundary_year DESC,
                     list_position($subgroups, s.subgroup) NULLS LAST) = 1
        """,
        {
            "code": code,
            "level": level,
            "ids": ids,
            "year": boundary_year,
            "variant": MATRIX_VARIANT,
            "subgroups": list(SUBGROUP_PREFERENCE),
        },
    ).fetchall()
    found = {row[0]: row[1:] for row in rows}
    coverage = _loaded_boundary_years(con, ids, level)
    local = {
        row[0]
        for row in con.execute(
            "SELECT DISTINCT indicator FROM series_coverage WHERE coverage = 'local' AND list_contains(?, indicator)",
            [ids],
        ).fetchall()
    }
    positions = {}
    for theme in framework.themes:
        for item in theme.indicators:
            known = catalogue.indicators[item.id]
            position = partial(
                IndicatorPosition,
                id=item.id,
                name=known.name(language),
                unit=known.unit,
                direction=item.direction,
                reasoning=item.reasoning[language],
                source=item.source,
            )
            if item.id in found:
                status, value, percentile, period, year, subgroup, reason = found[item.id]
                positions[item.id] = position(
                    status=status,
                    value=value,
                    percentile=percentile,
                    period=period,
                    boundary_year=year,
                    subgroup=subgroup,
                    reason=reason,
                )
            else:
                table = catalogue.tables[item.fetch]
                source = f"{table.title} ({table.publisher}, {table.id})"
                if item.id in local and item.id not in coverage:  # loaded, but for part of the country
                    reason = framework.reason("local_only", language, table=source)
                else:
                    reason = _unavailable_reason(framework, item, coverage, level, language, source)
                loaded = item.id in coverage or item.id in local
                positions[item.id] = position(status="unavailable", reason=reason, loaded=loaded)
    return positions


def _loaded_boundary_years(
    con: duckdb.DuckDBPyConnection, ids: list[str], level: str
) -> dict[str, list[int] | None]:
    """Per indicator in the warehouse: the boundary years it has at this level ([] = only other levels).

    Read from the series of the stored scores (one row per indicator, level, boundary year, period and
    subgroup), which the framework's indicators all have, rather than from millions of observations.
    """
    rows = con.execute(
        """SELECT indicator, list(DISTINCT boundary_year ORDER BY boundary_year) FILTER (WHERE level = ?)
           FROM score_series WHERE list_contains(?, indicator) GROUP BY indicator""",
        [level, ids],
    ).fetchall()
    return {indicator: years or [] for indicator, years in rows}


def _unavailable_reason(
    framework: Framework,
    item: FrameworkIndicator,
    coverage: dict[str, list[int] | None],
    level: str,
    language: str,
    source: str,
) -> str:
    # A public page: the reason names the missing source, never a command (that is for administrators).
    if item.id not in coverage:
        return framework.reason("not_loaded", language, table=source)
    if not coverage[item.id]:
        return framework.reason("not_at_level", language, level=LEVEL_NAMES[language][level])
    return framework.reason("no_figure", language, years=", ".join(map(str, coverage[item.id] or [])))


def _theme_position(theme: Theme, positions: dict[str, IndicatorPosition], language: str) -> ThemePosition:
    indicators = [positions[item.id] for item in theme.indicators]
    ranked = [p.percentile for p in indicators if p.status == "ranked" and p.percentile is not None]
    return ThemePosition(
        theme.id,
        theme.name[language],
        theme.description[language],
        mean_percentile=sum(ranked) / len(ranked) if ranked else None,
        indicators_with_position=len(ranked),
        indicators_in_theme=len(indicators),
        limited_coverage=len(ranked) < len(indicators) / 2,
        indicators=indicators,
        not_available=[{"name": p.name[language], "reason": p.reason[language]} for p in theme.planned],
        not_measured=bool(indicators) and not any(p.loaded for p in indicators),
    )
