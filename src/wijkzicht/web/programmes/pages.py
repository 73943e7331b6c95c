"""Programme steering on the web: pages under /programma, the JSON API under /api/programmes, logging in.

Security in one place each: the session is a signed cookie (Starlette's SessionMiddleware, itsdangerous);
every state-changing request carries the session's CSRF token (form field or X-CSRF-Token header); roles are
checked by `accounts.authorise` inside the domain functions, so the API and the forms cannot differ.
Answers: 403 for a denied action, 404 for what the reader may not see, 409 for a version conflict,
422 (API) or the form again (pages) naming the field for bad input, 400 for a rule the data breaks.

No `from __future__ import annotations` here: FastAPI reads the generated routes' annotations at runtime.
"""

import typing
from datetime import date
from decimal import Decimal
from typing import Annotated, Any

import duckdb
from fastapi import APIRouter, FastAPI, HTTPException, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel, Field, ValidationError, create_model
from sqlalchemy import select

from wijkzicht.errors import WijkzichtError
from wijkzicht.i18n import Translator
from wijkzicht.programmes import accounts, audit, database, progress, records, schemas, seed
from wijkzicht.programmes.accounts import PUBLIC, Actor, allowed
from wijkzicht.programmes.database import OperationalDatabase
from wijkzicht.programmes.errors import ConflictError, ForbiddenError
from wijkzicht.programmes.models import Base, Comment, FocusArea, Organisation, Programme, User
from wijkzicht.programmes.records import KINDS, Kind
from wijkzicht.web import forms
from wijkzicht.web.deps import Warehouse
from wijkzicht.web.params import Language
from wijkzicht.web.programmes import goal_form, report
from wijkzicht.web.render import error_response, link
from wijkzicht.web.security import (
    CSRF,
    CurrentActor,
    Store,
    actor_page,
    csrf_token,
    install_sessions,
    start_session,
)

# Ids and versions in paths and queries are bounded like those in bodies: a larger number is a 422 naming
# the parameter, never an overflow inside the database driver.
RecordId = Annotated[int, Path(ge=1, le=schemas.MAX_IDENTIFIER)]
Version = Annotated[int, Query(ge=0, le=schemas.MAX_IDENTIFIER)]

router = APIRouter()
API = "/api/programmes"
PAGES = "/programma"
TAGS: list[str | Any] = ["programme steering"]


def install(app: FastAPI, url: str) -> None:
    """Open (and for SQLite, migrate) the operational database; add sessions and the error answers."""
    store = OperationalDatabase.open(url)
    if store.engine.dialect.name == "sqlite":
        database.upgrade(store.engine)  # the embedded default needs nothing started or run by hand
        _seed_when_empty(store, app.state.warehouse)
    else:
        database.require_current(store.engine)
    app.state.programmes = store
    install_sessions(app, store)
    app.add_exception_handler(ForbiddenError, _as_http(403))
    app.add_exception_handler(ConflictError, _as_http(409))


def _seed_when_empty(store: OperationalDatabase, warehouse: duckdb.DuckDBPyConnection) -> None:
    """A new embedded database starts with the programme's facts (`wijkzicht programmes seed`: the focus
    areas, their gemeenten, the ministries), so the first `wijkzicht serve` shows the focus areas."""
    with store.reading() as session:
        if session.scalar(select(FocusArea.id).limit(1)) is not None:
            return
    cursor = warehouse.cursor()
    try:
        with store.writing(accounts.COMMAND_LINE) as session:
            seed.seed(session, cursor)
    finally:
        cursor.close()


def _as_http(status: int) -> Any:
    async def handler(request: Request, error: Exception) -> Response:
        return error_response(request, status, str(error))

    return handler


# --- Dependencies ---------------------------------------------------------------------------------


# --- Serialising ----------------------------------------------------------------------------------


def _path(kind: Kind) -> str:
    return kind.name.replace("_", "-") + "s"


def _area_tree(actor: Actor, area: FocusArea, warehouse: Any) -> dict[str, object]:
    """A focus area with everything the actor may see under it; goals with their measured progress."""
    programmes = records.visible(actor, area.programmes)
    return {
        **audit.as_document(area),
        "alliance": (
            {
                **audit.as_document(area.alliance),
                "members": [audit.as_document(m) for m in area.alliance.members],
            }
            if area.alliance
            else None
        ),
        "programmes": [
            {
                **audit.as_document(programme),
                "goals": [
                    {**audit.as_document(goal), "progress": progress.goal_progress(warehouse, goal).as_dict()}
                    for goal in records.visible(actor, programme.goals)
                ],
                "measures": [
                    {**audit.as_document(measure), "updates": [audit.as_document(u) for u in measure.updates]}
                    for measure in records.visible(actor, programme.measures)
                ],
                "experiments": [audit.as_document(e) for e in records.visible(actor, programme.experiments)],
            }
            for programme in programmes
        ],
        "blockages": [audit.as_document(b) for b in records.visible(actor, area.blockages)],
    }


# --- JSON API -------------------------------------------------------------------------------------


class Login(BaseModel):
    username: Annotated[str, Field(min_length=1, max_length=80)]
    password: Annotated[str, Field(min_length=1, max_length=200)]


@router.post(f"{API}/session", tags=TAGS, summary="Log in: sets the session cookie, returns the CSRF token")
def api_login(request: Request, credentials: Login, store: Store) -> dict[str, object]:
    with store.writing(accounts.COMMAND_LINE) as session:  # a rehash of an old password hash is a write
        actor = accounts.authenticate(session, credentials.username, credentials.password)
    if actor is None:
        raise HTTPException(401, "wrong username or password")
    start_session(request, actor)
    return {
        "username": actor.username,
        "role": actor.role,
        "focus_area_id": actor.focus_area_id,
        "csrf_token": csrf_token(request),
    }


@router.delete(f"{API}/session", tags=TAGS, summary="Log out", dependencies=[CSRF])
def api_logout(request: Request) -> dict[str, str]:
    request.session.clear()
    return {"detail": "logged out"}


@router.get(f"{API}/focus-areas", tags=TAGS, summary="The 20 focus areas")
def api_focus_areas(store: Store) -> list[dict[str, object]]:
    with store.reading() as session:
        return [audit.as_document(area) for area in session.scalars(select(FocusArea).order_by(FocusArea.id))]


@router.get(f"{API}/organisations", tags=TAGS, summary="Every organisation (owners, partners, members)")
def api_organisations(store: Store) -> list[dict[str, object]]:
    with store.reading() as session:
        return [
            audit.as_document(o) for o in session.scalars(select(Organisation).order_by(Organisation.name))
        ]


@router.get(f"{API}/focus-areas/{{focus_area_id}}", tags=TAGS, summary="A focus area with what you may see")
def api_focus_area(
    focus_area_id: RecordId, actor: CurrentActor, store: Store, con: Warehouse
) -> dict[str, object]:
    with store.reading() as session:
        area = session.get(FocusArea, focus_area_id)
        if area is None:
            raise HTTPException(404, f"no focus area {focus_area_id}")
        return _area_tree(actor, area, con)


@router.get(
    f"{API}/goals/{{goal_id}}/progress", tags=TAGS, summary="A goal's progress measured in the monitor"
)
def api_goal_progress(
    goal_id: RecordId, actor: CurrentActor, store: Store, con: Warehouse
) -> dict[str, object]:
    with store.reading() as session:
        goal = records.get_visible(session, actor, KINDS["goal"], goal_id)
        return progress.goal_progress(con, goal).as_dict()  # type: ignore[arg-type]


@router.post(
    f"{API}/comments", tags=TAGS, status_code=201, summary="Comment on a record", dependencies=[CSRF]
)
def api_comment(data: schemas.CommentIn, actor: CurrentActor, store: Store) -> dict[str, object]:
    with store.writing(actor) as session:
        return audit.as_document(records.comment(session, actor, data))


@router.get(f"{API}/users", tags=TAGS, summary="Accounts (administrators)")
def api_users(actor: CurrentActor, store: Store) -> list[dict[str, object]]:
    accounts.authorise(actor, "manage")
    with store.reading() as session:
        return [audit.as_document(user) for user in session.scalars(select(User).order_by(User.id))]


@router.post(f"{API}/users", tags=TAGS, status_code=201, summary="Add an account", dependencies=[CSRF])
def api_add_user(data: schemas.UserIn, actor: CurrentActor, store: Store) -> dict[str, object]:
    with store.writing(actor) as session:
        return audit.as_document(accounts.add_user(session, actor, **data.model_dump()))


class UserChangeWithVersion(schemas.UserChange):
    version: Annotated[int, Field(ge=1, le=schemas.MAX_IDENTIFIER)]


@router.put(f"{API}/users/{{user_id}}", tags=TAGS, summary="Change an account", dependencies=[CSRF])
def api_change_user(
    user_id: RecordId, data: UserChangeWithVersion, actor: CurrentActor, store: Store
) -> dict[str, object]:
    with store.writing(actor) as session:
        return audit.as_document(accounts.change_user(session, actor, user_id, data.model_dump()))


def _register_api(kind: Kind) -> None:
    path = f"{API}/{_path(kind)}"
    change_model = create_model(
        f"{kind.schema.__name__.removesuffix('In')}Change",
        __base__=kind.schema,
        version=(
            int,
            Field(
                ge=1,
                le=schemas.MAX_IDENTIFIER,
                description="The version you started from (optimistic locking)",
            ),
        ),
    )

    def create_record(
        data: BaseModel, actor: CurrentActor, store: Store, con: Warehouse
    ) -> dict[str, object]:
        with store.writing(actor) as session:
            return audit.as_document(records.create(session, actor, kind, data, con))

    def read_record(record_id: RecordId, actor: CurrentActor, store: Store) -> dict[str, object]:
        with store.reading() as session:
            return audit.as_document(records.get_visible(session, actor, kind, record_id))

    def change_record(
        record_id: RecordId, data: BaseModel, actor: CurrentActor, store: Store, con: Warehouse
    ) -> dict[str, object]:
        given = data.model_dump()
        version = int(given.pop("version"))  # the change model is the kind's schema plus the version
        values = kind.schema.model_validate(given)
        with store.writing(actor) as session:
            return audit.as_document(records.update(session, actor, kind, record_id, values, version, con))

    def record_history(record_id: RecordId, actor: CurrentActor, store: Store) -> list[dict[str, object]]:
        with store.reading() as session:
            record = records.get_visible(session, actor, kind, record_id)
            accounts.authorise(actor, "read", records.focus_area_of(record))
            return [audit.as_document(entry) for entry in audit.history(session, kind.name, record_id)]

    def delete_record(
        record_id: RecordId, version: Version, actor: CurrentActor, store: Store
    ) -> dict[str, str]:
        with store.writing(actor) as session:
            records.delete(session, actor, kind, record_id, version)
        return {"detail": f"{kind.name} {record_id} deleted"}

    create_record.__annotations__["data"] = kind.schema
    change_record.__annotations__["data"] = change_model
    label = kind.name.replace("_", " ")
    router.add_api_route(
        path,
        create_record,
        methods=["POST"],
        status_code=201,
        tags=TAGS,
        summary=f"Create a {label}",
        dependencies=[CSRF],
        name=f"create_{kind.name}",
    )
    router.add_api_route(
        f"{path}/{{record_id}}",
        read_record,
        methods=["GET"],
        tags=TAGS,
        summary=f"One {label}",
        name=f"read_{kind.name}",
    )
    router.add_api_route(
        f"{path}/{{record_id}}",
        change_record,
        methods=["PUT"],
        tags=TAGS,
        summary=f"Change a {label} (send the version you started from)",
        dependencies=[CSRF],
        name=f"change_{kind.name}",
    )
    if kind.deletable:
        router.add_api_route(
            f"{path}/{{record_id}}",
            delete_record,
            methods=["DELETE"],
            tags=TAGS,
            summary=f"Delete a {label} (send the version you saw)",
            dependencies=[CSRF],
            name=f"delete_{kind.name}",
        )
    router.add_api_route(
        f"{path}/{{record_id}}/history",
        record_history,
        methods=["GET"],
        tags=TAGS,
        summary=f"The audit log of one {label}",
        name=f"history_{kind.name}",
    )


for _kind in KINDS.values():
    _register_api(_kind)


# --- Pages ----------------------------------------------------------------------------------------


@router.get(PAGES, response_class=HTMLResponse, include_in_schema=False)
def overview_page(
    request: Request, actor: CurrentActor, store: Store, con: Warehouse, lang: Language = "nl"
) -> Response:
    with store.reading() as session:
        national = report.national_report(session, actor, con)
        return actor_page(request, "programmes/overview.html", lang, actor, report=national)


@router.get(PAGES + "/{focus_area_id:int}", response_class=HTMLResponse, include_in_schema=False)
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
        )


def _report_response(html: str, fmt: str, filename: str) -> Response:
    if fmt == "pdf":
        return Response(
            report.render_pdf(html),
            media_type="application/pdf",
            headers={"Content-Disposition": f'inline; filename="{filename}.pdf"'},
        )
    return HTMLResponse(html)


@router.get(PAGES + "/rapport.{fmt:str}", include_in_schema=False)
def national_report_page(
    fmt: str, actor: CurrentActor, store: Store, con: Warehouse, lang: Language = "nl"
) -> Response:
    if fmt not in ("html", "pdf"):
        raise HTTPException(404, "the report exists as .html and .pdf")
    with store.reading() as session:
        html = report.render_html(report.national_report(session, actor, con), lang)
    return _report_response(html, fmt, "voortgang-en-vastlopers")


@router.get(PAGES + "/{focus_area_id:int}/rapport.{fmt:str}", include_in_schema=False)
def area_report_page(
    focus_area_id: RecordId,
    fmt: str,
    actor: CurrentActor,
    store: Store,
    con: Warehouse,
    lang: Language = "nl",
) -> Response:
    if fmt not in ("html", "pdf"):
        raise HTTPException(404, "the report exists as .html and .pdf")
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
}


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
        elif annotation in (int, float, Decimal) or set(choices) & {int, float, Decimal}:
            field["widget"] = "number"
        elif name in LONG_TEXT:
            field["widget"] = "textarea"
        elif name == "password":
            field |= {"widget": "password", "value": ""}  # never sent back
        fields.append(field)
    return fields


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


@router.get(PAGES + "/nieuw/{kind_name}", response_class=HTMLResponse, include_in_schema=False)
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


@router.post(PAGES + "/nieuw/{kind_name}", include_in_schema=False, dependencies=[CSRF])
async def new_submit(
    request: Request, kind_name: str, actor: CurrentActor, store: Store, con: Warehouse, lang: Language = "nl"
) -> Response:
    kind = records.kind_of(kind_name)
    form = await request.form()
    values = forms.schema_input(kind.schema, form)
    try:
        data = kind.schema.model_validate(values)
        with store.writing(actor) as session:
            record = records.create(session, actor, kind, data, con)
            target = _back_to(record)
    except ValidationError as error:
        found = forms.problems(error)
        return _form_page(
            request,
            lang,
            actor,
            kind,
            values,
            errors=found.by_field,
            general=found.general,
            status_code=422,
            store=store,
            con=con,
        )
    except (ForbiddenError, ConflictError):
        raise
    except WijkzichtError as error:
        return _form_page(
            request, lang, actor, kind, values, general=[str(error)], status_code=400, store=store, con=con
        )
    return RedirectResponse(link(target, lang), status_code=303)


@router.get(
    PAGES + "/{kind_name}/{record_id:int}/bewerken", response_class=HTMLResponse, include_in_schema=False
)
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


@router.post(PAGES + "/{kind_name}/{record_id:int}/bewerken", include_in_schema=False, dependencies=[CSRF])
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
    try:
        data = kind.schema.model_validate(values)
        with store.writing(actor) as session:
            record = records.update(session, actor, kind, record_id, data, version, con)
            target = _back_to(record)
    except ValidationError as error:
        found = forms.problems(error)
        return _form_page(
            request,
            lang,
            actor,
            kind,
            values,
            record_id=record_id,
            version=version,
            errors=found.by_field,
            general=found.general,
            status_code=422,
            store=store,
            con=con,
        )
    except (ForbiddenError, ConflictError):
        raise
    except WijkzichtError as error:
        return _form_page(
            request,
            lang,
            actor,
            kind,
            values,
            record_id=record_id,
            version=version,
            general=[str(error)],
            status_code=400,
            store=store,
            con=con,
        )
    return RedirectResponse(link(target, lang), status_code=303)


@router.get(
    PAGES + "/{kind_name}/{record_id:int}/historie", response_class=HTMLResponse, include_in_schema=False
)
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
    return actor_page(
        request,
        "programmes/history.html",
        lang,
        actor,
        kind=kind,
        record_id=record_id,
        entries=entries,
        back=back,
    )


@router.post(PAGES + "/{kind_name}/{record_id:int}/verwijderen", include_in_schema=False, dependencies=[CSRF])
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


@router.post(PAGES + "/opmerking", include_in_schema=False, dependencies=[CSRF])
async def comment_submit(
    request: Request, actor: CurrentActor, store: Store, lang: Language = "nl"
) -> Response:
    form = await request.form()
    try:
        data = schemas.CommentIn.model_validate(forms.schema_input(schemas.CommentIn, form))
    except ValidationError as error:
        raise HTTPException(422, forms.problems(error).summary()) from None
    with store.writing(actor) as session:
        record = records.comment(session, actor, data)
    return RedirectResponse(link(f"{PAGES}/{record.focus_area_id}", lang), status_code=303)


# --- Accounts -------------------------------------------------------------------------------------


@router.get(PAGES + "/gebruikers", response_class=HTMLResponse, include_in_schema=False)
def users_page(
    request: Request, actor: CurrentActor, store: Store, con: Warehouse, lang: Language = "nl"
) -> Response:
    return _users_page(request, lang, actor, store, con, {}, {}, [])


@router.post(PAGES + "/gebruikers", include_in_schema=False, dependencies=[CSRF])
async def users_submit(
    request: Request, actor: CurrentActor, store: Store, con: Warehouse, lang: Language = "nl"
) -> Response:
    values = forms.schema_input(schemas.UserIn, await request.form())
    try:
        data = schemas.UserIn.model_validate(values)
        with store.writing(actor) as session:
            accounts.add_user(session, actor, **data.model_dump())
    except ValidationError as error:
        found = forms.problems(error)
        return _users_page(
            request, lang, actor, store, con, values, found.by_field, found.general, status_code=422
        )
    except ForbiddenError:
        raise
    except WijkzichtError as error:
        return _users_page(request, lang, actor, store, con, values, {}, [str(error)], status_code=400)
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


# --- Logging in -----------------------------------------------------------------------------------


@router.get("/inloggen", response_class=HTMLResponse, include_in_schema=False)
def login_page(request: Request, actor: CurrentActor, lang: Language = "nl") -> Response:
    return actor_page(request, "programmes/login.html", lang, actor, failed=False)


@router.post("/inloggen", include_in_schema=False, dependencies=[CSRF])
async def login_submit(request: Request, store: Store, lang: Language = "nl") -> Response:
    form = await request.form()
    username, password = str(form.get("username", ""))[:80], str(form.get("password", ""))[:200]
    with store.writing(accounts.COMMAND_LINE) as session:
        actor = accounts.authenticate(session, username, password) if username and password else None
    if actor is None:
        return actor_page(request, "programmes/login.html", lang, PUBLIC, status_code=401, failed=True)
    start_session(request, actor)
    return RedirectResponse(
        link(f"{PAGES}/{actor.focus_area_id}" if actor.focus_area_id else PAGES, lang), status_code=303
    )


@router.post("/uitloggen", include_in_schema=False, dependencies=[CSRF])
def logout_submit(request: Request, lang: Language = "nl") -> Response:
    request.session.clear()
    return RedirectResponse(link(PAGES, lang), status_code=303)
