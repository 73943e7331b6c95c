"""Server-rendered pages of the monitor (Zicht op Wijken): search, profile, rankings, comparison, focus areas."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date
from functools import cache, partial
from importlib import resources
from typing import Annotated

import duckdb
from fastapi import APIRouter, Depends, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, Response
from markdown_it import MarkdownIt

from wijkzicht.catalogue import CONTEXT_DOMAIN, load_catalogue
from wijkzicht.catalogue.variation import load_variation
from wijkzicht.errors import NotFoundError, WijkzichtError
from wijkzicht.monitor import coverage, focus, focus_scores, stability
from wijkzicht.monitor.areas import Area, choose, search
from wijkzicht.monitor.profile import Profile, ProfileFigure, latest_per_indicator
from wijkzicht.monitor.rankings import (
    FOCUS_LEVEL,
    RankingFilter,
    ranking,
    ranking_page,
    read_directory,
    scored_domains,
)
from wijkzicht.programmes.database import OperationalDatabase
from wijkzicht.web.compressed import accepts_gzip
from wijkzicht.web.deps import Cache, Makers, ProfileMakers, Warehouse, WarehouseCache
from wijkzicht.web.monitor.api import RankingsAnyGemeente, RankOrder
from wijkzicht.web.monitor.factsheet import factsheet_pdf, factsheet_workbook
from wijkzicht.web.monitor.profile_content import ProfileContent, made_profile_content
from wijkzicht.web.params import (
    AreaCodePath,
    FocusAreaNumber,
    Language,
    PageNumber,
    Period,
    SearchDestination,
)
from wijkzicht.web.render import page
from wijkzicht.web.security import Store
from wijkzicht.web.wijkwijzer.profile_section import profile_section
from wijkzicht.wijkwijzer.elsewhere import carried_to_focus_boundaries

router = APIRouter(include_in_schema=False)

PAGE_SIZES = (25, 50, 100, 250)
MAX_COMPARED = 4
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@router.get("/", response_class=HTMLResponse)
def home(request: Request, cache: Cache, lang: Language = "nl") -> HTMLResponse:
    return page(request, "home.html", lang, domain_coverage=cache(coverage.installation_domains))


@router.get("/zoeken", response_class=HTMLResponse)
def search_page(
    request: Request,
    con: Warehouse,
    q: Annotated[str, Query(max_length=100)] = "",
    naar: SearchDestination = "gebied",
    lang: Language = "nl",
) -> HTMLResponse:
    found = search(con, q, limit=50) if q.strip() else []
    areas = [area for area in found if area.level != focus.FOCUS_LEVEL]
    # The residents' page and Zicht op Ondermijning exist per area, not for the country.
    if naar != "gebied":
        areas = [area for area in areas if area.level != "land"]
    return page(
        request,
        "search.html",
        lang,
        query=q,
        destination=naar,
        count=len(found),
        results=areas,
        focus_found=_focus_areas_among(found) if naar == "gebied" else [],
    )


def _focus_areas_among(found: list[Area]) -> list[focus.FocusArea]:
    """The focus areas of search results (which carry a focus area's number as their code)."""
    by_number = {str(area.number): area for area in focus.load_focus_areas()}
    return [by_number[area.code] for area in found if area.level == focus.FOCUS_LEVEL]


@router.get("/gebied/{code}", response_class=HTMLResponse)
async def profile_page(
    request: Request,
    cache: Cache,
    makers: Makers,
    con: Warehouse,
    store: Store,
    code: AreaCodePath,
    lang: Language = "nl",
) -> Response:
    # A new profile, and the page's content that every visitor sees, are made by a profile maker process, as
    # the API's: made in the worker's threads they held Python's interpreter lock for most of the page's
    # time, and the worker's other answers waited for it. The rest of the page is made in a thread.
    content = await _profile_content(cache, makers, code, lang)
    return await run_in_threadpool(_profile_page, request, con, cache, store, content, lang)


async def _profile_content(
    cache: WarehouseCache, makers: ProfileMakers, code: str, lang: str
) -> ProfileContent:
    kept = cache.kept_page(code, lang)
    if isinstance(kept, ProfileContent):
        return kept
    content = await makers.made(made_profile_content, code, lang)
    cache.keep_page(code, lang, content)
    cache.keep_profile(code, lang, content.profile)  # for the factsheets, which are asked for after the page
    return content


def _profile_page(
    request: Request,
    con: duckdb.DuckDBPyConnection,
    cache: WarehouseCache,
    store: OperationalDatabase,
    content: ProfileContent,
    lang: str,
) -> Response:
    profile = content.profile
    section = profile_section(store, con, profile, carry=partial(_carried, cache))
    frame = page(
        request, "gebied.html", lang, status_code=200, profile=profile, **content.places(), **section
    )
    return content.answer(frame, accepts_gzip(request))


def _carried(
    cache: WarehouseCache, _: duckdb.DuckDBPyConnection, area_codes: list[str], level: str, boundary_year: int
) -> dict[str, dict[str, float]]:
    """Where similar areas lie on the focus areas' boundaries: read from the warehouse once per server."""
    return cache(_carried_codes, tuple(area_codes), level, boundary_year)


def _carried_codes(
    con: duckdb.DuckDBPyConnection, area_codes: tuple[str, ...], level: str, boundary_year: int
) -> dict[str, dict[str, float]]:
    return carried_to_focus_boundaries(con, list(area_codes), level, boundary_year)


@router.get("/gebied/{code}/factsheet.pdf")
def factsheet_pdf_download(cache: Cache, code: AreaCodePath, lang: Language = "nl") -> Response:
    """The profile as a PDF to attach to a memo: scores, caveats, charts, every figure with year and source."""
    area = cache.profile(code, lang).area  # an unknown area answers 404 before any rendering
    # rendering takes seconds: a factsheet is made once per area, language and day (it says when it was made)
    pdf = cache.large(_factsheet_pdf, cache.profile, area.code, lang, date.today())
    return _download(pdf, "application/pdf", area.code, "pdf")


@router.get("/gebied/{code}/factsheet.xlsx")
def factsheet_xlsx_download(cache: Cache, code: AreaCodePath, lang: Language = "nl") -> Response:
    """The profile's figures, scores and trends as Excel, with the caveats and sources on a sheet of their own."""
    profile = cache.profile(code, lang)
    workbook = factsheet_workbook(profile, lang)
    return _download(workbook, XLSX, profile.area.code, "xlsx")


def _factsheet_pdf(
    _: duckdb.DuckDBPyConnection, profile_of: Callable[[str, str], Profile], code: str, lang: str, today: date
) -> bytes:
    # the profile comes from the server's cache (the page asked for it just before), not computed again
    return factsheet_pdf(profile_of(code, lang), lang, today)


def _download(content: bytes, media_type: str, code: str, extension: str) -> Response:
    name = f"factsheet-{code}.{extension}"  # an area's code: plain characters only
    return Response(
        content, media_type=media_type, headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )


@router.get("/ranglijst", response_class=HTMLResponse)
def rankings_page(
    request: Request,
    con: Warehouse,
    cache: Cache,
    choice: RankingsAnyGemeente,
    page_number: Annotated[PageNumber, Query(alias="pagina")] = 1,
    size: Annotated[int, Query(alias="per", ge=1, le=250)] = 50,
    sort: RankOrder = "rank",
    lang: Language = "nl",
    gemeente: Annotated[str, Query(max_length=100, description="a gemeente's name or code")] = "",
) -> HTMLResponse:
    chosen = choose(con, gemeente, level="gemeente") if gemeente.strip() else None
    selection = replace(choice, gemeente=chosen.area.code if chosen and chosen.area else None)
    found = cache(ranking_page, selection, sort, size, (page_number - 1) * size, cache(read_directory))
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
        domain_coverage={c.domain: c for c in cache(coverage.installation_domains)},
        focus_areas=focus.load_focus_areas(),
        periods=_periods(con, selection),
        state=_ranking_state(selection),
        gemeente_typed=gemeente.strip(),
        gemeente_choice=chosen,
    )


def _periods(con: duckdb.DuckDBPyConnection, selection: RankingFilter) -> list[int]:
    rows = con.execute(
        "SELECT DISTINCT period FROM area_index WHERE level = ? ORDER BY period DESC",
        ["wijk" if selection.level == FOCUS_LEVEL else selection.level],
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
    best, problems = _resolve_areas(con, wanted)
    # a name that is a focus area's is answered with the focus area, not with a wijk that happens to match
    focus_found = _focus_areas_among(best)
    areas = [area for area in best if area.level != focus.FOCUS_LEVEL]
    profiles = [cache.profile(area.code, lang, similar_count=0) for area in areas]
    rows = _comparison_rows(profiles)
    return page(
        request,
        "vergelijk.html",
        lang,
        wanted=wanted + [""] * (MAX_COMPARED - len(wanted)),
        profiles=profiles,
        problems=problems,
        focus_found=list(dict.fromkeys(focus_found)),
        rows=rows,
        domains=scored_domains(),
    )


def _resolve_areas(con: duckdb.DuckDBPyConnection, wanted: list[str]) -> tuple[list[Area], list[str]]:
    """Each entry is a code or (part of) a name; the best match (an area or a focus area) is taken, an unknown
    one is reported."""
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
        elif found[0] not in areas:
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


# How the comparison of the focus areas can be sorted; "-" first means the highest (most problems) first.
FocusSort = Annotated[
    str,
    Query(
        max_length=40,
        pattern=r"^-?(number|name|population|index|stacking|change|domain:[a-z_]+)$",
        description="Column to sort on, '-' first for descending, e.g. -index or domain:health",
    ),
]


def _sort_value(score: focus_scores.FocusScore, key: str) -> object:
    if key.startswith("domain:"):
        return score.domains.get(key.removeprefix("domain:"))
    if key == "stacking":
        return len(score.worst_domains) if score.score is not None else None
    if key == "index":
        return score.score
    if key == "change":
        return score.change
    return {"number": score.number, "name": score.name.lower(), "population": score.population}[key]


def sort_focus_scores(scores: list[focus_scores.FocusScore], sort: str) -> list[focus_scores.FocusScore]:
    """Sorted on one column; areas without a value for it always last, then by number."""
    key, descending = sort.lstrip("-"), sort.startswith("-")
    present = [s for s in scores if _sort_value(s, key) is not None]
    absent = [s for s in scores if _sort_value(s, key) is None]
    present.sort(
        key=lambda s: (_sort_value(s, key), -s.number if descending else s.number), reverse=descending
    )
    return present + sorted(absent, key=lambda s: s.number)


@router.get("/focusgebieden", response_class=HTMLResponse)
def focus_areas_page(
    request: Request,
    con: Warehouse,
    cache: Cache,
    partition: Annotated[
        str | None,
        Query(
            alias="p",
            pattern=r"^\d{4}-\d{4}-[a-z0-9]+$",
            description="Period, boundary year and subgroup, e.g. 2020-2020-18plus",
        ),
    ] = None,
    sort: FocusSort = "-index",
    lang: Language = "nl",
) -> HTMLResponse:
    """The 20 focus areas side by side, each scored as one area among the wijken of one partition."""
    areas = focus.load_focus_areas()
    every = cache(focus_scores.stored)
    partitions = focus_scores.partitions(every)
    wanted = {f"{period}-{year}-{group}": (year, period, group) for year, period, group in partitions}
    chosen = wanted.get(partition or "", partitions[0] if partitions else None)
    scores = focus_scores.in_partition(every, *chosen) if chosen else []
    domains = [d for d in scored_domains() if any(d in s.domains for s in scores)] or scored_domains()
    state = {"p": f"{chosen[1]}-{chosen[0]}-{chosen[2]}"} if chosen and partition else {}
    return page(
        request,
        "focusgebieden.html",
        lang,
        areas=areas,
        scores=sort_focus_scores(scores, sort),
        sort=sort,
        domains=domains,
        partition=chosen,
        partitions=partitions,
        state=state,
        unscored=[s for s in scores if s.counted == 0],
        previous_period=next((s.previous_period for s in scores if s.previous_period), None),
    )


@router.get("/focusgebieden/{number}", response_class=HTMLResponse)
def focus_area_page(
    request: Request,
    con: Warehouse,
    cache: Cache,
    number: FocusAreaNumber,
    period: Period = None,
    lang: Language = "nl",
) -> HTMLResponse:
    areas = focus.load_focus_areas()
    chosen = next((a for a in areas if a.number == number), None)
    if chosen is None:
        raise NotFoundError(key="error.focus.unknown_number", number=number, count=len(areas))
    figures = focus.aggregate(con, list(chosen.wijken), period=period, language=lang)
    members = ranking(con, RankingFilter(level="wijk", focus_area=number)).areas
    own_scores = [s for s in cache(focus_scores.stored) if s.number == number]
    return page(
        request,
        "focusgebied.html",
        lang,
        area=chosen,
        own_scores=own_scores,
        domains=[d for d in scored_domains() if any(d in s.domains for s in own_scores)],
        figures=latest_per_indicator(f for f in figures if f.value is not None),
        members={m.code: m for m in members},
        inhabitants=focus.populations(con, list(chosen.wijken)),
    )


@router.get("/methode", response_class=HTMLResponse)
def method_page(request: Request, lang: Language = "nl") -> HTMLResponse:
    """The method for people: what the scores mean and do not mean, the data and its limits."""
    return page(request, "methode.html", lang)


@router.get("/methode/technisch", response_class=HTMLResponse)
def technical_method_page(request: Request, lang: Language = "nl") -> HTMLResponse:
    """The technical method (docs/method.md), one click further for those who check the computation."""
    return page(request, "methode_technisch.html", lang, method=_method_html())


@cache
def _method_html() -> str:
    # The method document is Markdown written by us (not user input), rendered once.
    text = resources.files("wijkzicht.web").joinpath("method.md").read_text("utf-8")
    return MarkdownIt("commonmark").enable("table").render(text)


@router.get("/methode/gevoeligheid", response_class=HTMLResponse)
def sensitivity_page(request: Request, con: Warehouse, lang: Language = "nl") -> HTMLResponse:
    """Which choice of the method moves the rankings most (the stored sensitivity run, per level)."""
    tables = {
        level: table
        for level in stability.STABILITY_LEVELS
        if (table := stability.stored_sensitivity(con, level))
    }
    return page(
        request,
        "gevoeligheid.html",
        lang,
        tables=list(tables.values()),
        variation=load_variation(),
        counts={level: stability.label_counts(con, level) for level in tables},
    )
