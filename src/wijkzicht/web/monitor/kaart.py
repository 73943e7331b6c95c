"""The map page (`/kaart`) and its JSON: a choropleth of any measure, with the same values as a table.

The page is rendered on the server with the table, the legend and every note, so it works without
JavaScript or WebGL; `static/kaart.js` draws the polygons (MapLibre GL JS, installed, never from a CDN)
and joins the values to them by code. The state lives in the URL: level, measure, period, subgroup,
boundary year and language.
"""

from __future__ import annotations

import gzip
import json
from functools import cache
from itertools import product
from pathlib import Path
from typing import Annotated, Any, Literal, TypeVar

import duckdb
from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from wijkzicht import codes
from wijkzicht.catalogue import Catalogue, load_catalogue
from wijkzicht.errors import NotFoundError
from wijkzicht.i18n import LANGUAGES, Translator, format_number, translations
from wijkzicht.monitor import map_boundaries
from wijkzicht.monitor.choropleth import (
    MAP_LEVELS,
    AreaValue,
    LegendClass,
    MapData,
    Measure,
    boundaries_geojson,
    map_data,
    mappable,
)
from wijkzicht.monitor.trends import MATRIX_YEAR
from wijkzicht.records import as_json
from wijkzicht.web import assets
from wijkzicht.web.compressed import gzipped, gzipped_answer
from wijkzicht.web.deps import Cache
from wijkzicht.web.params import (
    AreaCodePath,
    BoundaryYear,
    BoundaryYearPath,
    GemeenteQuery,
    Language,
    PageNumber,
    Period,
    RankedLevel,
    Subgroup,
    TileIndex,
    TileZoom,
)
from wijkzicht.web.render import link, page

router = APIRouter()
T = TypeVar("T")

MeasureText = Annotated[
    str,
    Query(
        max_length=80,
        description="index, stacking, domain:<domain id> or indicator:<indicator id>, e.g. domain:health",
    ),
]
TABLE_ROWS = 100

# Sequential ColorBrewer schemes (colour-blind safe): YlOrRd for problems, Purples for the stacking count,
# Blues for indicators without a direction (more is not worse). Last colour = most problems / highest.
PROBLEM_COLOURS = ("#ffffb2", "#fecc5c", "#fd8d3c", "#e31a1c", "#800026")
STACKING_COLOURS = ("#f2f0f7", "#cbc9e2", "#9e9ac8", "#6a51a3", "#3f007d", "#25004a", "#14002b")
NEUTRAL_COLOURS = ("#eff3ff", "#bdd7e7", "#6baed6", "#3182bd", "#08519c")
NO_VALUE_COLOUR = "#c4c4c4"


def _colour(data: MapData, legend_class: LegendClass, catalogue: Catalogue) -> str:
    if legend_class.kind == "count":
        return STACKING_COLOURS[min(legend_class.category, len(STACKING_COLOURS) - 1)]
    palette = PROBLEM_COLOURS if data.measure.classed_by_percentile(catalogue) else NEUTRAL_COLOURS
    return palette[legend_class.category]


def _decimals(data: MapData, catalogue: Catalogue) -> int:
    indicator = data.measure.indicator(catalogue)
    if data.measure.kind == "stacking" or (indicator is not None and indicator.aggregation == "sum"):
        return 0
    return 1


def _unit(data: MapData, catalogue: Catalogue, t: Translator) -> str:
    indicator = data.measure.indicator(catalogue)
    if indicator is None:
        return (
            t("kaart.unit_summary.stacking")
            if data.measure.kind == "stacking"
            else t("kaart.unit_summary.score")
        )
    key = f"kaart.unit.{indicator.unit}"
    return t(key) if key in translations() else indicator.unit


def measure_label(measure: Measure, catalogue: Catalogue, t: Translator) -> str:
    if measure.kind in ("index", "stacking"):
        return t(f"kaart.measure.{measure.kind}")
    assert measure.key is not None  # Measure.parse gives a domain or indicator measure its key
    if measure.kind == "domain":
        return t("kaart.measure.domain", domain=catalogue.domains[measure.key][t.language])
    return catalogue.indicators[measure.key].name(t.language)


def _class_label(data: MapData, legend_class: LegendClass, t: Translator, unit: str, decimals: int) -> str:
    areas = t(f"kaart.areas.{data.level}")
    if legend_class.kind == "count":
        return t(f"kaart.class.count_{min(legend_class.category, 2)}", n=legend_class.category)
    if legend_class.kind == "band":
        lower, upper = int(legend_class.lower), int(legend_class.upper)
        if upper == 100:
            return t("kaart.class.worst", share=100 - lower, areas=areas, lower=lower)
        if lower == 0:
            return t("kaart.class.best", share=upper, areas=areas, upper=upper)
        return t("kaart.class.band", lower=lower, upper=upper)
    low = format_number(legend_class.lower, t.language, decimals, missing="")
    high = format_number(legend_class.upper, t.language, decimals, missing="")
    if low == high:  # a class of one value, e.g. an urbanity code shared by many areas
        return t("kaart.class.quintile_one", value=low, unit=unit)
    return t("kaart.class.quintile", lower=low, upper=high, unit=unit)


def _status_label(value: AreaValue, t: Translator) -> str:
    if value.status == "suppressed":
        return t("kaart.status.suppressed")
    if value.value is None:
        return t("kaart.status.missing")
    return ""


def map_view(
    con: duckdb.DuckDBPyConnection,
    level: str,
    measure_text: str,
    period: int | None,
    subgroup: str | None,
    boundary_year: int | None,
    language: str,
) -> dict[str, Any]:
    """The map's content in one language: partition, legend with colours, values, notes and options."""
    catalogue = load_catalogue()
    measure = Measure.parse(measure_text, catalogue)
    data = map_data(
        con, catalogue, level, measure, period=period, subgroup=subgroup, boundary_year=boundary_year
    )
    return _view(con, data, catalogue, language)


def _view(
    con: duckdb.DuckDBPyConnection, data: MapData, catalogue: Catalogue, language: str
) -> dict[str, Any]:
    t = Translator(language)
    level, measure = data.level, data.measure
    unit, decimals = _unit(data, catalogue, t), _decimals(data, catalogue)
    legend = [
        {
            "category": c.category,
            "label": _class_label(data, c, t, unit, decimals),
            "colour": _colour(data, c, catalogue),
            "areas": c.areas,
        }
        for c in data.legend
    ]
    labels = {entry["category"]: entry["label"] for entry in legend}
    # A buurt map has some 16,000 values but few distinct domain lists and stability labels: each is put
    # in words once.
    domain_names = cache(lambda ids: [catalogue.domains[d][language] for d in ids if d in catalogue.domains])
    stability_label = cache(lambda stability: t(f"stability.{stability}") if stability else None)
    values = [
        {
            "rank": rank if v.value is not None else None,  # national place, most problems first
            "code": v.code,
            "name": v.name,
            "gemeente": v.gemeente,
            "gemeente_code": v.gemeente_code,
            "value": v.value,
            "shown": format_number(v.value, language, decimals, missing=""),
            "percentile": None if v.percentile is None else round(v.percentile, 1),
            "percentile_shown": format_number(v.percentile, language, 1, missing=""),
            "category": v.category,
            "class": labels[v.category] if v.category in labels else _status_label(v, t),
            "status": v.status,
            "reason": v.reason,
            "worst_domains": domain_names(v.worst_domains),
            "drawn": v.drawn,
            "stability": v.stability,
            "stability_label": stability_label(v.stability),
        }
        for rank, v in enumerate(data.values, start=1)
    ]
    partition = data.partition
    return {
        "level": level,
        "measure": str(measure),
        "measure_label": measure_label(measure, catalogue, t),
        "unit": unit,
        "percentile_based": measure.classed_by_percentile(catalogue),
        "period": partition.period if partition else None,
        "subgroup": partition.subgroup if partition else None,
        "boundary_year": partition.boundary_year if partition else None,
        "geometry_year": data.geometry_year,
        "boundaries": f"/api/map/boundaries/{level}/{data.geometry_year}" if data.geometry_year else None,
        "tiles": map_boundaries.tile_source(con, level, data.geometry_year) if data.geometry_year else None,
        # the focus areas are wijken of 2024: outlined on the wijk map of that year
        "focus_outlines": f"/api/map/boundaries/{map_boundaries.FOCUS_LEVEL}/{data.geometry_year}"
        if level == "wijk" and data.geometry_year == MATRIX_YEAR
        else None,
        "drawn": data.drawn,
        "borderline": sum(v.drawn and v.stability == "borderline" for v in data.values),
        "adjusted": data.adjusted,
        "legend": legend,
        "no_value_colour": NO_VALUE_COLOUR,
        "values": values,
        "partitions": [vars(p) for p in data.partitions],
    }


def _geojson_answer(
    request: Request, body: bytes, etag: str, media_type: str = "application/geo+json"
) -> Response:
    """A gzipped document with its ETag: 304 to a browser that has it, unzipped to one that cannot take gzip."""
    headers = {"Cache-Control": "public, max-age=86400", "ETag": etag}
    if etag in request.headers.get("if-none-match", ""):
        return Response(status_code=304, headers={**headers, "Vary": "Accept-Encoding"})
    return gzipped_answer(request, body, media_type, headers)


# A wijk map's page and values took 0.35 and 0.45 s to make on every request (measured with
# benchmarks/wijk_map_benchmark.py): they are kept in the server's cache for large documents.


def _compressed_values(
    con: duckdb.DuckDBPyConnection,
    level: str,
    measure: str,
    period: int | None,
    subgroup: str | None,
    boundary_year: int | None,
    language: str,
) -> bytes:
    """The values document gzipped: the build's copy when it has one, else made now (once per server and
    setting: the warehouse is read-only)."""
    if (
        stored := _stored_at_defaults(con, level, measure, period, subgroup, boundary_year, language)
    ) is not None:
        return stored
    return _compressed(map_view(con, level, measure, period, subgroup, boundary_year, language))


def _page_view(
    con: duckdb.DuckDBPyConnection,
    level: str,
    measure: str,
    period: int | None,
    subgroup: str | None,
    boundary_year: int | None,
    language: str,
) -> dict[str, Any]:
    """The map's content for its page: read from the build's document when it has one (a buurt map's
    is made in 0.4 s, read in a tenth of that)."""
    if (
        stored := _stored_at_defaults(con, level, measure, period, subgroup, boundary_year, language)
    ) is not None:
        document: dict[str, Any] = json.loads(gzip.decompress(stored))
        return document
    return map_view(con, level, measure, period, subgroup, boundary_year, language)


def _compressed(view: dict[str, Any]) -> bytes:
    return gzipped(as_json(view), level=5)


# Every map a visitor can choose, at its default settings: every level on the summary measures, the domains
# and each mappable indicator, in both languages. The build stores them (one read per request instead of
# 0.05 to 0.4 s of work, which queued behind each other under load); other settings are made on the first
# request and kept in the server's cache.
MAP_DOCUMENTS = "map_documents"


def stored_measures(catalogue: Catalogue) -> list[str]:
    return [
        "index",
        "stacking",
        *(f"domain:{domain}" for domain in catalogue.problem_domains),
        *(f"indicator:{indicator.id}" for indicator in catalogue.indicators.values() if mappable(indicator)),
    ]


def store_map_documents(
    con: duckdb.DuckDBPyConnection,
    catalogue: Catalogue,
    roots: list[Path],
    *,
    measures: list[str] | None = None,
) -> None:
    """A build step: the gzipped values documents of `measures` (default: `stored_measures`) at the
    default settings."""
    con.execute(
        f"CREATE OR REPLACE TABLE {MAP_DOCUMENTS} (level VARCHAR, measure VARCHAR, language VARCHAR, body BLOB)"
    )
    for level, measure in product(MAP_LEVELS, measures or stored_measures(catalogue)):
        data = map_data(con, catalogue, level, Measure.parse(measure, catalogue))  # once for both languages
        for language in LANGUAGES:
            body = _compressed(_view(con, data, catalogue, language))
            con.execute(f"INSERT INTO {MAP_DOCUMENTS} VALUES (?, ?, ?, ?)", [level, measure, language, body])


def _stored_at_defaults(
    con: duckdb.DuckDBPyConnection,
    level: str,
    measure: str,
    period: int | None,
    subgroup: str | None,
    boundary_year: int | None,
    language: str,
) -> bytes | None:
    """The build's document when the settings are the defaults it stored (none given), else None."""
    if period is None and subgroup is None and boundary_year is None:
        return _stored_values(con, level, measure, language)
    return None


def _stored_values(con: duckdb.DuckDBPyConnection, level: str, measure: str, language: str) -> bytes | None:
    """The build's copy of a values document at the default settings, or None (not stored, older warehouse)."""
    try:
        row = con.execute(
            f"SELECT body FROM {MAP_DOCUMENTS} WHERE level = ? AND measure = ? AND language = ?",
            [level, measure, language],
        ).fetchone()
    except duckdb.CatalogException:
        return None
    return bytes(row[0]) if row else None


@router.get(
    "/api/map/values",
    tags=["map"],
    summary="The values of one measure for a map, with legend",
    response_class=Response,
    responses={200: {"content": {"application/json": {}}}},
)
def values_api(
    request: Request,
    cache: Cache,
    level: RankedLevel = "gemeente",
    measure: MeasureText = "index",
    period: Period = None,
    subgroup: Subgroup = None,
    boundary_year: BoundaryYear = None,
    lang: Language = "nl",
) -> Response:
    """Values, national percentiles and classes of one measure for every area of a level.

    Settings without data fall back to the latest period, the most recent boundary year and 18+ (listed
    in `adjusted`). `boundaries` is the GeoJSON to draw them on (`geometry_year` may differ from the
    values' boundary year; `drawn` tells per area whether its polygon shows the same area).
    """
    # kept gzipped: a buurt map's values are megabytes of repetitive text
    compressed = cache.large(_compressed_values, level, measure, period, subgroup, boundary_year, lang)
    return gzipped_answer(request, compressed, "application/json")


def _compressed_boundaries(
    con: duckdb.DuckDBPyConnection, level: str, boundary_year: int
) -> tuple[bytes, str]:
    """The build's stored copy (one read); for a warehouse without one, made once per server."""
    found = map_boundaries.stored(con, level, boundary_year)
    if found is not None:
        return found
    if level == map_boundaries.FOCUS_LEVEL:
        return map_boundaries.compress(map_boundaries.focus_area_outlines(con))
    return map_boundaries.compress(boundaries_geojson(con, level, boundary_year))


BoundaryLevel = Literal["gemeente", "wijk", "buurt", "focusgebied"]


@router.get(
    "/api/map/boundaries/{level}/{boundary_year}",
    tags=["map"],
    summary="Simplified boundaries of one level and year as GeoJSON (code and name only)",
    response_class=Response,
    responses={200: {"content": {"application/geo+json": {}}}, 304: {"description": "Not modified"}},
)
def boundaries_api(
    request: Request, cache: Cache, level: BoundaryLevel, boundary_year: BoundaryYearPath
) -> Response:
    """Gzipped GeoJSON made at build time, with an ETag: a browser that has it gets 304 and no body.
    Level `focusgebied` gives the outlines of the focus areas (2024), numbered as in the focus-area list."""
    body, etag = cache(_compressed_boundaries, level, boundary_year)
    return _geojson_answer(request, body, etag)


MVT_MEDIA_TYPE = "application/vnd.mapbox-vector-tile"


@router.get(
    "/api/map/tiles/{level}/{boundary_year}/{z}/{x}/{y}.pbf",
    tags=["map"],
    summary="The map's polygons of one level and year as a vector tile (layer `areas`, property `code`)",
    response_class=Response,
    responses={200: {"content": {MVT_MEDIA_TYPE: {}}}, 304: {"description": "Not modified"}},
)
def tile_api(
    request: Request,
    cache: Cache,
    level: RankedLevel,
    boundary_year: BoundaryYearPath,
    z: TileZoom,
    x: TileIndex,
    y: TileIndex,
) -> Response:
    """Gzipped Mapbox vector tiles made at build time; a tile where no polygon reaches is empty (200, no
    bytes), as MapLibre expects. The map page gets the source's zoom range and bounds in its values."""
    if cache(map_boundaries.tile_source, level, boundary_year) is None:
        raise NotFoundError(f"no {level} tiles for boundary year {boundary_year} in the warehouse")
    found = cache(map_boundaries.stored_tile, level, boundary_year, z, x, y)
    if found is None:
        return Response(b"", media_type=MVT_MEDIA_TYPE, headers={"Cache-Control": "public, max-age=86400"})
    body, etag = found
    return _geojson_answer(request, body, etag, MVT_MEDIA_TYPE)


def _compressed_location(con: duckdb.DuckDBPyConnection, code: str) -> tuple[bytes, str] | None:
    document = map_boundaries.location_geojson(con, code)
    return None if document is None else map_boundaries.compress(document)


@router.get(
    "/api/map/location/{code}",
    tags=["map"],
    summary="A gemeente or wijk with its neighbours as GeoJSON, for a location map (`self` marks the area)",
    response_class=Response,
    responses={200: {"content": {"application/geo+json": {}}}, 304: {"description": "Not modified"}},
)
def location_api(request: Request, cache: Cache, code: AreaCodePath) -> Response:
    found = cache(_compressed_location, codes.normalise(code))
    if found is None:
        raise NotFoundError(f"no polygon for {code}: location maps exist for gemeenten and wijken")
    body, etag = found
    return _geojson_answer(request, body, etag)


def measure_options(catalogue: Catalogue, t: Translator) -> list[tuple[str, list[tuple[str, str]]]]:
    """The measure menu: summary measures, domains, then the indicators grouped by domain."""
    summary = [(m, t(f"kaart.measure.{m}")) for m in ("index", "stacking")]
    scored_domains = catalogue.problem_domains
    groups = [
        (t("kaart.group.summary"), summary),
        (
            t("kaart.group.domains"),
            [(f"domain:{d}", measure_label(Measure("domain", d), catalogue, t)) for d in scored_domains],
        ),
    ]
    for domain, names in catalogue.domains.items():
        indicators = [
            (f"indicator:{i.id}", i.name(t.language))
            for i in catalogue.indicators.values()
            if i.domain == domain and mappable(i)
        ]
        if indicators:
            groups.append((t("kaart.group.indicators", domain=names[t.language]), indicators))
    return groups


@router.get("/kaart", response_class=HTMLResponse, include_in_schema=False)
def map_page(
    request: Request,
    cache: Cache,
    level: RankedLevel = "gemeente",
    measure: MeasureText = "index",
    period: Period = None,
    subgroup: Subgroup = None,
    boundary_year: BoundaryYear = None,
    page_number: Annotated[PageNumber, Query(alias="page")] = 1,
    gemeente: GemeenteQuery = None,
    lang: Language = "nl",
) -> HTMLResponse:
    view = cache.large(_page_view, level, measure, period, subgroup, boundary_year, lang)
    catalogue = load_catalogue()
    t = Translator(lang)
    state = {
        "level": level,
        "measure": view["measure"],
        "period": view["period"],
        "subgroup": view["subgroup"],
        "boundary_year": view["boundary_year"],
    }
    every_row = view["values"]
    # The table of wijken or buurten can be narrowed to one gemeente; places stay national.
    gemeenten = sorted(
        {(v["gemeente_code"], v["gemeente"]) for v in every_row if v["gemeente_code"]},
        key=lambda pair: (pair[1] or "", pair[0]),
    )
    rows = [v for v in every_row if v["gemeente_code"] == gemeente] if gemeente else every_row
    pages = max(1, -(-len(rows) // TABLE_ROWS))
    current = min(page_number, pages)
    return page(
        request,
        "kaart.html",
        lang,
        view=view,
        state=state,
        measures=measure_options(catalogue, t),
        missing_assets=assets.missing(),
        values_url=link("/api/map/values", lang, **state),
        rows=rows[(current - 1) * TABLE_ROWS : current * TABLE_ROWS],
        table_page=current,
        table_pages=pages,
        gemeenten=gemeenten if level != "gemeente" else [],
        table_gemeente=gemeente,
        not_drawn=sum(1 for v in every_row if not v["drawn"]) if view["boundaries"] else 0,
        adjusted_names=[t(f"kaart.adjusted.{setting}") for setting in view["adjusted"]],
    )
