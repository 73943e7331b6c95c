"""Server-rendered pages of the monitor (Zicht op Wijken): search, profile, rankings, comparison, focus areas."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Annotated

import duckdb
from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse
from markdown_it import MarkdownIt

from wijkzicht import codes
from wijkzicht.catalogue import CONTEXT_DOMAIN, load_catalogue
from wijkzicht.errors import NotFoundError, WijkzichtError
from wijkzicht.monitor import focus, perception
from wijkzicht.monitor.areas import Area, search
from wijkzicht.monitor.profile import Profile, ProfileFigure, latest_per_indicator
from wijkzicht.monitor.rankings import RankingFilter, ranking, ranking_page, scored_domains
from wijkzicht.web.deps import Cache, Warehouse
from wijkzicht.web.monitor.api import Rankings, RankOrder
from wijkzicht.web.params import AreaCodePath, FocusAreaNumber, Language, PageNumber, Period
from wijkzicht.web.render import page
from wijkzicht.web.security import Store
from wijkzicht.web.wijkwijzer.profile_section import profile_section

router = APIRouter(include_in_schema=False)

PAGE_SIZES = (25, 50, 100, 250)
MAX_COMPARED = 4


@router.get("/", response_class=HTMLResponse)
def home(request: Request, lang: Language = "nl") -> HTMLResponse:
    return page(request, "home.html", lang)


@router.get("/zoeken", response_class=HTMLResponse)
def search_page(
    request: Request,
    con: Warehouse,
    q: Annotated[str, Query(max_length=100)] = "",
    lang: Language = "nl",
) -> HTMLResponse:
    found = search(con, q, limit=50) if q.strip() else []
    return page(request, "search.html", lang, query=q, results=found)


@router.get("/gebied/{code}", response_class=HTMLResponse)
def profile_page(
    request: Request, cache: Cache, con: Warehouse, store: Store, code: AreaCodePath, lang: Language = "nl"
) -> HTMLResponse:
    profile = cache.profile(code, lang)
    context = {**_profile_context(profile, lang), **profile_section(store, con, profile)}
    return page(request, "gebied.html", lang, status_code=200, profile=profile, **context)


def _profile_context(profile: Profile, lang: str) -> dict[str, object]:
    catalogue = load_catalogue()
    domains = [d for d in catalogue.domains if any(f.domain == d for f in profile.figures)]
    sources = sorted({f.source_table for f in profile.figures})
    return {
        "figure_domains": domains,
        "sources": [catalogue.tables[s] for s in sources if s in catalogue.tables],
        "perception": perception.side_by_side(profile),
        "local_tables": {table.id for table in catalogue.tables.values() if table.coverage == "local"},
        "wijk_code": codes.wijk_of(profile.area.code),  # a buurt's breadcrumb names its wijk
    }


@router.get("/ranglijst", response_class=HTMLResponse)
def rankings_page(
    request: Request,
    con: Warehouse,
    cache: Cache,
    selection: Rankings,
    page_number: Annotated[PageNumber, Query(alias="pagina")] = 1,
    size: Annotated[int, Query(alias="per", ge=1, le=250)] = 50,
    sort: RankOrder = "rank",
    lang: Language = "nl",
) -> HTMLResponse:
    found = cache(ranking_page, selection, sort, size, (page_number - 1) * size)
    pages = max(1, -(-found.total // size))
    return page(
        request,
        "ranglijst.html",
        lang,
        ranking=found,
        selection=selection,
        rows=found.areas,
        sort=sort,
        page_number=page_number,
        pages=pages,
        size=size,
        page_sizes=PAGE_SIZES,
        domains=scored_domains(),
        focus_areas=focus.load_focus_areas(),
        periods=_periods(con, selection),
        state=_ranking_state(selection),
        gemeente_pattern=codes.html_pattern("gemeente"),
    )


def _periods(con: duckdb.DuckDBPyConnection, selection: RankingFilter) -> list[int]:
    rows = con.execute(
        "SELECT DISTINCT period FROM area_index WHERE level = ? ORDER BY period DESC", [selection.level]
    ).fetchall()
    return [row[0] for row in rows]


def _ranking_state(selection: RankingFilter) -> dict[str, object]:
    """The filter as URL parameters (names as the API takes them)."""
    return {
        "level": selection.level,
        "domain": selection.domain,
        "period": selection.period,
        "boundary_year": selection.boundary_year,
        "subgroup": selection.subgroup,
        "gemeente": selection.gemeente,
        "focus": selection.focus_area,
    }


def _compared_codes(
    gebied: Annotated[list[str] | None, Query(max_length=MAX_COMPARED, description="codes or names")] = None,
) -> list[str]:
    return [text.strip() for text in gebied or [] if text and text.strip()][:MAX_COMPARED]


@router.get("/vergelijk", response_class=HTMLResponse)
def compare_page(
    request: Request,
    con: Warehouse,
    cache: Cache,
    wanted: Annotated[list[str], Depends(_compared_codes)],
    lang: Language = "nl",
) -> HTMLResponse:
    areas, problems = _resolve_areas(con, wanted)
    profiles = [cache.profile(area.code, lang, similar_count=0) for area in areas]
    rows = _comparison_rows(profiles)
    return page(
        request,
        "vergelijk.html",
        lang,
        wanted=wanted + [""] * (MAX_COMPARED - len(wanted)),
        profiles=profiles,
        problems=problems,
        rows=rows,
        domains=scored_domains(),
    )


def _resolve_areas(con: duckdb.DuckDBPyConnection, wanted: list[str]) -> tuple[list[Area], list[str]]:
    """Each entry is a code or (part of) a name; the best match is taken, an unknown one is reported."""
    areas: list[Area] = []
    problems: list[str] = []
    for text in wanted:
        try:
            found = search(con, text, limit=1)
        except WijkzichtError as error:
            problems.append(str(error))
            continue
        if not found:
            problems.append(text)
        elif found[0].code not in {a.code for a in areas}:
            areas.append(found[0])
    return areas, problems


@dataclass(frozen=True)
class ComparisonRow:
    indicator: str
    name: str
    domain: str
    unit: str
    figures: list[ProfileFigure | None]  # per compared area, None where it has no figure


def _comparison_rows(profiles: list[Profile]) -> list[ComparisonRow]:
    """One row per indicator that any compared area has, with each area's latest figure; grouped by domain
    in the catalogue's order of domains (problem domains first, context last)."""
    rows: dict[str, ComparisonRow] = {}
    for position, profile in enumerate(profiles):
        for figure in profile.figures:
            row = rows.setdefault(
                figure.indicator,
                ComparisonRow(
                    figure.indicator, figure.name, figure.domain, figure.unit, [None] * len(profiles)
                ),
            )
            row.figures[position] = figure
    order = [*load_catalogue().problem_domains, CONTEXT_DOMAIN]
    return sorted(rows.values(), key=lambda row: order.index(row.domain))


@router.get("/focusgebieden", response_class=HTMLResponse)
def focus_areas_page(request: Request, con: Warehouse, lang: Language = "nl") -> HTMLResponse:
    areas = focus.load_focus_areas()
    inhabitants = {a.number: sum(focus.populations(con, list(a.wijken)).values()) for a in areas}
    return page(request, "focusgebieden.html", lang, areas=areas, inhabitants=inhabitants)


@router.get("/focusgebieden/{number}", response_class=HTMLResponse)
def focus_area_page(
    request: Request,
    con: Warehouse,
    number: FocusAreaNumber,
    period: Period = None,
    lang: Language = "nl",
) -> HTMLResponse:
    areas = focus.load_focus_areas()
    chosen = next((a for a in areas if a.number == number), None)
    if chosen is None:
        raise NotFoundError(f"there is no focus area number {number} (1 to {len(areas)})")
    figures = focus.aggregate(con, list(chosen.wijken), period=period, language=lang)
    members = ranking(con, RankingFilter(level="wijk", focus_area=number)).areas
    return page(
        request,
        "focusgebied.html",
        lang,
        area=chosen,
        figures=latest_per_indicator(f for f in figures if f.value is not None),
        members={m.code: m for m in members},
        inhabitants=focus.populations(con, list(chosen.wijken)),
    )


@router.get("/methode", response_class=HTMLResponse)
def method_page(request: Request, lang: Language = "nl") -> HTMLResponse:
    return page(request, "methode.html", lang, method=_method_html())


@cache
def _method_html() -> str:
    # The method document is Markdown written by us (not user input), rendered once.
    text = resources.files("wijkzicht.web").joinpath("method.md").read_text("utf-8")
    return MarkdownIt("commonmark").enable("table").render(text)
