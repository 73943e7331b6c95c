"""The public page for residents, /wijk/{code}: what is known about their area, in plain Dutch (B1).

What goes well and less well compared with the country (and the gemeente), what the programme does there
(published measures only) and how to take part. The text stays short and concrete; `tests/test_bewoners_page.py`
holds it to a Flesch-Douma bound (wijkzicht.readability).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.responses import HTMLResponse
from sqlalchemy import select

from wijkzicht.catalogue import load_catalogue
from wijkzicht.perception import judgement
from wijkzicht.profile import Profile, ProfileFigure
from wijkzicht.programmes import records
from wijkzicht.programmes.accounts import PUBLIC
from wijkzicht.programmes.database import OperationalDatabase
from wijkzicht.programmes.models import FocusArea, Measure
from wijkzicht.web.deps import Cache, Language
from wijkzicht.web.render import page

router = APIRouter(include_in_schema=False)
SHOWN_PER_SIDE = 4


def notable(profile: Profile, side: str) -> list[ProfileFigure]:
    """The figures most clearly better (or worse) than the national average, the clearest first."""
    catalogue = load_catalogue()
    figures = [
        f
        for f in profile.figures
        if f.value is not None
        and f.indicator in catalogue.indicators
        and catalogue.indicators[f.indicator].scored
        and judgement(f) == side
    ]
    return sorted(figures, key=lambda f: -abs((f.percentile if f.percentile is not None else 50) - 50))[
        :SHOWN_PER_SIDE
    ]


def wijk_code(profile: Profile) -> str | None:
    """The CBS wijk an area is or lies in (a buurt's code starts with its wijk's digits)."""
    code = profile.area.code
    if profile.area.level == "wijk":
        return code
    return "WK" + code[2:8] if profile.area.level == "buurt" else None


def published_measures(store: OperationalDatabase, wijk: str | None) -> tuple[str | None, list[Measure]]:
    """The focus area holding the wijk and the measures its programmes have published."""
    if wijk is None:
        return None, []
    with store.reading() as session:
        for area in session.scalars(select(FocusArea).order_by(FocusArea.id)):
            if wijk in area.wijken:
                programmes = records.visible(PUBLIC, area.programmes)
                measures = [m for p in programmes for m in records.visible(PUBLIC, p.measures)]
                return area.name, measures  # type: ignore[return-value]
    return None, []


@router.get("/wijk/{code}", response_class=HTMLResponse)
def resident_page(
    request: Request, cache: Cache, code: Annotated[str, Path(max_length=12)], lang: Language = "nl"
) -> HTMLResponse:
    profile = cache.profile(code, lang)
    focus_area, measures = published_measures(request.app.state.programmes, wijk_code(profile))
    return page(
        request,
        "wijk.html",
        lang,
        profile=profile,
        area=profile.area,
        better=notable(profile, "better"),
        worse=notable(profile, "worse"),
        focus_area=focus_area,
        measures=measures,
    )
