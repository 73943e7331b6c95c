"""Wijkwijzer on the web: the library under /wijkwijzer, the expert pool under /expertpool, the JSON API
under /api/wijkwijzer, and the library's interventions for an area's worst domains on its profile page.

Sessions and CSRF come from `wijkzicht.web.security`, roles from programme steering's accounts; the domain functions
authorise, so the API and the pages cannot differ.

No `from __future__ import annotations` here: FastAPI reads the routes' annotations at runtime.
"""

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, PlainTextResponse, RedirectResponse, Response
from sqlalchemy import select

from wijkzicht.catalogue import load_catalogue
from wijkzicht.errors import WijkzichtError
from wijkzicht.programmes import audit, records
from wijkzicht.programmes.accounts import Actor, allowed
from wijkzicht.programmes.models import FocusArea, Measure
from wijkzicht.web import forms
from wijkzicht.web.deps import Cache, Warehouse
from wijkzicht.web.params import AreaCodePath, AreaCodeQuery, Language, RecordId, Version
from wijkzicht.web.render import link
from wijkzicht.web.security import CSRF, CurrentActor, Store, actor_page
from wijkzicht.wijkwijzer import elsewhere, helpdesk, learning, library, pool
from wijkzicht.wijkwijzer.models import EVIDENCE_LEVELS

router = APIRouter()
API = "/api/wijkwijzer"
TAGS: list[Any] = ["wijkwijzer"]

Domains = Annotated[
    list[str] | None, Query(alias="domain", max_length=7, description="catalogue domain keys")
]
ActionLine = Annotated[int | None, Query(ge=1, le=4)]
Evidence = Annotated[list[str] | None, Query(max_length=4, description=", ".join(EVIDENCE_LEVELS))]
Phrase = Annotated[str, Query(alias="q", max_length=200)]


def _check_filters(domains: list[str] | None, evidence: list[str] | None) -> None:
    unknown = set(domains or ()) - set(load_catalogue().domains)
    if unknown:
        raise WijkzichtError(f"domain: unknown domain(s) {', '.join(sorted(unknown))}")
    if set(evidence or ()) - set(EVIDENCE_LEVELS):
        raise WijkzichtError(f"evidence: use one of {', '.join(EVIDENCE_LEVELS)}")


def _found(store: Any, actor: Actor, q: str, domains: Any, action_line: Any, evidence: Any) -> list[Any]:
    _check_filters(domains, evidence)
    with store.reading() as session:
        return library.find(session, actor, q, domains=domains, action_line=action_line, evidence=evidence)


# --- Library API ----------------------------------------------------------------------------------


@router.get(
    f"{API}/interventions", tags=TAGS, summary="Search the library (published entries for the public)"
)
def api_interventions(
    actor: CurrentActor,
    store: Store,
    q: Phrase = "",
    domains: Domains = None,
    action_line: ActionLine = None,
    evidence: Evidence = None,
) -> list[dict[str, object]]:
    return [library.as_record(i) for i in _found(store, actor, q, domains, action_line, evidence)]


@router.get(f"{API}/interventions/{{intervention_id}}", tags=TAGS, summary="One library entry")
def api_intervention(intervention_id: RecordId, actor: CurrentActor, store: Store) -> dict[str, object]:
    with store.reading() as session:
        return library.as_record(library.get_visible(session, actor, intervention_id))


@router.post(f"{API}/interventions", tags=TAGS, status_code=201, summary="Add an entry", dependencies=[CSRF])
def api_add_intervention(
    data: library.InterventionIn, actor: CurrentActor, store: Store
) -> dict[str, object]:
    with store.writing(actor) as session:
        return library.as_record(library.create(session, actor, data))


@router.put(
    f"{API}/interventions/{{intervention_id}}", tags=TAGS, summary="Change an entry", dependencies=[CSRF]
)
def api_change_intervention(
    intervention_id: RecordId,
    version: Version,
    data: library.InterventionIn,
    actor: CurrentActor,
    store: Store,
) -> dict[str, object]:
    with store.writing(actor) as session:
        return library.as_record(library.update(session, actor, intervention_id, data, version))


@router.get(f"{API}/interventions/{{intervention_id}}/history", tags=TAGS, summary="An entry's versions")
def api_intervention_history(
    intervention_id: RecordId, actor: CurrentActor, store: Store
) -> list[dict[str, object]]:
    with store.reading() as session:
        library.get_visible(session, actor, intervention_id)
        return [audit.as_document(entry) for entry in audit.history(session, "intervention", intervention_id)]


@router.post(
    f"{API}/import",
    tags=TAGS,
    status_code=201,
    dependencies=[CSRF],
    summary="Add entries from CSV (text/csv) or JSON (a list of objects): all rows or none",
)
async def api_import(request: Request, actor: CurrentActor, store: Store) -> dict[str, object]:
    payload = (await request.body()).decode("utf-8-sig", errors="replace")
    is_csv = request.headers.get("content-type", "").startswith("text/csv")
    rows = library.parse_csv(payload) if is_csv else library.parse_json(payload)
    with store.writing(actor) as session:
        added = library.import_rows(session, actor, rows)
        return {"added": len(added), "ids": [i.id for i in added]}


@router.get("/wijkwijzer/export.{fmt}", include_in_schema=False)
def export(
    fmt: str,
    actor: CurrentActor,
    store: Store,
    q: Phrase = "",
    domains: Domains = None,
    action_line: ActionLine = None,
    evidence: Evidence = None,
) -> Response:
    found = _found(store, actor, q, domains, action_line, evidence)
    if fmt == "csv":
        return PlainTextResponse(
            library.export_csv(found),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": 'attachment; filename="wijkwijzer.csv"'},
        )
    if fmt == "json":
        return Response(library.export_json(found), media_type="application/json")
    raise WijkzichtError(f"format: use csv or json, not {fmt!r}")


# --- Expert pool API ------------------------------------------------------------------------------


def _request_record(request: Any) -> dict[str, object]:
    return {**audit.as_document(request), "expert_name": request.expert.name if request.expert else None}


@router.get(f"{API}/experts", tags=TAGS, summary="The expert and flex pool (accounts only)")
def api_experts(actor: CurrentActor, store: Store) -> list[dict[str, object]]:
    with store.reading() as session:
        return [audit.as_document(expert) for expert in pool.experts(session, actor)]


@router.post(f"{API}/experts", tags=TAGS, status_code=201, summary="Add an expert", dependencies=[CSRF])
def api_add_expert(data: pool.ExpertIn, actor: CurrentActor, store: Store) -> dict[str, object]:
    with store.writing(actor) as session:
        return audit.as_document(pool.add_expert(session, actor, data))


@router.get(f"{API}/requests", tags=TAGS, summary="Requests to the pool of the areas you may read")
def api_requests(actor: CurrentActor, store: Store) -> list[dict[str, object]]:
    with store.reading() as session:
        return [_request_record(r) for r in pool.requests(session, actor)]


@router.post(f"{API}/requests", tags=TAGS, status_code=201, summary="File a request", dependencies=[CSRF])
def api_file_request(data: pool.RequestIn, actor: CurrentActor, store: Store) -> dict[str, object]:
    with store.writing(actor) as session:
        return _request_record(pool.file_request(session, actor, data))


@router.get(f"{API}/requests/{{request_id}}", tags=TAGS, summary="A request with matching experts")
def api_request(request_id: RecordId, actor: CurrentActor, store: Store) -> dict[str, object]:
    with store.reading() as session:
        found = pool.get_request(session, actor, request_id)
        return {
            **_request_record(found),
            "suggestions": [
                {"expert": audit.as_document(s.expert), "shared_words": s.shared_words}
                for s in pool.suggestions(session, actor, found)
            ],
        }


@router.post(
    f"{API}/requests/{{request_id}}/steps", tags=TAGS, summary="Assign, answer or close", dependencies=[CSRF]
)
def api_request_step(
    request_id: RecordId, data: pool.StepIn, actor: CurrentActor, store: Store
) -> dict[str, object]:
    with store.writing(actor) as session:
        return _request_record(pool.take_step(session, actor, request_id, data))


# --- Help desk API --------------------------------------------------------------------------------


@router.get(f"{API}/questions", tags=TAGS, summary="Help-desk questions of the areas you may read")
def api_questions(actor: CurrentActor, store: Store) -> list[dict[str, object]]:
    with store.reading() as session:
        return [audit.as_document(q) for q in helpdesk.questions(session, actor)]


@router.post(f"{API}/questions", tags=TAGS, status_code=201, summary="Ask the help desk", dependencies=[CSRF])
def api_ask(data: helpdesk.QuestionIn, actor: CurrentActor, store: Store) -> dict[str, object]:
    with store.writing(actor) as session:
        return audit.as_document(helpdesk.ask(session, actor, data))


@router.get(f"{API}/questions/{{question_id}}", tags=TAGS, summary="One help-desk question")
def api_question(question_id: RecordId, actor: CurrentActor, store: Store) -> dict[str, object]:
    with store.reading() as session:
        return audit.as_document(helpdesk.get(session, actor, question_id))


@router.post(f"{API}/questions/{{question_id}}/answer", tags=TAGS, summary="Answer", dependencies=[CSRF])
def api_answer(
    question_id: RecordId, data: helpdesk.AnswerIn, actor: CurrentActor, store: Store
) -> dict[str, object]:
    with store.writing(actor) as session:
        return audit.as_document(helpdesk.answer(session, actor, question_id, data))


@router.post(
    f"{API}/questions/{{question_id}}/publish",
    tags=TAGS,
    dependencies=[CSRF],
    summary="Publish an answered question to the library as a frequently asked question",
)
def api_publish(
    question_id: RecordId, data: helpdesk.PublishIn, actor: CurrentActor, store: Store
) -> dict[str, object]:
    with store.writing(actor) as session:
        return audit.as_document(helpdesk.publish(session, actor, question_id, data))


# --- Learning network API -------------------------------------------------------------------------


@router.get(f"{API}/sessions", tags=TAGS, summary="Learning-network sessions (published ones for the public)")
def api_sessions(
    actor: CurrentActor, store: Store, intervention: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None
) -> list[dict[str, object]]:
    with store.reading() as session:
        return [audit.as_document(meeting) for meeting in learning.sessions(session, actor, intervention)]


@router.post(f"{API}/sessions", tags=TAGS, status_code=201, summary="Record a session", dependencies=[CSRF])
def api_record_session(data: learning.SessionIn, actor: CurrentActor, store: Store) -> dict[str, object]:
    with store.writing(actor) as session:
        return audit.as_document(learning.record(session, actor, data))


# --- Measures of similar areas API ---------------------------------------------------------------


@router.get(
    f"{API}/areas/{{code}}/measures-elsewhere",
    tags=TAGS,
    summary="For an area's worst domains: the measures its similar areas' focus areas run on those domains",
)
def api_measures_elsewhere(
    code: AreaCodePath, actor: CurrentActor, store: Store, cache: Cache, con: Warehouse
) -> dict[str, object]:
    profile = cache.profile(code, "nl")
    worst = profile.scores.worst_domains if profile.scores else []
    with store.reading() as session:
        found = elsewhere.measures_of_similar_areas(session, con, actor, profile, worst)
    return {"code": profile.area.code, "worst_domains": worst, **found.as_dict()}


# --- Pages ----------------------------------------------------------------------------------------


@router.get("/wijkwijzer", response_class=HTMLResponse, include_in_schema=False)
def library_page(
    request: Request,
    actor: CurrentActor,
    store: Store,
    q: Phrase = "",
    domains: Domains = None,
    action_line: ActionLine = None,
    evidence: Evidence = None,
    lang: Language = "nl",
) -> Response:
    found = _found(store, actor, q, domains, action_line, evidence)
    chosen = {"q": q, "domain": domains or [], "action_line": action_line, "evidence": evidence or []}
    return actor_page(
        request,
        "wijkwijzer/library.html",
        lang,
        actor,
        found=found,
        chosen=chosen,
        evidence_levels=EVIDENCE_LEVELS,
    )


@router.get("/wijkwijzer/{intervention_id:int}", response_class=HTMLResponse, include_in_schema=False)
def intervention_page(
    request: Request, intervention_id: RecordId, actor: CurrentActor, store: Store, lang: Language = "nl"
) -> Response:
    with store.reading() as session:
        entry = library.get_visible(session, actor, intervention_id)
        linked = [m for m in (session.get(Measure, i) for i in entry.measure_ids) if m is not None]
        measures = records.visible(
            actor, linked
        )  # a published measure of an unpublished programme stays hidden
        sessions = learning.sessions(session, actor, intervention_id)
        return actor_page(
            request,
            "wijkwijzer/intervention.html",
            lang,
            actor,
            entry=entry,
            measures=measures,
            sessions=sessions,
        )


@router.get("/expertpool", response_class=HTMLResponse, include_in_schema=False)
def pool_page(request: Request, actor: CurrentActor, store: Store, lang: Language = "nl") -> Response:
    if actor.is_public:
        return actor_page(
            request, "wijkwijzer/pool.html", lang, actor, status_code=403, requests=[], experts=[]
        )
    with store.reading() as session:
        return actor_page(
            request,
            "wijkwijzer/pool.html",
            lang,
            actor,
            requests=pool.requests(session, actor),
            experts=pool.experts(session, actor),
        )


def _request_form(
    request: Request,
    lang: str,
    actor: Actor,
    store: Any,
    values: dict[str, Any],
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    with store.reading() as session:
        areas = list(session.scalars(select(FocusArea).order_by(FocusArea.id)))
    areas = [a for a in areas if allowed(actor, "comment", a.id)]
    return actor_page(
        request,
        "wijkwijzer/request_form.html",
        lang,
        actor,
        values=values,
        errors=errors or {},
        areas=areas,
        status_code=status_code,
    )


@router.get("/expertpool/vraag", response_class=HTMLResponse, include_in_schema=False)
def request_form(
    request: Request,
    actor: CurrentActor,
    store: Store,
    lang: Language = "nl",
    domain: Annotated[str, Query(max_length=40)] = "",
    gebied: AreaCodeQuery = None,
) -> Response:
    values = {
        "domain": domain,
        "area_code": gebied or "",
        "focus_area_id": actor.focus_area_id,
        "urgency": "normal",
    }
    return _request_form(request, lang, actor, store, values)


@router.post("/expertpool/vraag", include_in_schema=False, dependencies=[CSRF])
async def request_submit(
    request: Request, actor: CurrentActor, store: Store, lang: Language = "nl"
) -> Response:
    form = await request.form()
    values = forms.texts(form, pool.RequestIn.model_fields)
    data, found = forms.validate(pool.RequestIn, forms.given(values), lang)
    if data is None:
        return _request_form(request, lang, actor, store, values, found.by_field, status_code=422)
    with store.writing(actor) as session:
        filed = pool.file_request(session, actor, data)
    return RedirectResponse(link(f"/expertpool/vraag/{filed.id}", lang), status_code=303)


@router.get("/expertpool/vraag/{request_id:int}", response_class=HTMLResponse, include_in_schema=False)
def request_page(
    request: Request, request_id: RecordId, actor: CurrentActor, store: Store, lang: Language = "nl"
) -> Response:
    with store.reading() as session:
        found = pool.get_request(session, actor, request_id)
        suggestions = pool.suggestions(session, actor, found) if found.status == "open" else []
        return actor_page(
            request,
            "wijkwijzer/request.html",
            lang,
            actor,
            r=found,
            suggestions=suggestions,
            step=pool.STEPS.get(found.status, (None,))[0],
        )


@router.post("/expertpool/vraag/{request_id:int}/stap", include_in_schema=False, dependencies=[CSRF])
async def request_step(
    request: Request, request_id: RecordId, actor: CurrentActor, store: Store, lang: Language = "nl"
) -> Response:
    form = await request.form()
    data, found = forms.validate(pool.StepIn, forms.given(forms.texts(form, pool.StepIn.model_fields)), lang)
    if data is None:
        raise WijkzichtError(found.summary())
    with store.writing(actor) as session:
        pool.take_step(session, actor, request_id, data)
    return RedirectResponse(link(f"/expertpool/vraag/{request_id}", lang), status_code=303)


# --- The profile's section ------------------------------------------------------------------------
