"""The JSON API under /api: the same domain functions as the CLI, documented in OpenAPI.

Bad input answers 4xx naming the parameter (422 from validation, 400 from the domain), an unknown code 404.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Annotated, Literal

import duckdb
from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from wijkzicht.catalogue import load_catalogue
from wijkzicht.monitor import focus, index, similar
from wijkzicht.monitor.areas import area_names, children, get_area
from wijkzicht.monitor.observations import ValueFilter, ValuePartitions, read_value_partitions, values_page
from wijkzicht.monitor.rankings import RankingDirectory, RankingFilter, ranking, ranking_page, read_directory
from wijkzicht.records import as_json
from wijkzicht.web.compressed import gzipped_answer
from wijkzicht.web.deps import Cache, Makers, Warehouse
from wijkzicht.web.monitor import exports
from wijkzicht.web.params import (
    AreaCodePath,
    AreaCodeQuery,
    BoundaryYear,
    FocusAreaNumber,
    GemeenteQuery,
    Language,
    Level,
    PageNumber,
    PageSize,
    Period,
    RankingLevel,
    Subgroup,
)

router = APIRouter()

ValueFormat = Literal["csv", "parquet", "geojson"]


@router.get("/areas", tags=["areas"], summary="Search areas by (part of) a name or a code")
def areas_search(
    cache: Cache,
    q: Annotated[str, Query(min_length=1, max_length=100, description="Name part or code")],
    level: Level | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 20,
) -> list[dict[str, object]]:
    # the names are read once per worker: a search looks them up in memory
    return [a.as_dict() for a in cache(area_names).search(q, level=level, limit=limit)]


@router.get("/areas/{code}", tags=["areas"], summary="One area: level, name, boundary years, gemeente")
def area_get(con: Warehouse, code: AreaCodePath) -> dict[str, object]:
    return get_area(con, code).as_dict()


@router.get(
    "/areas/{code}/children", tags=["areas"], summary="The wijken of a gemeente, the buurten of a wijk"
)
def area_children(
    con: Warehouse, code: AreaCodePath, boundary_year: BoundaryYear = None
) -> list[dict[str, object]]:
    return [a.as_dict() for a in children(con, get_area(con, code).code, boundary_year=boundary_year)]


@router.get(
    "/areas/{code}/profile",
    tags=["monitor"],
    summary="Everything about an area (see the profile page), with perception beside the facts per theme",
)
async def area_profile_get(
    request: Request, cache: Cache, makers: Makers, code: AreaCodePath, lang: Language = "nl"
) -> Response:
    # A profile made before is answered on the event loop; one the build stored is read; a new one is made
    # by a profile maker process.
    body = (
        cache.ready_profile_gzip(code, lang)
        or await cache.stored_profile_gzip(code, lang)
        or await makers.profile_gzip(cache, code, lang)
    )
    return gzipped_answer(request, body, "application/json")


@router.get("/areas/{code}/explain", tags=["monitor"], summary="Per domain the indicators behind the scores")
def area_explain(
    con: Warehouse,
    code: AreaCodePath,
    period: Period = None,
    subgroup: Subgroup = None,
    boundary_year: BoundaryYear = None,
) -> dict[str, object]:
    area = get_area(con, code)
    explained = index.explain(con, area.code, index.Selection(area.level, boundary_year, period, subgroup))
    return {"area": area.as_dict(), **explained.as_dict()}


@router.get("/areas/{code}/similar", tags=["monitor"], summary="The k most similar areas of the same level")
def area_similar(
    con: Warehouse,
    code: AreaCodePath,
    k: Annotated[int, Query(ge=1, le=50)] = 10,
    boundary_year: BoundaryYear = None,
) -> dict[str, object]:
    area = get_area(con, code)
    year, nearest = similar.similar_areas(con, area.code, k=k, boundary_year=boundary_year)
    return {"area": area.as_dict(), "boundary_year": year, "similar": [a.as_dict() for a in nearest]}


@router.get("/indicators", tags=["catalogue"], summary="The indicator catalogue")
def indicators(domain: Annotated[str | None, Query(max_length=50)] = None) -> list[dict[str, object]]:
    catalogue = load_catalogue()
    return [i.summary() for i in catalogue.indicators.values() if domain in (None, i.domain)]


async def _value_filter(
    area: AreaCodeQuery = None,
    indicator: Annotated[str | None, Query(max_length=80, description="Indicator id")] = None,
    level: Level | None = None,
    period: Period = None,
    boundary_year: BoundaryYear = None,
    subgroup: Subgroup = None,
) -> ValueFilter:
    return ValueFilter(area, indicator, level, period, boundary_year, subgroup)


Values = Annotated[ValueFilter, Depends(_value_filter)]


VALUES_PAGE = 100


def _values_body(
    con: duckdb.DuckDBPyConnection, selection: ValueFilter, page: int, size: int, partitions: ValuePartitions
) -> bytes:
    """A page of values serialised once (FastAPI's encoder of every row cost more than reading them from
    `published_values`)."""
    total, items = values_page(con, selection, size, (page - 1) * size, partitions)
    return as_json({"total": total, "page": page, "size": size, "items": items})


@router.get(
    "/values",
    tags=["monitor"],
    summary="Published values, filtered and paginated (tidy rows)",
    response_class=Response,
    responses={200: {"content": {"application/json": {}}}},
)
async def values(
    cache: Cache, selection: Values, page: PageNumber = 1, size: PageSize = VALUES_PAGE
) -> Response:
    """`total` rows match; `items` holds page `page` of them, `size` rows a page, ordered by area, indicator,
    subgroup, boundary year and period."""
    # Pages of up to the default size are small (some 25 kB); larger ones are kept with the few large documents.
    partitions = await cache.answer(read_value_partitions)
    body = await cache.answer(_values_body, selection, page, size, partitions, large=size > VALUES_PAGE)
    return Response(body, media_type="application/json")


@router.get(
    "/values/export",
    tags=["exports"],
    summary="Published values of any selection as CSV, Parquet or GeoJSON (gemeenten with boundaries)",
    response_class=Response,
)
def values_export(con: Warehouse, selection: Values, format: ValueFormat = "csv") -> Response:
    return exports.values_response(con, selection, format)


async def _ranking_choice(
    level: RankingLevel = "wijk",
    domain: Annotated[
        str | None, Query(max_length=50, description="Domain; default the overall index")
    ] = None,
    period: Period = None,
    boundary_year: BoundaryYear = None,
    subgroup: Subgroup = None,
    focus_area: Annotated[
        int | None, Query(alias="focus", ge=1, le=100, description="Focus area number")
    ] = None,
) -> RankingFilter:
    return RankingFilter(level, domain, period, boundary_year, subgroup, None, focus_area)


# The filter without its gemeente: the rankings page takes a gemeente by name, the API by code only.
RankingsAnyGemeente = Annotated[RankingFilter, Depends(_ranking_choice)]


async def _ranking_filter(choice: RankingsAnyGemeente, gemeente: GemeenteQuery = None) -> RankingFilter:
    return replace(choice, gemeente=gemeente)


Rankings = Annotated[RankingFilter, Depends(_ranking_filter)]
RankOrder = Annotated[
    Literal["rank", "-rank", "name", "-name", "gemeente", "-gemeente", "stability", "-stability"],
    Query(
        description="Order: by rank (most problems first), name, gemeente or stability (share of scoring "
        "variants in the worst 10%, highest first); '-' reverses"
    ),
]


def _rankings_body(
    con: duckdb.DuckDBPyConnection,
    selection: RankingFilter,
    sort: str,
    size: int,
    page: int,
    directory: RankingDirectory,
) -> bytes:
    """A ranking's page serialised once, so a page asked again is sent as it is. The ranked areas are
    written as the records they are (`as_json`), as their `as_dict` would give them."""
    found = ranking_page(con, selection, sort, size, (page - 1) * size, directory)
    return as_json(
        {
            "selection": found.partition_dict(),
            "total": found.total,
            "page": page,
            "size": size,
            "items": found.areas,
        }
    )


@router.get(
    "/rankings",
    tags=["monitor"],
    summary="Areas ranked on a domain or the overall index, paginated",
    response_class=Response,
    responses={200: {"content": {"application/json": {}}}},
)
async def rankings(
    cache: Cache, selection: Rankings, page: PageNumber = 1, size: PageSize = 50, sort: RankOrder = "rank"
) -> Response:
    """`total` areas match; `items` holds page `page` of them, `size` a page, in `sort` order, each with its
    rank, score, national percentile, worst domains and rank stability."""
    directory = await cache.answer(read_directory)
    body = await cache.answer(_rankings_body, selection, sort, size, page, directory)
    return Response(body, media_type="application/json")


@router.get(
    "/rankings/export", tags=["exports"], summary="A whole ranking as CSV or Excel", response_class=Response
)
def rankings_export(con: Warehouse, selection: Rankings, format: Literal["csv", "xlsx"] = "csv") -> Response:
    return exports.ranking_response(ranking(con, selection), format)


@router.get("/focus-areas", tags=["focus areas"], summary="The programme's 20 focus areas as sets of wijken")
def focus_areas(con: Warehouse) -> list[dict[str, object]]:
    areas = focus.load_focus_areas()
    return [
        {**area.as_dict(), "inwoners_2024": sum(focus.populations(con, list(area.wijken)).values())}
        for area in areas
    ]


@router.get("/focus-areas/{number}", tags=["focus areas"], summary="A focus area's aggregated figures")
def focus_area(
    con: Warehouse,
    number: FocusAreaNumber,
    period: Period = None,
    subgroup: Subgroup = None,
    lang: Language = "nl",
) -> dict[str, object]:
    area = focus.find_focus_area(focus.load_focus_areas(), str(number))
    figures = focus.aggregate(con, list(area.wijken), period=period, subgroup=subgroup, language=lang)
    return {"focus_area": area.as_dict(), "figures": [f.as_dict() for f in figures]}
