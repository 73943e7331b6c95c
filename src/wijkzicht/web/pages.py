"""Server-rendered pages of the monitor (Zicht op Wijken)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from wijkzicht.areas import search
from wijkzicht.web.deps import Language, Warehouse
from wijkzicht.web.render import page

router = APIRouter(include_in_schema=False)


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
