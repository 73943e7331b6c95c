"""Security for every page and API route: logging in and out, sessions, the signing key, the current user
and CSRF.

The cookie (Starlette's SessionMiddleware, signed with itsdangerous) holds only random values: the CSRF token
and, once logged in, the token of a session kept in the operational database (`programmes.sessions`), so
the session can be ended and says nothing about its user. Every request re-reads the session and its account:
an ended, idle or expired session, or a deactivated account, counts at once. Passwords are checked outside
any transaction, behind a throttle per account and per client (`programmes.throttle`). Every state-changing
request carries the CSRF token (form field or X-CSRF-Token header). Roles are checked by
`programmes.accounts.authorise` inside the domain functions, not here.

No `from __future__ import annotations` here: FastAPI reads the dependencies' annotations at runtime.
"""

import asyncio
import hmac
import math
import os
import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import Depends, FastAPI, HTTPException, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse
from starlette.datastructures import MutableHeaders
from starlette.middleware.sessions import SessionMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from wijkzicht.errors import WijkzichtError
from wijkzicht.programmes import accounts, sessions
from wijkzicht.programmes.accounts import PUBLIC, Actor, allowed
from wijkzicht.programmes.database import OperationalDatabase
from wijkzicht.programmes.errors import ForbiddenError
from wijkzicht.programmes.models import LoginLockout, Secret
from wijkzicht.programmes.sessions import Timeouts
from wijkzicht.programmes.throttle import Lockout, LoginThrottle
from wijkzicht.web.render import page

# Everything from our own host: the pages' scripts are files (no inline script), MapLibre draws with workers
# made from blobs and images from data and blob URLs. Inline styles stay allowed: the map's legend and the
# percentile bars set their colour and width in a style attribute. No page may be framed (clickjacking).
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; "
    "worker-src 'self' blob:; child-src 'self' blob:; connect-src 'self'; font-src 'self'; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)
# Swagger UI starts itself with an inline script written by FastAPI; the page shows no one's input.
API_DOCS_POLICY = CONTENT_SECURITY_POLICY.replace("script-src 'self'", "script-src 'self' 'unsafe-inline'")
API_DOCS = "/api/docs"
SECURITY_HEADERS = {
    "x-frame-options": "DENY",  # frame-ancestors for browsers that know no CSP
    "x-content-type-options": "nosniff",
    "referrer-policy": "strict-origin-when-cross-origin",
}
SECRET_ENV = "WIJKZICHT_SECRET"
_PASSWORD_CHECKS = threading.BoundedSemaphore(2)
REFUSAL_PAUSE_SECONDS = 1.0
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
SESSION_KEY = "sessie"
SESSION_ENDED = "your session has ended (logged out, timed out or ended by an administrator): log in again"


def install_sessions(app: FastAPI, store: OperationalDatabase) -> None:
    """Session cookies signed with the key from the environment or the one stored in the database; the
    sessions' timeouts from the configuration, the login throttle, the pause before a throttled refusal and
    the clock (tests put in their own clock and no pause)."""
    timeouts = Timeouts.configured()
    app.state.session_timeouts = timeouts
    app.state.login_throttle = LoginThrottle()
    accounts.dummy_hash()  # made now, so that the first login with an unknown name takes no longer than others
    app.state.clock = _utc_now
    app.state.refusal_pause = REFUSAL_PAUSE_SECONDS
    app.add_middleware(
        SessionMiddleware,
        secret_key=os.environ.get(SECRET_ENV) or _stored_secret(store),
        session_cookie="wijkzicht_sessie",
        max_age=int(timeouts.lifetime.total_seconds()),
        same_site="lax",
        https_only=os.environ.get("WIJKZICHT_HTTPS_ONLY") == "1",
    )


class SecurityHeaders:
    """The security headers on every answer: the Content-Security-Policy, no framing, no MIME sniffing and
    no full address sent to another site."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        policy = API_DOCS_POLICY if scope["path"] == API_DOCS else CONTENT_SECURITY_POLICY

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers["content-security-policy"] = policy
                for name, value in SECURITY_HEADERS.items():
                    headers[name] = value
            await send(message)

        await self.app(scope, receive, send_with_headers)


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


def _utc_now() -> datetime:
    return datetime.now(UTC)


def _now(request: Request) -> datetime:
    clock: Callable[[], datetime] = request.app.state.clock
    return clock()


def current_actor(request: Request, store: Store) -> Actor:
    """The session's account, or the public reader. A cookie whose session has ended is an error under /api
    (401: the client must know its writes would not count), and on a page a reader without an account."""
    token = request.session.get(SESSION_KEY)
    if token is None:
        return PUBLIC
    now = _now(request)
    with store.reading() as session:
        found = sessions.find(session, token, now, request.app.state.session_timeouts)
        actor = accounts.active_actor(session, found.user_id) if found else None
    if found is None or actor is None:
        request.session.clear()  # the answer removes the cookie
        if request.url.path.startswith("/api/"):
            raise HTTPException(401, SESSION_ENDED)
        return PUBLIC
    if found.due_for_touch:
        with store.writing(actor) as session:
            sessions.touch(session, token, now)
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
        raise ForbiddenError(key="error.csrf")


CSRF = Depends(check_csrf)


@dataclass(frozen=True)
class LoginRefused(Exception):
    """A wrong username or password (`retry_after` 0), or an attempt the throttle holds back for a while."""

    retry_after: int = 0


async def log_in(request: Request, store: OperationalDatabase, username: str, password: str) -> Actor:
    """Check the password (throttled, outside any transaction) and start a new session; or LoginRefused.

    An attempt the throttle holds back is refused right here, on the event loop, after a short pause (which
    costs the server nothing, and slows a client that floods down to a request a second per connection):
    a flood of them costs no worker thread, no database and no hashing."""
    throttle: LoginThrottle = request.app.state.login_throttle
    client = request.client.host if request.client else "unknown"
    now = _now(request)
    if wait := throttle.wait(username, client, now):
        await asyncio.sleep(min(wait, request.app.state.refusal_pause))
        raise LoginRefused(math.ceil(wait))
    return await run_in_threadpool(_check_and_start, request, store, username, password, client, now)


def _check_and_start(
    request: Request, store: OperationalDatabase, username: str, password: str, client: str, now: datetime
) -> Actor:
    throttle: LoginThrottle = request.app.state.login_throttle
    with store.reading() as session:
        stored = accounts.credentials(session, username)
    if not password or not _password_matches(stored, password):
        _record_lockouts(store, throttle.failed(username, client, now))
        raise LoginRefused()
    throttle.succeeded(username)
    assert stored.user_id is not None  # a matching password belongs to an account
    with store.writing(accounts.COMMAND_LINE) as session:  # short: the hash was checked above
        accounts.rehash_if_outdated(session, stored, password)
        sessions.purge_expired(session, now, request.app.state.session_timeouts)
        token = sessions.open_session(session, stored.user_id, now)
        actor = accounts.active_actor(session, stored.user_id)
    if actor is None:  # deactivated in the moment between the check and the session
        raise LoginRefused()
    request.session.clear()  # a fresh session (and CSRF token) on every login: no session fixation
    request.session[SESSION_KEY] = token
    csrf_token(request)
    return actor


def _password_matches(stored: accounts.Credentials, password: str) -> bool:
    """At most a few argon2 checks at once per process: a flood that the throttle has not stopped yet
    (many names, many addresses) cannot take every processor from the other requests."""
    with _PASSWORD_CHECKS:
        return accounts.password_matches(stored, password)


def _record_lockouts(store: OperationalDatabase, started: list[Lockout]) -> None:
    """A lockout goes into the audit log (one short write per lockout, none per refused attempt)."""
    if not started:
        return
    with store.writing(accounts.COMMAND_LINE) as session:
        for lockout in started:
            session.add(
                LoginLockout(
                    kind=lockout.kind,
                    subject=lockout.subject[:80],
                    failures=lockout.failures,
                    until=lockout.until,
                )
            )


def log_out(request: Request, store: OperationalDatabase) -> None:
    """End this session in the database (a copy of the cookie stops working too) and forget the cookie."""
    token = request.session.get(SESSION_KEY)
    if token is not None:
        with store.writing(accounts.COMMAND_LINE) as session:
            sessions.end(session, token)
    request.session.clear()


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
