"""The JSON API under /api: the same domain functions as the CLI, documented in OpenAPI."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query

from wijkzicht.areas import get_area, search
from wijkzicht.catalogue import load_catalogue
from wijkzicht.web.deps import Warehouse

router = APIRouter(tags=["monitor"])

AreaCode = Annotated[
    str, Path(pattern=r"^[A-Za-z]{2}[0-9A-Za-z]{2,8}$", description="CBS code, e.g. GM0344, WK034403")
]
Level = Literal["gemeente", "wijk", "buurt"]


@router.get("/areas", summary="Search areas by (part of) a name or a code")
def areas_search(
    con: Warehouse,
    q: Annotated[str, Query(min_length=1, max_length=100, description="Name part or code")],
    level: Level | Literal["land"] | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 20,
) -> list[dict[str, object]]:
    return [a.as_dict() for a in search(con, q, level=level, limit=limit)]


@router.get("/areas/{code}", summary="One area: level, name, boundary years, gemeente")
def area_get(con: Warehouse, code: AreaCode) -> dict[str, object]:
    return get_area(con, code).as_dict()


@router.get("/indicators", summary="The indicator catalogue")
def indicators(domain: str | None = None) -> list[dict[str, object]]:
    catalogue = load_catalogue()
    return [
        {
            "id": i.id,
            "name_nl": i.name_nl,
            "name_en": i.name_en,
            "domain": i.domain,
            "unit": i.unit,
            "direction": i.direction,
            "sources": [{"table": s.table, "column": s.column} for s in i.sources],
        }
        for i in catalogue.indicators.values()
        if domain in (None, i.domain)
    ]
