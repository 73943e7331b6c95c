"""Logged-in sessions, kept in the operational database so that they can be ended.

A session is opened at login and found again on every request by the random token in its cookie (of which
only a hash is stored). It ends when its person logs out, when an account's password changes or the account
is deactivated, when an administrator logs the account out everywhere, after a while without requests (idle)
and after a fixed time in any case (absolute). Sessions are bookkeeping, not records people edit: they are
written with plain statements, outside the audit log.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, insert, or_, select, update
from sqlalchemy.orm import Session

from wijkzicht import config
from wijkzicht.programmes.models import LoginSession

# When a session was last seen is written at most once a minute, so reading a page is not a write each time.
TOUCH_EVERY = timedelta(minutes=1)


@dataclass(frozen=True)
class Timeouts:
    idle: timedelta
    lifetime: timedelta

    @classmethod
    def configured(cls) -> Timeouts:
        return cls(config.session_idle(), config.session_lifetime())


@dataclass(frozen=True)
class Found:
    """The account of a live session, and whether its last-seen time is due to be written."""

    user_id: int
    due_for_touch: bool


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _utc(moment: datetime) -> datetime:
    """SQLite gives back the stored UTC time without its zone."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def open_session(session: Session, user_id: int, now: datetime) -> str:
    """A new session for the user; the token for the cookie (never stored itself)."""
    token = secrets.token_urlsafe(32)
    session.execute(
        insert(LoginSession).values(token_hash=_hash(token), user_id=user_id, started_at=now, seen_at=now)
    )
    return token


def find(session: Session, token: str, now: datetime, timeouts: Timeouts) -> Found | None:
    """The session if it is open, not idle too long and not too old (whether its account is still active is
    for `accounts.active_actor` to say)."""
    found = session.scalar(select(LoginSession).where(LoginSession.token_hash == _hash(token)))
    if found is None:
        return None
    seen, started = _utc(found.seen_at), _utc(found.started_at)
    if now - seen > timeouts.idle or now - started > timeouts.lifetime:
        return None
    return Found(found.user_id, now - seen >= TOUCH_EVERY)


def touch(session: Session, token: str, now: datetime) -> None:
    session.execute(update(LoginSession).where(LoginSession.token_hash == _hash(token)).values(seen_at=now))


def end(session: Session, token: str) -> None:
    session.execute(delete(LoginSession).where(LoginSession.token_hash == _hash(token)))


def end_all(session: Session, user_id: int) -> int:
    """End every session of the user (a new password, deactivation, "log out everywhere"); how many."""
    ended = session.execute(delete(LoginSession).where(LoginSession.user_id == user_id))
    return int(ended.rowcount or 0)  # type: ignore[attr-defined]  # a DELETE's result has a row count


def purge_expired(session: Session, now: datetime, timeouts: Timeouts) -> None:
    """Remove the sessions that can no longer be used (run at every login, so the table stays small)."""
    session.execute(
        delete(LoginSession).where(
            or_(
                LoginSession.seen_at < now - timeouts.idle,
                LoginSession.started_at < now - timeouts.lifetime,
            )
        )
    )
