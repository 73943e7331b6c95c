"""Zicht op Ondermijning in the web application: the page /ondermijning/{code} and its JSON twin."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from wijkzicht.monitor.ondermijning import area_view
from wijkzicht.web.deps import Warehouse
from wijkzicht.web.params import AreaCodePath, Language
from wijkzicht.web.render import page

router = APIRouter()


@router.get(
    "/api/ondermijning/{code}",
    tags=["ondermijning"],
    summary="Risk factors for undermining crime of one area, per theme side by side (never one score)",
)
def ondermijning_api(con: Warehouse, code: AreaCodePath, lang: Language = "nl") -> dict[str, object]:
    """Per theme the area's position among the areas of its level, the indicators behind it, what is
    missing and why, and the fixed explanation. An area under the minimum population has `shown: false`
    and no figures."""
    return area_view(con, code, lang).as_dict()


@router.get("/ondermijning/{code}", response_class=HTMLResponse, include_in_schema=False)
def ondermijning_page(
    request: Request, con: Warehouse, code: AreaCodePath, lang: Language = "nl"
) -> HTMLResponse:
    return page(request, "ondermijning.html", lang, view=area_view(con, code, lang))
