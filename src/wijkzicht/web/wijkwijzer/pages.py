"""Wijkwijzer's forms: the help desk (vraagbaak) under /vraagbaak, the learning network under
/wijkwijzer/leernetwerk, and adding and changing library entries under /wijkwijzer/nieuw and
/wijkwijzer/{id}/bewerken. The API of each is in `web.py`; both call the same domain functions, which
authorise, so a form cannot allow what the API refuses.

Every form carries the session's CSRF token; bad input shows the form again (422) with the fields marked and
a summary linking to them; a rule the data breaks (400) is named in that summary; who may not gets 403, a
stale version 409 (site-style pages from the app's error handlers).

No `from __future__ import annotations` here: FastAPI reads the routes' annotations at runtime.
"""

from collections.abc import Iterable, Mapping
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel
from sqlalchemy import select

from wijkzicht.catalogue import load_catalogue
from wijkzicht.errors import WijkzichtError
from wijkzicht.i18n import Translator
from wijkzicht.programmes.accounts import Actor, allowed, authorise
from wijkzicht.programmes.models import FocusArea
from wijkzicht.web import forms
from wijkzicht.web.params import Language, RecordId
from wijkzicht.web.render import link
from wijkzicht.web.security import CSRF, CurrentActor, Store, actor_page
from wijkzicht.wijkwijzer import helpdesk, learning, library
from wijkzicht.wijkwijzer.models import COST_LEVELS, EVIDENCE_LEVELS, HELP_CATEGORIES, Intervention

router = APIRouter()
HELP_DESK = "/vraagbaak"
LEARNING = "/wijkwijzer/leernetwerk"


# --- Fields and input -----------------------------------------------------------------------------


def _field(
    t: Translator,
    name: str,
    values: Mapping[str, Any],
    errors: Mapping[str, str],
    *,
    widget: str = "text",
    required: bool = False,
    options: Iterable[tuple[str, str]] = (),
    maxlength: int | None = None,
    help_key: str | None = None,
    label_key: str | None = None,
) -> dict[str, Any]:
    """One field as programmes/_fields.html shows it; the label is `ww.field.<name>` unless given."""
    value = values.get(name)
    return {
        "name": name,
        "label": t(label_key or f"ww.field.{name}"),
        "value": "" if value is None else value,
        "error": errors.get(name),
        "widget": widget,
        "required": required,
        "options": list(options),
        "maxlength": maxlength,
        "help": t(help_key) if help_key else "",
    }


def _domains(lang: str) -> list[tuple[str, str]]:
    """The monitor's problem domains (not its context and demography)."""
    catalogue = load_catalogue()
    return [(key, catalogue.domains[key][lang]) for key in catalogue.problem_domains]


# --- Library entries ------------------------------------------------------------------------------


def _entry_fields(
    t: Translator, lang: str, values: Mapping[str, Any], errors: Mapping[str, str]
) -> list[Any]:
    choices = {
        "kind": [(kind, t(f"ww.kind.{kind}")) for kind in ("practice", "faq")],
        "action_line": [(str(n), t(f"ww.line.{n}")) for n in range(1, 5)],
        "evidence": [(level, t(f"ww.evidence.{level}")) for level in EVIDENCE_LEVELS],
        "cost": [(level, t(f"ww.cost.{level}")) for level in COST_LEVELS],
    }
    return [
        _field(t, "kind", values, errors, widget="select", required=True, options=choices["kind"]),
        _field(t, "title", values, errors, required=True, maxlength=200),
        _field(t, "summary", values, errors, widget="textarea", required=True, maxlength=10_000),
        _field(t, "domains", values, errors, widget="checkboxes", required=True, options=_domains(lang)),
        _field(t, "action_line", values, errors, widget="select", options=choices["action_line"]),
        _field(t, "target_group", values, errors, maxlength=200),
        _field(t, "evidence", values, errors, widget="select", required=True, options=choices["evidence"]),
        _field(t, "evidence_source", values, errors, maxlength=500),
        _field(t, "cost", values, errors, widget="select", required=True, options=choices["cost"]),
        _field(t, "contact", values, errors, maxlength=200),
        _field(t, "links", values, errors, widget="textarea", help_key="ww.help.links"),
        _field(t, "area_codes", values, errors, help_key="ww.help.area_codes"),
        _field(t, "measure_ids", values, errors, help_key="ww.help.measure_ids"),
        _field(t, "example", values, errors, widget="checkbox"),
        _field(t, "published", values, errors, widget="checkbox"),
    ]


def _entry_values(form: Any) -> dict[str, Any]:
    """What the form shows again: the text as typed, lists as the form holds them."""
    values: dict[str, Any] = {name: forms.text(form, name) for name in library.FIELDS}
    values["domains"] = [str(d) for d in form.getlist("domains")]
    values["example"], values["published"] = "example" in form, "published" in form
    return values


def _entry_input(values: Mapping[str, Any]) -> dict[str, Any]:
    """The form's text as the schema's input."""
    return forms.given(
        {
            **values,
            "links": forms.lines(values["links"]),
            "area_codes": forms.words(values["area_codes"]),  # the schema normalises each code
            "measure_ids": forms.words(values["measure_ids"]),
        }
    )


def _entry_as_values(entry: Intervention) -> dict[str, Any]:
    values = {name: getattr(entry, name) for name in library.FIELDS}
    values["links"] = "\n".join(entry.links)
    values["area_codes"] = " ".join(entry.area_codes)
    values["measure_ids"] = " ".join(str(i) for i in entry.measure_ids)
    values["action_line"] = "" if entry.action_line is None else str(entry.action_line)
    return values


def _entry_form(
    request: Request,
    lang: str,
    actor: Actor,
    values: Mapping[str, Any],
    *,
    entry_id: int | None = None,
    version: int | None = None,
    errors: Mapping[str, str] | None = None,
    general: list[str] | None = None,
    status_code: int = 200,
) -> Response:
    t = Translator(lang)
    action = f"/wijkwijzer/{entry_id}/bewerken" if entry_id else "/wijkwijzer/nieuw"
    heading = t("ww.form.edit_entry", id=entry_id) if entry_id else t("ww.form.new_entry")
    return actor_page(
        request,
        "wijkwijzer/form.html",
        lang,
        actor,
        status_code=status_code,
        heading=heading,
        action=action,
        version=version,
        fields=_entry_fields(t, lang, values, errors or {}),
        general=general or [],
        back=f"/wijkwijzer/{entry_id}" if entry_id else "/wijkwijzer",
    )


@router.get("/wijkwijzer/nieuw", response_class=HTMLResponse, include_in_schema=False)
def new_entry_form(request: Request, actor: CurrentActor, lang: Language = "nl") -> Response:
    authorise(actor, "manage")  # no form for who may not use it
    return _entry_form(request, lang, actor, {"kind": "practice", "evidence": "unknown", "cost": "unknown"})


@router.post("/wijkwijzer/nieuw", include_in_schema=False, dependencies=[CSRF])
async def new_entry_submit(
    request: Request, actor: CurrentActor, store: Store, lang: Language = "nl"
) -> Response:
    authorise(actor, "manage")
    values = _entry_values(await request.form())
    data, found = forms.validate(library.InterventionIn, _entry_input(values), lang)
    if data is None:
        return _entry_form(request, lang, actor, values, errors=found.by_field, status_code=422)
    try:
        with store.writing(actor) as session:
            entry_id = library.create(session, actor, data).id
    except WijkzichtError as error:
        found = forms.rule_problems(error, library.FIELDS, lang)
        return _entry_form(
            request, lang, actor, values, errors=found.by_field, general=found.general, status_code=400
        )
    return RedirectResponse(link(f"/wijkwijzer/{entry_id}", lang), status_code=303)


@router.get("/wijkwijzer/{entry_id:int}/bewerken", response_class=HTMLResponse, include_in_schema=False)
def edit_entry_form(
    request: Request, entry_id: RecordId, actor: CurrentActor, store: Store, lang: Language = "nl"
) -> Response:
    authorise(actor, "manage")
    with store.reading() as session:
        entry = library.get_visible(session, actor, entry_id)
        values, version = _entry_as_values(entry), entry.version
    return _entry_form(request, lang, actor, values, entry_id=entry_id, version=version)


@router.post("/wijkwijzer/{entry_id:int}/bewerken", include_in_schema=False, dependencies=[CSRF])
async def edit_entry_submit(
    request: Request, entry_id: RecordId, actor: CurrentActor, store: Store, lang: Language = "nl"
) -> Response:
    authorise(actor, "manage")
    form = await request.form()
    version, values = forms.version(form), _entry_values(form)
    data, found = forms.validate(library.InterventionIn, _entry_input(values), lang)
    if data is None:
        return _entry_form(
            request,
            lang,
            actor,
            values,
            entry_id=entry_id,
            version=version,
            errors=found.by_field,
            status_code=422,
        )
    try:
        with store.writing(actor) as session:
            library.update(session, actor, entry_id, data, version)
    except WijkzichtError as error:
        found = forms.rule_problems(error, library.FIELDS, lang)
        return _entry_form(
            request,
            lang,
            actor,
            values,
            entry_id=entry_id,
            version=version,
            errors=found.by_field,
            general=found.general,
            status_code=400,
        )
    return RedirectResponse(link(f"/wijkwijzer/{entry_id}", lang), status_code=303)


# --- The learning network -------------------------------------------------------------------------


@router.get(LEARNING, response_class=HTMLResponse, include_in_schema=False)
def learning_page(request: Request, actor: CurrentActor, store: Store, lang: Language = "nl") -> Response:
    with store.reading() as session:
        meetings = learning.sessions(session, actor)
        discussed = {i.id: i for i in library.find(session, actor)}
    return actor_page(
        request, "wijkwijzer/learning.html", lang, actor, meetings=meetings, discussed=discussed
    )


SESSION_FIELDS = tuple(learning.SessionIn.model_fields)


def _session_form(
    request: Request,
    lang: str,
    actor: Actor,
    store: Any,
    values: Mapping[str, Any],
    errors: Mapping[str, str] | None = None,
    general: list[str] | None = None,
    status_code: int = 200,
) -> Response:
    t, errors = Translator(lang), errors or {}
    with store.reading() as session:
        entries = [(str(i.id), i.title) for i in library.find(session, actor)]
    fields = [
        _field(t, "topic", values, errors, required=True, maxlength=200),
        _field(t, "held_on", values, errors, widget="date", required=True),
        _field(t, "organisations", values, errors, widget="textarea", help_key="ww.help.organisations"),
        _field(t, "intervention_ids", values, errors, widget="checkboxes", options=entries),
        _field(
            t,
            "summary",
            values,
            errors,
            widget="textarea",
            maxlength=10_000,
            label_key="ww.field.session_summary",
        ),
        _field(t, "published", values, errors, widget="checkbox"),
    ]
    return actor_page(
        request,
        "wijkwijzer/form.html",
        lang,
        actor,
        status_code=status_code,
        heading=t("ww.form.new_session"),
        action=LEARNING + "/nieuw",
        version=None,
        fields=fields,
        general=general or [],
        back=LEARNING,
    )


@router.get(LEARNING + "/nieuw", response_class=HTMLResponse, include_in_schema=False)
def new_session_form(request: Request, actor: CurrentActor, store: Store, lang: Language = "nl") -> Response:
    authorise(actor, "manage")
    return _session_form(request, lang, actor, store, {})


@router.post(LEARNING + "/nieuw", include_in_schema=False, dependencies=[CSRF])
async def new_session_submit(
    request: Request, actor: CurrentActor, store: Store, lang: Language = "nl"
) -> Response:
    authorise(actor, "manage")
    form = await request.form()
    values: dict[str, Any] = {name: forms.text(form, name) for name in SESSION_FIELDS}
    values["intervention_ids"] = [str(i) for i in form.getlist("intervention_ids")]
    values["published"] = "published" in form
    data, found = forms.validate(
        learning.SessionIn,
        forms.given({**values, "organisations": forms.lines(values["organisations"])}),
        lang,
    )
    if data is None:
        return _session_form(request, lang, actor, store, values, found.by_field, status_code=422)
    try:
        with store.writing(actor) as session:
            learning.record(session, actor, data)
    except WijkzichtError as error:
        found = forms.rule_problems(error, SESSION_FIELDS, lang)
        return _session_form(
            request, lang, actor, store, values, found.by_field, found.general, status_code=400
        )
    return RedirectResponse(link(LEARNING, lang), status_code=303)


# --- The help desk --------------------------------------------------------------------------------


@router.get(HELP_DESK, response_class=HTMLResponse, include_in_schema=False)
def help_desk_page(request: Request, actor: CurrentActor, store: Store, lang: Language = "nl") -> Response:
    if actor.is_public:  # the page says why, with the way to log in
        return actor_page(
            request, "wijkwijzer/helpdesk.html", lang, actor, status_code=403, questions=[], may_ask=False
        )
    with store.reading() as session:
        found = helpdesk.questions(session, actor)
        may_ask = bool(_askable_areas(session, actor))
        return actor_page(request, "wijkwijzer/helpdesk.html", lang, actor, questions=found, may_ask=may_ask)


def _askable_areas(session: Any, actor: Actor) -> list[FocusArea]:
    areas = session.scalars(select(FocusArea).order_by(FocusArea.id))
    return [area for area in areas if allowed(actor, "comment", area.id)]


QUESTION_FIELDS = tuple(helpdesk.QuestionIn.model_fields)


def _ask_form(
    request: Request,
    lang: str,
    actor: Actor,
    store: Any,
    values: Mapping[str, Any],
    errors: Mapping[str, str] | None = None,
    general: list[str] | None = None,
    status_code: int = 200,
) -> Response:
    t, errors = Translator(lang), errors or {}
    with store.reading() as session:
        areas = [(str(area.id), area.name) for area in _askable_areas(session, actor)]
    if not areas:
        authorise(actor, "comment")  # raises: nobody without an area of their own may ask
    fields = [
        _field(t, "focus_area_id", values, errors, widget="select", required=True, options=areas),
        _field(
            t,
            "category",
            values,
            errors,
            widget="select",
            required=True,
            options=[(c, t(f"hd.category.{c}")) for c in HELP_CATEGORIES],
        ),
        _field(t, "domain", values, errors, widget="select", required=True, options=_domains(lang)),
        _field(
            t,
            "question",
            values,
            errors,
            widget="textarea",
            required=True,
            maxlength=5000,
            help_key="hd.help.question",
        ),
    ]
    return actor_page(
        request,
        "wijkwijzer/form.html",
        lang,
        actor,
        status_code=status_code,
        heading=t("hd.new_question"),
        action=HELP_DESK + "/vraag",
        version=None,
        fields=fields,
        general=general or [],
        back=HELP_DESK,
    )


@router.get(HELP_DESK + "/vraag", response_class=HTMLResponse, include_in_schema=False)
def ask_form(request: Request, actor: CurrentActor, store: Store, lang: Language = "nl") -> Response:
    return _ask_form(request, lang, actor, store, {"focus_area_id": actor.focus_area_id or ""})


@router.post(HELP_DESK + "/vraag", include_in_schema=False, dependencies=[CSRF])
async def ask_submit(request: Request, actor: CurrentActor, store: Store, lang: Language = "nl") -> Response:
    form = await request.form()
    values = {name: forms.text(form, name) for name in QUESTION_FIELDS}
    data, found = forms.validate(helpdesk.QuestionIn, forms.given(values), lang)
    if data is None:
        return _ask_form(request, lang, actor, store, values, found.by_field, status_code=422)
    try:
        with store.writing(actor) as session:
            question_id = helpdesk.ask(session, actor, data).id
    except WijkzichtError as error:
        found = forms.rule_problems(error, QUESTION_FIELDS, lang)
        return _ask_form(request, lang, actor, store, values, found.by_field, found.general, status_code=400)
    return RedirectResponse(link(f"{HELP_DESK}/{question_id}", lang), status_code=303)


def _question_page(
    request: Request,
    lang: str,
    actor: Actor,
    store: Any,
    question_id: int,
    *,
    values: Mapping[str, Any] | None = None,
    errors: Mapping[str, str] | None = None,
    general: list[str] | None = None,
    version: int | None = None,
    status_code: int = 200,
) -> Response:
    """The question with the administrator's next form: the answer while open, then publishing as FAQ."""
    t, errors = Translator(lang), errors or {}
    with store.reading() as session:
        question = helpdesk.get(session, actor, question_id)
        step = None
        if allowed(actor, "manage", question.focus_area_id) and question.faq_id is None:
            step = "answer" if question.status == "open" else "publish"
        if values is None:
            values = {"answer": question.answer, "assignee": question.assignee, "summary": question.answer}
        fields = _step_fields(t, step, values, errors)
        return actor_page(
            request,
            "wijkwijzer/question.html",
            lang,
            actor,
            status_code=status_code,
            q=question,
            step=step,
            fields=fields,
            general=general or [],
            version=version or question.version,
        )


def _step_fields(
    t: Translator, step: str | None, values: Mapping[str, Any], errors: Mapping[str, str]
) -> list[dict[str, Any]]:
    if step == "answer":
        return [
            _field(t, "answer", values, errors, widget="textarea", required=True, maxlength=10_000),
            _field(t, "assignee", values, errors, maxlength=80, help_key="hd.help.assignee"),
        ]
    if step == "publish":  # the FAQ's own wording: the public reads it, not the question
        return [
            _field(
                t,
                "title",
                values,
                errors,
                required=True,
                maxlength=200,
                help_key="hd.help.faq_title",
                label_key="ww.field.faq_title",
            ),
            _field(
                t,
                "summary",
                values,
                errors,
                widget="textarea",
                required=True,
                maxlength=10_000,
                help_key="hd.help.faq_summary",
                label_key="ww.field.faq_summary",
            ),
        ]
    return []


@router.get(HELP_DESK + "/{question_id:int}", response_class=HTMLResponse, include_in_schema=False)
def question_page(
    request: Request, question_id: RecordId, actor: CurrentActor, store: Store, lang: Language = "nl"
) -> Response:
    return _question_page(request, lang, actor, store, question_id)


async def _question_step(
    request: Request,
    question_id: int,
    actor: Actor,
    store: Any,
    lang: str,
    schema: type[BaseModel],
    names: tuple[str, ...],
    act: Any,
) -> Response:
    """Answer or publish: the version read, the form's fields, the domain function that acts."""
    form = await request.form()
    version = forms.version(form)
    values = {name: forms.text(form, name) for name in names}
    data, found = forms.validate(schema, {**values, "version": version}, lang)
    if data is None:
        return _question_page(
            request,
            lang,
            actor,
            store,
            question_id,
            values=values,
            errors=found.by_field,
            version=version,
            status_code=422,
        )
    try:
        with store.writing(actor) as session:
            act(session, actor, question_id, data)
    except WijkzichtError as error:
        found = forms.rule_problems(error, names, lang)
        return _question_page(
            request,
            lang,
            actor,
            store,
            question_id,
            values=values,
            errors=found.by_field,
            general=found.general,
            version=version,
            status_code=400,
        )
    return RedirectResponse(link(f"{HELP_DESK}/{question_id}", lang), status_code=303)


@router.post(HELP_DESK + "/{question_id:int}/antwoord", include_in_schema=False, dependencies=[CSRF])
async def answer_submit(
    request: Request, question_id: RecordId, actor: CurrentActor, store: Store, lang: Language = "nl"
) -> Response:
    return await _question_step(
        request, question_id, actor, store, lang, helpdesk.AnswerIn, ("answer", "assignee"), helpdesk.answer
    )


@router.post(HELP_DESK + "/{question_id:int}/publiceren", include_in_schema=False, dependencies=[CSRF])
async def publish_submit(
    request: Request, question_id: RecordId, actor: CurrentActor, store: Store, lang: Language = "nl"
) -> Response:
    return await _question_step(
        request, question_id, actor, store, lang, helpdesk.PublishIn, ("title", "summary"), helpdesk.publish
    )
