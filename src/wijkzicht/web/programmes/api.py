"""Programme steering's JSON API under /api/programmes: logging in, focus areas with what the reader may
see, goals' progress, comments, accounts, and for every record kind create, read, change, delete and history.

Roles are checked by `accounts.authorise` inside the domain functions, so the API and the forms cannot
differ. Answers: 403 for a denied action, 404 for what the reader may not see, 409 for a version conflict,
422 naming the field for bad input, 400 for a rule the data breaks.

No `from __future__ import annotations` here: FastAPI reads the generated routes' annotations at runtime.
"""

from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Request
from pydantic import BaseModel, Field, create_model
from sqlalchemy import select

from wijkzicht.programmes import accounts, audit, progress, records, schemas
from wijkzicht.programmes.accounts import Actor
from wijkzicht.programmes.models import FocusArea, Goal, Organisation, User
from wijkzicht.programmes.records import KINDS, Kind
from wijkzicht.web.deps import Warehouse
from wijkzicht.web.params import BodyVersion, RecordId, Version
from wijkzicht.web.security import (
    CSRF,
    CurrentActor,
    LoginRefused,
    Store,
    csrf_token,
    log_in,
    log_out,
)

router = APIRouter()
API = "/api/programmes"
TAGS: list[str | Any] = ["programme steering"]


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


@router.post(
    f"{API}/session",
    tags=TAGS,
    summary="Log in: sets the session cookie, returns the CSRF token",
    description="401 for a wrong username or password; 429 with Retry-After after repeated wrong passwords "
    "(the account or the client address waits, or is locked out for a while).",
)
async def api_login(request: Request, credentials: Login, store: Store) -> dict[str, object]:
    try:
        actor = await log_in(request, store, credentials.username, credentials.password)
    except LoginRefused as refused:
        if refused.retry_after:
            raise HTTPException(
                429,
                f"too many wrong passwords: try again in {refused.retry_after} seconds",
                headers={"Retry-After": str(refused.retry_after)},
            ) from None
        raise HTTPException(401, "wrong username or password") from None
    return {
        "username": actor.username,
        "role": actor.role,
        "focus_area_id": actor.focus_area_id,
        "csrf_token": csrf_token(request),
    }


@router.delete(f"{API}/session", tags=TAGS, summary="Log out (ends this session)", dependencies=[CSRF])
def api_logout(request: Request, store: Store) -> dict[str, str]:
    log_out(request, store)
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
        assert isinstance(goal, Goal)  # the goal kind's records are goals
        return progress.goal_progress(con, goal).as_dict()


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
    version: BodyVersion


@router.put(f"{API}/users/{{user_id}}", tags=TAGS, summary="Change an account", dependencies=[CSRF])
def api_change_user(
    user_id: RecordId, data: UserChangeWithVersion, actor: CurrentActor, store: Store
) -> dict[str, object]:
    with store.writing(actor) as session:
        return audit.as_document(accounts.change_user(session, actor, user_id, data.model_dump()))


@router.delete(
    f"{API}/users/{{user_id}}/sessions",
    tags=TAGS,
    summary="Log an account out everywhere (administrators)",
    dependencies=[CSRF],
)
def api_log_out_everywhere(user_id: RecordId, actor: CurrentActor, store: Store) -> dict[str, object]:
    with store.writing(actor) as session:
        ended = accounts.log_out_everywhere(session, actor, user_id)
    return {"detail": f"{ended} sessions of user {user_id} ended", "ended": ended}


def _register_api(kind: Kind) -> None:
    path = f"{API}/{_path(kind)}"
    change_model = create_model(
        f"{kind.schema.__name__.removesuffix('In')}Change",
        __base__=kind.schema,
        version=(BodyVersion, ...),
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
