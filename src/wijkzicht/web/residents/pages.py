"""The public page for residents, /wijk/{code}: what is known about their area, in plain Dutch (B1).

What goes well and less well compared with the country (and the gemeente), what the programme does there
(published measures only), what residents said and the answers, and a form to take part without an account.
The text stays short and concrete; `tests/test_resident_page.py` holds it to a Flesch-Douma bound
(readability). The moderation queue for area editors is /bewoners/moderatie, and the same as JSON
under /api/programmes/resident-input.

No `from __future__ import annotations` here: FastAPI reads the form parameters' annotations at runtime.
"""

from typing import Annotated, Literal

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel, Field, ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from wijkzicht import codes
from wijkzicht.catalogue import load_catalogue
from wijkzicht.errors import WijkzichtError
from wijkzicht.i18n import Translator, error_text
from wijkzicht.monitor.perception import judgement
from wijkzicht.monitor.profile import Profile, ProfileFigure
from wijkzicht.programmes import personal_data, records, resident_input
from wijkzicht.programmes.accounts import PUBLIC
from wijkzicht.programmes.database import OperationalDatabase
from wijkzicht.programmes.models import FocusArea, Measure, Programme, ResidentInput
from wijkzicht.programmes.resident_input import InputIn, RateLimiter
from wijkzicht.programmes.schemas import MAX_IDENTIFIER
from wijkzicht.web import forms
from wijkzicht.web.deps import Cache
from wijkzicht.web.params import AreaCodePath, BodyVersion, Language, RecordId
from wijkzicht.web.render import link, page
from wijkzicht.web.security import CSRF, CurrentActor, Store, check_csrf, csrf_token

router = APIRouter(include_in_schema=False)
SHOWN_PER_SIDE = 4
# What residents ask about first (issue 19): shown with their figures, or with "not measured here".
RESIDENT_TOPICS = ("safety", "liveability", "housing")


def _gap(figure: ProfileFigure) -> float:
    """How far the area is from the country, relative to the national figure, so that percentages, euros
    and distances rank on one scale (28.4% against 13.9% is a gap of 1.04)."""
    assert figure.value is not None and figure.national_value  # judged figures have both
    return abs(figure.value - figure.national_value) / abs(figure.national_value)


def largest_gaps(profile: Profile, side: str) -> list[ProfileFigure]:
    """The figures of every measured domain that differ most from the country on this side ('better' or
    'worse'), the largest gap first; which difference counts is the judgement's rule, not this page's."""
    catalogue = load_catalogue()
    figures = [
        f
        for f in profile.figures
        if f.indicator in catalogue.indicators
        and catalogue.indicators[f.indicator].scored
        and f.national_value  # a gap relative to nothing (or to zero) is no gap
        and judgement(f) == side
    ]
    return sorted(figures, key=_gap, reverse=True)[:SHOWN_PER_SIDE]


def topic_figures(profile: Profile, domain: str) -> list[ProfileFigure]:
    """The figures of one topic that say whether things are better or worse (not the neutral counts)."""
    return [
        f
        for f in profile.figures
        if f.domain == domain
        and f.value is not None
        and f.direction in ("higher_is_worse", "higher_is_better")
    ]


def wijk_code(profile: Profile) -> str | None:
    """The CBS wijk an area is or lies in."""
    code = profile.area.code
    return code if profile.area.level == "wijk" else codes.wijk_of(code)


def published_measures(store: OperationalDatabase, wijk: str | None) -> tuple[str | None, list[Measure]]:
    """The focus area holding the wijk and the measures its programmes have published."""
    if wijk is None:
        return None, []
    with store.reading() as session:
        for area in session.scalars(select(FocusArea).order_by(FocusArea.id)):
            if wijk in area.wijken:
                programmes = records.visible(PUBLIC, area.programmes)
                measures = [m for p in programmes for m in records.visible(PUBLIC, p.measures)]
                return area.name, measures
    return None, []


def _gemeente_topics(cache: Cache, profile: Profile, lang: str) -> dict[str, list[ProfileFigure]]:
    """For a wijk or buurt, its gemeente's figures on the topics the area itself has none of (the police
    count crime per gemeente only), so the page can say what is known one level up."""
    gemeente = profile.area.gemeente_code
    if profile.area.level not in ("wijk", "buurt") or gemeente is None:
        return {}
    missing = [domain for domain in RESIDENT_TOPICS if not topic_figures(profile, domain)]
    if not missing:
        return {}
    gemeente_profile = cache.profile(gemeente, lang)
    return {domain: topic_figures(gemeente_profile, domain) for domain in missing}


def _limiter(request: Request) -> RateLimiter:
    if not hasattr(request.app.state, "resident_limiter"):
        request.app.state.resident_limiter = RateLimiter()
    return request.app.state.resident_limiter


def _resident_page(
    request: Request,
    cache: Cache,
    store: OperationalDatabase,
    code: str,
    lang: str,
    status_code: int = 200,
    **form: object,
) -> HTMLResponse:
    profile = cache.profile(code, lang)
    focus_area, measures = published_measures(store, wijk_code(profile))
    with store.reading() as session:
        said = resident_input.published_for(session, profile.area.code)
        said_texts = {item.id: resident_input.public_text(item) for item in said}
    return page(
        request,
        "wijk.html",
        lang,
        status_code=status_code,
        profile=profile,
        area=profile.area,
        better=largest_gaps(profile, "better"),
        worse=largest_gaps(profile, "worse"),
        topics={domain: topic_figures(profile, domain) for domain in RESIDENT_TOPICS},
        gemeente_topics=_gemeente_topics(cache, profile, lang),
        coverage_of={c.domain: c for c in profile.domain_coverage},
        focus_area=focus_area,
        measures=measures,
        said=said,
        said_texts=said_texts,
        public_measure_ids={
            measure.id for measure in measures
        },  # a link to an unpublished measure stays hidden
        domains=resident_input.input_domains(),
        csrf=csrf_token(request),
        sent=request.query_params.get("verzonden") == "1",
        form=form,
        max_text=resident_input.MAX_TEXT,
        max_contact=resident_input.MAX_CONTACT,
        retention_days=resident_input.retention_days(),
    )


@router.get("/wijk/{code}", response_class=HTMLResponse)
def resident_page(
    request: Request, cache: Cache, store: Store, code: AreaCodePath, lang: Language = "nl"
) -> HTMLResponse:
    return _resident_page(request, cache, store, code, lang)


@router.post("/wijk/{code}/inbreng", response_class=HTMLResponse)
async def send_input(
    request: Request,
    cache: Cache,
    store: Store,
    code: AreaCodePath,
    lang: Language = "nl",
) -> Response:
    """A resident's input: rate limited first, then CSRF, then checked; a refusal keeps what was typed."""
    client = request.client.host if request.client else "unknown"
    if not _limiter(request).allow(client):
        raise HTTPException(429, Translator(lang)("error.input.too_many"), headers={"Retry-After": "600"})
    await check_csrf(request)
    fields = forms.texts(await request.form(), InputIn.model_fields)
    profile = cache.profile(code, lang)
    try:
        data = InputIn.model_validate(forms.given(fields))
        with store.writing(PUBLIC) as session:
            resident_input.purge_expired_data(session)
            resident_input.receive(session, profile.area.code, wijk_code(profile), data)
    except (ValidationError, WijkzichtError) as error:
        problem = _plain_problem(error, lang)
        return _resident_page(request, cache, store, code, lang, status_code=422, problem=problem, **fields)
    return RedirectResponse(
        link(f"/wijk/{profile.area.code}", lang, verzonden=1) + "#take-part", status_code=303
    )


def _plain_problem(error: ValidationError | WijkzichtError, lang: str) -> str:
    return (
        forms.problems(error, lang).summary()
        if isinstance(error, ValidationError)
        else error_text(error, lang)
    )


# --- Moderation ------------------------------------------------------------------------------------


def _programmes_of(session: Session, focus_area_id: int | None) -> list[Programme]:
    """The programmes of the focus area an input was routed to (none when it was routed to none)."""
    area = session.get(FocusArea, focus_area_id) if focus_area_id else None
    return area.programmes if area else []


@router.get("/bewoners/moderatie", response_class=HTMLResponse)
def moderation_page(request: Request, actor: CurrentActor, store: Store, lang: Language = "nl") -> Response:
    if actor.is_public:
        return RedirectResponse(link("/inloggen", lang), status_code=303)
    with store.reading() as session:
        queue = resident_input.moderation_queue(session, actor)
        measures = {
            item.id: [m for p in _programmes_of(session, item.focus_area_id) for m in p.measures]
            for item in queue
        }
        counts = resident_input.counts_per_domain(
            session, None if actor.role == "administrator" else actor.focus_area_id
        )
        contacts = {item.id: resident_input.current_contact(item) for item in queue}
        found = {item.id: personal_data.kinds(item.text) for item in queue}
        return page(
            request,
            "residents_moderation.html",
            lang,
            queue=queue,
            measures=measures,
            counts=counts,
            contacts=contacts,
            found=found,
            domains=resident_input.input_domains(),
            rejected_days=resident_input.rejected_retention_days(),
            csrf=csrf_token(request),
        )


@router.post("/bewoners/moderatie/{input_id}", dependencies=[CSRF])
def moderate_input(
    input_id: RecordId,
    actor: CurrentActor,
    store: Store,
    version: Annotated[int, Form(ge=1, le=MAX_IDENTIFIER)],
    status: Annotated[Literal["published", "rejected"], Form()],
    answer: Annotated[str, Form(max_length=resident_input.MAX_TEXT)] = "",
    measure_id: Annotated[str, Form(pattern=r"^\d{0,9}$")] = "",
    domain: Annotated[str | None, Form(max_length=40)] = None,
    redact: Annotated[bool, Form()] = False,
    lang: Language = "nl",
) -> Response:
    with store.writing(actor) as session:
        resident_input.moderate(
            session,
            actor,
            input_id,
            version=version,
            status=status,
            answer=answer,
            measure_id=int(measure_id) if measure_id.strip() else None,
            domain=domain or None,
            redact=redact,
        )
    return RedirectResponse(link("/bewoners/moderatie", lang), status_code=303)


# --- Moderation API: the same domain functions as the moderation page ----------------------------------

api_router = APIRouter(prefix="/api/programmes/resident-input", tags=["resident input"])


class ModerationIn(BaseModel):
    """Publish or reject an input, with an optional public answer and a measure of its focus area, another
    domain, or its personal data redacted; the version is the one the editor saw (a stale version is a 409)."""

    version: BodyVersion
    status: Literal["published", "rejected"]
    answer: Annotated[str, Field(max_length=resident_input.MAX_TEXT)] = ""
    measure_id: Annotated[int | None, Field(ge=1, le=MAX_IDENTIFIER)] = None
    domain: Annotated[str | None, Field(max_length=40, description="move the input to another domain")] = None
    redact: Annotated[
        bool, Field(description="replace the text by its masked form: the personal data is gone for good")
    ] = False


def _input_document(item: ResidentInput) -> dict[str, object]:
    """An input as its moderator sees it: with the contact, for a reply (never in the audit log)."""
    return {
        "id": item.id,
        "version": item.version,
        "area_code": item.area_code,
        "focus_area_id": item.focus_area_id,
        "kind": item.kind,
        "domain": item.domain,
        "text": item.text,
        "personal_data": personal_data.kinds(item.text),  # what the text may reveal, for the moderator
        "contact": resident_input.current_contact(item),
        "status": item.status,
        "answer": item.answer,
        "measure_id": item.measure_id,
        "received_at": item.received_at.isoformat(),
    }


@api_router.get("", summary="The moderation queue: inputs waiting for you (area editor: your focus area)")
def api_moderation_queue(actor: CurrentActor, store: Store) -> list[dict[str, object]]:
    with store.reading() as session:
        return [_input_document(item) for item in resident_input.moderation_queue(session, actor)]


@api_router.get("/{input_id}", summary="One input, for its moderators (also after publication)")
def api_resident_input(actor: CurrentActor, store: Store, input_id: RecordId) -> dict[str, object]:
    with store.reading() as session:
        return _input_document(resident_input.moderated_input(session, actor, input_id))


@api_router.post(
    "/{input_id}/moderation",
    summary="Publish or reject, answer, link to a measure (send the version you saw)",
    dependencies=[CSRF],
)
def api_moderate(
    actor: CurrentActor,
    store: Store,
    input_id: RecordId,
    data: ModerationIn,
) -> dict[str, object]:
    with store.writing(actor) as session:
        item = resident_input.moderate(session, actor, input_id, **data.model_dump())
        return _input_document(item)
