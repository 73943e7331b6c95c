"""Security for every page and API route: sessions, the signing key, the current user and CSRF.

The session is a signed cookie (Starlette's SessionMiddleware, itsdangerous) holding the user's id and the
session's CSRF token; every state-changing request carries that token (form field or X-CSRF-Token header).
Roles are checked by `programmes.accounts.authorise` inside the domain functions, not here.

No `from __future__ import annotations` here: FastAPI reads the dependencies' annotations at runtime.
"""

import hmac
import os
import secrets
from typing import Annotated, Any

from fastapi import Depends, FastAPI, HTTPException, Request
from fastapi.responses import HTMLResponse
from starlette.middleware.sessions import SessionMiddleware

from wijkzicht.errors import WijkzichtError
from wijkzicht.programmes import accounts
from wijkzicht.programmes.accounts import PUBLIC, Actor, allowed
from wijkzicht.programmes.database import OperationalDatabase
from wijkzicht.programmes.models import Secret
from wijkzicht.web.render import page

SESSION_SECONDS = 8 * 3600
SECRET_ENV = "WIJKZICHT_SECRET"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"


def install_sessions(app: FastAPI, store: OperationalDatabase) -> None:
    """Signed session cookies, with the key from the environment or the one stored in the database."""
    app.add_middleware(
        SessionMiddleware,
        secret_key=os.environ.get(SECRET_ENV) or _stored_secret(store),
        session_cookie="wijkzicht_sessie",
        max_age=SESSION_SECONDS,
        same_site="lax",
        https_only=os.environ.get("WIJKZICHT_HTTPS_ONLY") == "1",
    )


def _stored_secret(store: OperationalDatabase) -> str:
    """The session-signing key, made once per installation and shared by every worker on the database."""
    with store.reading() as session:
        stored = session.get(Secret, "session")
        if stored is not None:
            return stored.value
    try:
        with store.writing(accounts.COMMAND_LINE) as session:
            session.add(Secret(name="session", value=secrets.token_urlsafe(48)))
    except WijkzichtError:
        pass  # another worker made it first (the unique name refused ours)
    with store.reading() as session:
        stored = session.get(Secret, "session")
        assert stored is not None  # made above, by us or by another worker; secrets are never deleted
        return stored.value


def operational_store(request: Request) -> OperationalDatabase:
    return request.app.state.programmes


Store = Annotated[OperationalDatabase, Depends(operational_store)]


def current_actor(request: Request, store: Store) -> Actor:
    user_id = request.session.get("user_id")
    if user_id is None:
        return PUBLIC
    with store.reading() as session:
        actor = accounts.active_actor(session, user_id)
    if actor is None:  # deactivated or removed since logging in
        request.session.clear()
        return PUBLIC
    return actor


CurrentActor = Annotated[Actor, Depends(current_actor)]


def csrf_token(request: Request) -> str:
    if "csrf" not in request.session:
        request.session["csrf"] = secrets.token_urlsafe(32)
    return request.session["csrf"]


async def check_csrf(request: Request) -> None:
    """Every state-changing request proves it comes from our own page or an API client with the session."""
    expected = request.session.get("csrf")
    sent = request.headers.get(CSRF_HEADER)
    if sent is None and request.headers.get("content-type", "").startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        field = (await request.form()).get(CSRF_FIELD)
        sent = field if isinstance(field, str) else None
    if not expected or not isinstance(sent, str) or not hmac.compare_digest(expected, sent):
        raise HTTPException(403, "CSRF token missing or wrong: reload the page (or log in) and try again")


CSRF = Depends(check_csrf)


def start_session(request: Request, actor: Actor) -> None:
    request.session.clear()  # a fresh session (and CSRF token) on every login: no session fixation
    request.session["user_id"] = actor.user_id
    csrf_token(request)


def actor_page(
    request: Request, template: str, lang: str, actor: Actor, *, status_code: int = 200, **context: Any
) -> HTMLResponse:
    """A page for a (possibly anonymous) user: with the CSRF token for its forms and `allowed(action,
    area)` so the template shows only what the user's role may do."""
    return page(
        request,
        template,
        lang,
        status_code=status_code,
        actor=actor,
        csrf=csrf_token(request),
        allowed=lambda action, area=None: allowed(actor, action, area),
        **context,
    )
