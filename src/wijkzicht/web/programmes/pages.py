"""Programme steering's pages under /programma: the overview, a focus area, reports (HTML and PDF), the
forms of every record kind, accounts, and logging in and out.

A refused form comes back with its problems beside the fields (422), a broken rule above them (400); a
denied action is a 403 page, a stale version a 409 page (the app's error handlers).
"""

import math
import typing
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel, ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from wijkzicht.catalogue import load_catalogue
from wijkzicht.errors import NotFoundError, WijkzichtError
from wijkzicht.i18n import MISSING, Translator, format_date, format_money, format_number, translations
from wijkzicht.monitor import build_log
from wijkzicht.programmes import accounts, audit, records, schemas
from wijkzicht.programmes.accounts import PUBLIC, Actor, allowed
from wijkzicht.programmes.database import OperationalDatabase
from wijkzicht.programmes.models import Base, Comment, FocusArea, Organisation, Programme, User
from wijkzicht.programmes.records import Kind
from wijkzicht.web import forms
from wijkzicht.web.deps import Warehouse
from wijkzicht.web.params import Language, RecordId
from wijkzicht.web.programmes import goal_form, report
from wijkzicht.web.render import link, render_pdf
from wijkzicht.web.security import (
    CSRF,
    CurrentActor,
    LoginRefused,
    Store,
    actor_page,
    log_in,
    log_out,
)

router = APIRouter(include_in_schema=False)
PAGES = "/programma"


# --- Pages ----------------------------------------------------------------------------------------


@router.get(PAGES, response_class=HTMLResponse)
def overview_page(
    request: Request, actor: CurrentActor, store: Store, con: Warehouse, lang: Language = "nl"
) -> Response:
    with store.reading() as session:
        national = report.national_report(session, actor, con)
        return actor_page(
            request, "programmes/overview.html", lang, actor, report=national, saved=_saved_kind(request)
        )


@router.get(PAGES + "/{focus_area_id:int}", response_class=HTMLResponse)
def area_page(
    request: Request,
    focus_area_id: RecordId,
    actor: CurrentActor,
    store: Store,
    con: Warehouse,
    lang: Language = "nl",
) -> Response:
    with store.reading() as session:
        area_report = report.area_report(session, actor, con, focus_area_id)
        area = area_report.focus_area
        names = dict(
            con.execute(
                "SELECT code, name FROM area_years WHERE code IN (SELECT unnest(?))", [area.wijken]
            ).fetchall()
        )
        comments = []
        if allowed(actor, "read", area.id):
            comments = list(
                session.scalars(select(Comment).where(Comment.focus_area_id == area.id).order_by(Comment.id))
            )
        return actor_page(
            request,
            "programmes/area.html",
            lang,
            actor,
            r=area_report,
            area=area,
            wijk_names=names,
            comments=comments,
            saved=_saved_kind(request),
        )


def _saved_kind(request: Request) -> str | None:
    """The kind of record just saved (the redirect after a save says which), for the confirmation."""
    kind = request.query_params.get("opgeslagen")
    return kind if kind in records.KINDS else None


def _report_response(html: str, fmt: str, filename: str) -> Response:
    if fmt == "pdf":
        return Response(
            render_pdf(html),
            media_type="application/pdf",
            headers={"Content-Disposition": f'inline; filename="{filename}.pdf"'},
        )
    return HTMLResponse(html)


@router.get(PAGES + "/rapport.{fmt:str}")
def national_report_page(
    fmt: str, actor: CurrentActor, store: Store, con: Warehouse, lang: Language = "nl"
) -> Response:
    if fmt not in ("html", "pdf"):
        raise NotFoundError(key="error.report.format")
    with store.reading() as session:
        html = report.render_html(report.national_report(session, actor, con), lang)
    return _report_response(html, fmt, "voortgang-en-vastlopers")


@router.get(PAGES + "/{focus_area_id:int}/rapport.{fmt:str}")
def area_report_page(
    focus_area_id: RecordId,
    fmt: str,
    actor: CurrentActor,
    store: Store,
    con: Warehouse,
    lang: Language = "nl",
) -> Response:
    if fmt not in ("html", "pdf"):
        raise NotFoundError(key="error.report.format")
    with store.reading() as session:
        html = report.render_html(report.area_report(session, actor, con, focus_area_id), lang)
    return _report_response(html, fmt, f"voortgang-en-vastlopers-{focus_area_id}")


# --- Forms ----------------------------------------------------------------------------------------

PARENT_FIELDS = ("focus_area_id", "alliance_id", "programme_id", "measure_id", "goal_id")
ORGANISATION_FIELDS = ("owner_id", "organisation_id")
LONG_TEXT = ("description", "narrative", "conditions", "evaluation", "resolution", "partners", "text")
VOCABULARY_FIELDS = {
    "kind": "organisation_kinds",
    "theme": "themes",
    "funding_source": "funding_sources",
    "ministry": "ministries",
}
CHOICE_LABELS = {
    "status": "prog.status.",
    "category": "prog.category.",
    "escalation": "prog.escalation.",
    "reference": "prog.reference.",
    "role": "prog.role.",
    "object_type": "prog.kind.",
    "action_line": "ww.line.",  # the programme's four action lines, named as in the wijkwijzer
}
MONEY_FIELDS = {"budget"}
# Years and record numbers are shown as written ('2020', not '2.020' like an amount).
PLAIN_NUMBER_FIELDS = {"id", "start_year", "end_year", "baseline_period", "target_year"}


def _form_fields(
    schema: type[BaseModel],
    values: dict[str, Any],
    errors: dict[str, str],
    session: Any,
    con: Any,
    t: Any,
    parents_hidden: bool = True,
) -> list[dict[str, Any]]:
    """What the form shows for each field of a schema: widget, label, options, limits, error."""
    organisations = None
    fields = []
    for name, info in schema.model_fields.items():
        annotation = info.annotation
        choices = [arg for arg in typing.get_args(annotation) if arg is not type(None)]
        literal = next((arg for arg in choices if typing.get_origin(arg) is typing.Literal), None)
        if typing.get_origin(annotation) is typing.Literal:
            literal = annotation
        field: dict[str, Any] = {
            "name": name,
            "label": t(f"prog.field.{name}"),
            "required": info.is_required(),
            "value": values.get(name, "" if info.default is None else info.default),
            "error": errors.get(name),
            "widget": "text",
            "options": [],
        }
        if field["value"] is None or str(field["value"]) == "PydanticUndefined":
            field["value"] = ""
        maximum = next(
            (getattr(m, "max_length", None) for m in info.metadata if getattr(m, "max_length", None)), None
        )
        field["maxlength"] = maximum
        if name in PARENT_FIELDS and parents_hidden:
            field["widget"] = "hidden"
        elif name == "focus_area_id":
            areas = session.execute(select(FocusArea.id, FocusArea.name).order_by(FocusArea.id))
            field |= {"widget": "select", "options": [(str(i), n) for i, n in areas]}
        elif name in ORGANISATION_FIELDS:
            if organisations is None:
                organisations = session.execute(
                    select(Organisation.id, Organisation.name).order_by(Organisation.name)
                )
                organisations = [(str(i), n) for i, n in organisations]
            field |= {"widget": "select", "options": organisations}
        elif name in VOCABULARY_FIELDS:
            listed = schemas.vocabulary()[VOCABULARY_FIELDS[name]]
            field |= {
                "widget": "select",
                "options": [(c, t(f"vocab.{VOCABULARY_FIELDS[name]}.{c}")) for c in listed],
            }
        elif literal is not None:
            prefix = CHOICE_LABELS.get(name)
            options = [(str(v), t(prefix + str(v)) if prefix else str(v)) for v in typing.get_args(literal)]
            field |= {"widget": "select", "options": options}
        elif name == "subgroup":
            field |= {"widget": "select", "options": goal_form.subgroup_options(con, t.language)}
        elif name == "area_code" and (areas := _goal_areas(session, con, values.get("programme_id"))):
            field |= {"widget": "select", "options": areas}
        elif name == "indicator":
            field |= {"widget": "select", "options": goal_form.indicator_options(con, t.language)}
        elif annotation is bool:
            field["widget"] = "checkbox"
        elif date in choices or annotation is date:
            field["widget"] = "date"
        elif annotation in (float, Decimal):
            field |= _decimal_field(field["value"], t)
        elif annotation is int or int in choices:
            field["widget"] = "number"
        elif name in LONG_TEXT:
            field["widget"] = "textarea"
        elif name == "password":
            field |= {"widget": "password", "value": ""}  # never sent back
        fields.append(field)
    return fields


def _decimal_field(value: object, t: Translator) -> dict[str, Any]:
    """A number with decimals (a target, an amount): a text field that takes '12,5' as well as '12.5'
    (schemas.TypedNumber reads it), showing a stored value as the page's language writes it."""
    shown = _exact_number(value, t.language, grouped=False) if isinstance(value, float | Decimal) else value
    example = format_number(Decimal("1250.5"), t.language, grouped=False)
    return {"widget": "decimal", "value": shown, "help": t("form.number.help", example=example)}


def _goal_areas(session: Any, con: Any, programme_id: object) -> list[tuple[str, str]]:
    """The areas a goal of this programme can be measured on: its focus area's wijken and their gemeente."""
    number = str(programme_id or "")
    programme = session.get(Programme, int(number)) if number.isdigit() else None
    if programme is None:
        return []
    area = programme.focus_area
    codes = [*area.wijken, area.gemeente_code]
    names = dict(
        con.execute("SELECT code, name FROM area_years WHERE code IN (SELECT unnest(?))", [codes]).fetchall()
    )
    return [(code, f"{names.get(code, code)} ({code})") for code in codes]


def _form_page(
    request: Request,
    lang: str,
    actor: Actor,
    kind: Kind,
    values: dict[str, Any],
    *,
    record_id: int | None = None,
    version: int | None = None,
    errors: dict[str, str] | None = None,
    general: list[str] | None = None,
    status_code: int = 200,
    store: OperationalDatabase,
    con: Any,
) -> Response:
    with store.reading() as session:
        fields = _form_fields(kind.schema, values, errors or {}, session, con, Translator(lang))
    return actor_page(
        request,
        "programmes/form.html",
        lang,
        actor,
        status_code=status_code,
        kind=kind,
        fields=fields,
        record_id=record_id,
        version=version,
        general=general or [],
        action=f"{PAGES}/{kind.name}/{record_id}/bewerken" if record_id else f"{PAGES}/nieuw/{kind.name}",
    )


def _back_to(record: Base) -> str:
    area = records.focus_area_of(record)
    return f"{PAGES}/{area}" if area is not None else PAGES


@router.get(PAGES + "/nieuw/{kind_name}", response_class=HTMLResponse)
def new_form(
    request: Request, kind_name: str, actor: CurrentActor, store: Store, con: Warehouse, lang: Language = "nl"
) -> Response:
    kind = records.kind_of(kind_name)
    values = {key: value for key, value in request.query_params.items() if key in kind.schema.model_fields}
    parents = {key: int(value) for key, value in values.items() if key in PARENT_FIELDS and value.isdigit()}
    with store.reading() as session:
        records.check_references(session, parents)
        records.authorise_new(
            actor, kind, records.area_of_new(session, parents)
        )  # no form for who may not use it
    return _form_page(request, lang, actor, kind, values, store=store, con=con)


@router.post(PAGES + "/nieuw/{kind_name}", dependencies=[CSRF])
async def new_submit(
    request: Request, kind_name: str, actor: CurrentActor, store: Store, con: Warehouse, lang: Language = "nl"
) -> Response:
    kind = records.kind_of(kind_name)
    values = forms.schema_input(kind.schema, await request.form())

    def create(session: Session, data: BaseModel) -> Base:
        return records.create(session, actor, kind, data, con)

    return _save(request, lang, actor, store, con, kind, values, create)


def _save(
    request: Request,
    lang: str,
    actor: Actor,
    store: OperationalDatabase,
    con: Any,
    kind: Kind,
    values: dict[str, Any],
    save: Callable[[Session, BaseModel], Base],
    *,
    record_id: int | None = None,
    version: int | None = None,
) -> Response:
    """A record form validated and saved (new or changed), then back to its focus area; refused, the form
    again with its problems beside the fields (422) or a broken rule beside the field it names, else above
    them (400). A refusal, a version conflict or a record gone is raised (403, 409, 404)."""
    try:
        data = kind.schema.model_validate(values, context=forms.reading(lang))
        with store.writing(actor) as session:
            target = _back_to(save(session, data))
    except ValidationError as error:
        found = forms.problems(error, lang)
        errors, general, status = found.by_field, found.general, 422
    except WijkzichtError as error:
        found = forms.rule_problems(error, kind.schema.model_fields, lang)
        errors, general, status = found.by_field, found.general, 400
    else:  # the page it returns to confirms the save (role=status), also after a reload
        return RedirectResponse(link(target, lang, opgeslagen=kind.name), status_code=303)
    return _form_page(
        request,
        lang,
        actor,
        kind,
        values,
        errors=errors,
        general=general,
        status_code=status,
        record_id=record_id,
        version=version,
        store=store,
        con=con,
    )


@router.get(PAGES + "/{kind_name}/{record_id:int}/bewerken", response_class=HTMLResponse)
def edit_form(
    request: Request,
    kind_name: str,
    record_id: RecordId,
    actor: CurrentActor,
    store: Store,
    con: Warehouse,
    lang: Language = "nl",
) -> Response:
    kind = records.kind_of(kind_name)
    with store.reading() as session:
        record = records.get_visible(session, actor, kind, record_id)
        accounts.authorise(
            actor, "manage" if kind.name == "organisation" else "edit", records.focus_area_of(record)
        )
        values = {name: getattr(record, name) for name in kind.schema.model_fields}
        version = record.version
    return _form_page(
        request, lang, actor, kind, values, record_id=record_id, version=version, store=store, con=con
    )


@router.post(PAGES + "/{kind_name}/{record_id:int}/bewerken", dependencies=[CSRF])
async def edit_submit(
    request: Request,
    kind_name: str,
    record_id: RecordId,
    actor: CurrentActor,
    store: Store,
    con: Warehouse,
    lang: Language = "nl",
) -> Response:
    kind = records.kind_of(kind_name)
    form = await request.form()
    values = forms.schema_input(kind.schema, form)
    version = forms.version(form)

    def update(session: Session, data: BaseModel) -> Base:
        return records.update(session, actor, kind, record_id, data, version, con)

    return _save(request, lang, actor, store, con, kind, values, update, record_id=record_id, version=version)


@router.get(PAGES + "/{kind_name}/{record_id:int}/historie", response_class=HTMLResponse)
def history_page(
    request: Request,
    kind_name: str,
    record_id: RecordId,
    actor: CurrentActor,
    store: Store,
    lang: Language = "nl",
) -> Response:
    kind = records.kind_of(kind_name)
    with store.reading() as session:
        record = records.get_visible(session, actor, kind, record_id)
        accounts.authorise(actor, "read", records.focus_area_of(record))
        entries = audit.history(session, kind.name, record_id)
        back = _back_to(record)
    t = Translator(lang)
    return actor_page(
        request,
        "programmes/history.html",
        lang,
        actor,
        kind=kind,
        record_id=record_id,
        entries=[(entry, _changes(entry, t)) for entry in entries],
        back=back,
    )


def _changes(entry: Any, t: Translator) -> list[tuple[str, str, str]]:
    """An audit entry's fields as people read them: the field's label, then the value before and after."""
    before, after = entry.before or {}, entry.after or {}
    keys = list(dict.fromkeys([*before, *after]))
    return [
        (_field_label(key, t), _readable(key, before.get(key), t), _readable(key, after.get(key), t))
        for key in keys
    ]


def _field_label(key: str, t: Translator) -> str:
    return t(f"prog.field.{key}") if f"prog.field.{key}" in translations() else key


def _readable(key: str, value: object, t: Translator) -> str:
    """A stored value in words and the site's number format: a label instead of a code, '—' for nothing."""
    if value is None or value == "":
        return MISSING
    if isinstance(value, bool):
        return t("prog.yes") if value else t("prog.no")
    if key in MONEY_FIELDS:
        return format_money(Decimal(str(value)), t.language)
    if key in PLAIN_NUMBER_FIELDS or key.endswith("_id"):
        return str(value)
    if key == "indicator" and value in load_catalogue().indicators:
        return f"{load_catalogue().indicators[str(value)].name(t.language)} ({value})"
    if key.endswith("_on") and isinstance(value, str):  # a date, stored in the audit log as ISO text
        return format_date(date.fromisoformat(value), t.language)
    if key in VOCABULARY_FIELDS and f"vocab.{VOCABULARY_FIELDS[key]}.{value}" in translations():
        return t(f"vocab.{VOCABULARY_FIELDS[key]}.{value}")
    if key in CHOICE_LABELS and f"{CHOICE_LABELS[key]}{value}" in translations():
        return t(f"{CHOICE_LABELS[key]}{value}")
    if key == "subgroup" and isinstance(value, str) and value in load_catalogue().subgroups:
        return load_catalogue().subgroups[value][t.language]
    if isinstance(value, int | float):
        return _exact_number(value, t.language)
    return str(value)


def _exact_number(value: float | Decimal, language: str, *, grouped: bool = True) -> str:
    """All the decimals a stored number has (an audit log and a form show what was saved, not a rounding
    of it)."""
    decimals = 0 if float(value).is_integer() else len(repr(float(value)).split(".")[1])
    return format_number(value, language, decimals, grouped=grouped)


@router.post(PAGES + "/{kind_name}/{record_id:int}/verwijderen", dependencies=[CSRF])
async def delete_submit(
    request: Request,
    kind_name: str,
    record_id: RecordId,
    actor: CurrentActor,
    store: Store,
    lang: Language = "nl",
) -> Response:
    kind = records.kind_of(kind_name)
    version = forms.version(await request.form())
    with store.writing(actor) as session:
        target = _back_to(records.get(session, kind, record_id))
        records.delete(session, actor, kind, record_id, version)
    return RedirectResponse(link(target, lang), status_code=303)


@router.post(PAGES + "/opmerking", dependencies=[CSRF])
async def comment_submit(
    request: Request, actor: CurrentActor, store: Store, lang: Language = "nl"
) -> Response:
    form = await request.form()
    try:
        data = schemas.CommentIn.model_validate(forms.schema_input(schemas.CommentIn, form))
    except ValidationError as error:
        raise HTTPException(422, forms.problems(error, lang).summary()) from None
    with store.writing(actor) as session:
        record = records.comment(session, actor, data)
    return RedirectResponse(link(f"{PAGES}/{record.focus_area_id}", lang), status_code=303)


# --- Accounts -------------------------------------------------------------------------------------


@router.get(PAGES + "/gebruikers", response_class=HTMLResponse)
def users_page(
    request: Request, actor: CurrentActor, store: Store, con: Warehouse, lang: Language = "nl"
) -> Response:
    return _users_page(request, lang, actor, store, con, {}, {}, [])


@router.post(PAGES + "/gebruikers", dependencies=[CSRF])
async def users_submit(
    request: Request, actor: CurrentActor, store: Store, con: Warehouse, lang: Language = "nl"
) -> Response:
    values = forms.schema_input(schemas.UserIn, await request.form())
    try:
        data = schemas.UserIn.model_validate(values)
        with store.writing(actor) as session:
            accounts.add_user(session, actor, **data.model_dump())
    except ValidationError as error:
        found = forms.problems(error, lang)
        return _users_page(
            request, lang, actor, store, con, values, found.by_field, found.general, status_code=422
        )
    except WijkzichtError as error:
        found = forms.rule_problems(error, schemas.UserIn.model_fields, lang)
        return _users_page(
            request, lang, actor, store, con, values, found.by_field, found.general, status_code=400
        )
    return RedirectResponse(link(PAGES + "/gebruikers", lang), status_code=303)


@router.post(PAGES + "/gebruikers/{user_id:int}/uitloggen", dependencies=[CSRF])
def log_out_everywhere_submit(
    request: Request, user_id: RecordId, actor: CurrentActor, store: Store, lang: Language = "nl"
) -> Response:
    with store.writing(actor) as session:
        accounts.log_out_everywhere(session, actor, user_id)
    return RedirectResponse(link(PAGES + "/gebruikers", lang), status_code=303)


def _users_page(
    request: Request,
    lang: str,
    actor: Actor,
    store: OperationalDatabase,
    con: Any,
    values: dict[str, Any],
    errors: dict[str, str],
    general: list[str],
    status_code: int = 200,
) -> Response:
    accounts.authorise(actor, "manage")
    with store.reading() as session:
        users = list(session.scalars(select(User).order_by(User.username)))
        areas = dict(session.execute(select(FocusArea.id, FocusArea.name)).all())
        fields = _form_fields(
            schemas.UserIn, values, errors, session, con, Translator(lang), parents_hidden=False
        )
    return actor_page(
        request,
        "programmes/users.html",
        lang,
        actor,
        status_code=status_code,
        users=users,
        areas=areas,
        fields=fields,
        general=general,
    )


# --- The warehouse's data -------------------------------------------------------------------------


@router.get(PAGES + "/data", response_class=HTMLResponse)
def data_page(request: Request, actor: CurrentActor, con: Warehouse, lang: Language = "nl") -> Response:
    """For administrators: per build of the warehouse what is new, revised and gone."""
    accounts.authorise(actor, "manage")
    return actor_page(request, "programmes/data.html", lang, actor, builds=build_log.change_log(con))


# --- Logging in -----------------------------------------------------------------------------------


@router.get("/inloggen", response_class=HTMLResponse)
def login_page(request: Request, actor: CurrentActor, lang: Language = "nl") -> Response:
    return actor_page(request, "programmes/login.html", lang, actor, failed=False)


@router.post("/inloggen", dependencies=[CSRF])
async def login_submit(request: Request, store: Store, lang: Language = "nl") -> Response:
    form = await request.form()
    username, password = forms.text(form, "username")[:80], str(form.get("password", ""))[:200]
    try:
        actor = await log_in(request, store, username, password)
    except LoginRefused as refused:
        response = actor_page(
            request,
            "programmes/login.html",
            lang,
            PUBLIC,
            status_code=429 if refused.retry_after else 401,
            failed=True,
            wait_minutes=math.ceil(refused.retry_after / 60),
        )
        if refused.retry_after:
            response.headers["Retry-After"] = str(refused.retry_after)
        return response
    return RedirectResponse(
        link(f"{PAGES}/{actor.focus_area_id}" if actor.focus_area_id else PAGES, lang), status_code=303
    )


@router.post("/uitloggen", dependencies=[CSRF])
def logout_submit(request: Request, store: Store, lang: Language = "nl") -> Response:
    log_out(request, store)
    return RedirectResponse(link(PAGES, lang), status_code=303)
