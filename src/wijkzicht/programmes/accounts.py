"""Accounts and roles, and the one place where a role is checked against an action.

Roles: the public reader (no account) sees published records only; a partner reads its own alliance's area
and comments on it; an area editor also edits its own area; a national analyst reads every area; a programme
administrator does everything and manages accounts. Passwords are hashed with argon2id (argon2-cffi).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from wijkzicht.errors import NotFoundError, WijkzichtError
from wijkzicht.programmes import passwords, sessions
from wijkzicht.programmes.errors import ConflictError, ForbiddenError
from wijkzicht.programmes.models import ROLES, FocusArea, Organisation, User

AREA_ROLES = ("partner", "area_editor")
ACTIONS = ("read", "comment", "edit", "create_organisation", "manage")
_hasher = PasswordHasher()


@cache
def dummy_hash() -> str:
    """Verified against when the username is unknown, so a missing account takes as long as a wrong password.
    Made on first use, not at import: a command that checks no password should not pay for a hash (the web
    app makes it at start, so that no login pays for it either)."""
    return _hasher.hash("wijkzicht-no-such-account")


@dataclass(frozen=True)
class Actor:
    """Who acts: an account's id, name, role and area, or the public reader."""

    user_id: int | None
    username: str
    role: str
    focus_area_id: int | None = None

    @property
    def is_public(self) -> bool:
        return self.role == "public"


PUBLIC = Actor(None, "publiek", "public")
COMMAND_LINE = Actor(None, "commandoregel", "administrator")  # `wijkzicht users add`, seeding, migrations


def allowed(actor: Actor, action: str, focus_area_id: int | None = None) -> bool:
    """The authorisation matrix. `read` means reading unpublished records; published ones are public."""
    if action not in ACTIONS:
        raise ValueError(f"unknown action {action!r}")
    own_area = focus_area_id is not None and focus_area_id == actor.focus_area_id
    match actor.role:
        case "administrator":
            return True
        case "analyst":
            return action == "read"
        case "area_editor":
            return action == "create_organisation" or (action in ("read", "comment", "edit") and own_area)
        case "partner":
            return action in ("read", "comment") and own_area
        case _:
            return False


def authorise(actor: Actor, action: str, focus_area_id: int | None = None) -> None:
    if not allowed(actor, action, focus_area_id):
        who = "public" if actor.is_public else "account"
        where = "_area" if focus_area_id is not None else ""
        raise ForbiddenError(key=f"error.forbidden.{who}{where}", username=actor.username, area=focus_area_id)


def hash_password(password: str, username: str = "") -> str:
    """The argon2id hash of a password that the policy (`passwords`) accepts."""
    if refused := passwords.problem(password, [username] if username else []):
        raise WijkzichtError(
            key=refused, field="password", min=passwords.MIN_LENGTH, max=passwords.MAX_LENGTH
        )
    return _hasher.hash(password)


@dataclass(frozen=True)
class Credentials:
    """What checking a password needs, read in a short read so the slow hash check holds no transaction."""

    user_id: int | None
    password_hash: str
    active: bool


def credentials(session: Session, username: str) -> Credentials:
    """The account's stored hash; for an unknown username a dummy, so a missing account takes as long."""
    user = session.scalar(select(User).where(func.lower(User.username) == username.strip().lower()))
    if user is None:
        return Credentials(None, dummy_hash(), False)
    return Credentials(user.id, user.password_hash, user.active)


def password_matches(stored: Credentials, password: str) -> bool:
    """Argon2 verification (deliberately slow): call it with no transaction open."""
    try:
        _hasher.verify(stored.password_hash, password)
    except (VerificationError, InvalidHashError):
        return False
    return stored.user_id is not None and stored.active


def rehash_if_outdated(session: Session, stored: Credentials, password: str) -> None:
    """A hash made with older argon2 parameters is replaced, now that the password is known to be right."""
    if stored.user_id is None or not _hasher.check_needs_rehash(stored.password_hash):
        return
    user = session.get(User, stored.user_id)
    if user is not None and user.password_hash == stored.password_hash:  # unchanged since it was read
        user.password_hash = _hasher.hash(password)


def actor_of(user: User) -> Actor:
    return Actor(user.id, user.username, user.role, user.focus_area_id)


def active_actor(session: Session, user_id: int) -> Actor | None:
    """The actor of a session cookie, re-read so that a deactivated account or a new role counts at once."""
    user = session.get(User, user_id)
    return actor_of(user) if user is not None and user.active else None


def add_user(
    session: Session,
    actor: Actor,
    *,
    username: str,
    display_name: str,
    role: str,
    password: str,
    focus_area_id: int | None = None,
    organisation_id: int | None = None,
) -> User:
    authorise(actor, "manage")
    check_role_area(role, focus_area_id)
    if focus_area_id is not None and session.get(FocusArea, focus_area_id) is None:
        raise WijkzichtError(
            key="error.reference.missing", field="focus_area_id", kind="focus area", record_id=focus_area_id
        )
    if organisation_id is not None and session.get(Organisation, organisation_id) is None:
        raise WijkzichtError(
            key="error.reference.missing",
            field="organisation_id",
            kind="organisation",
            record_id=organisation_id,
        )
    if session.scalar(select(User.id).where(func.lower(User.username) == username.lower())) is not None:
        raise WijkzichtError(key="error.account.taken", field="username", username=username)
    user = User(
        username=username,
        display_name=display_name,
        role=role,
        focus_area_id=focus_area_id,
        organisation_id=organisation_id,
        password_hash=hash_password(password, username),
        active=True,
    )
    session.add(user)
    session.flush()
    return user


def check_role_area(role: str, focus_area_id: int | None) -> None:
    if role not in ROLES:
        raise WijkzichtError(key="error.account.role", field="role", role=role, roles=", ".join(ROLES))
    if (role in AREA_ROLES) != (focus_area_id is not None):
        needs = "error.account.needs_area" if role in AREA_ROLES else "error.account.has_no_area"
        raise WijkzichtError(key=needs, field="focus_area_id", role=role)


def change_user(session: Session, actor: Actor, user_id: int, values: dict[str, object]) -> User:
    """Name, role, area, organisation, active; a new password only when one is given."""
    authorise(actor, "manage")
    user = session.get(User, user_id)
    if user is None:
        raise NotFoundError(key="error.record.missing", kind="user", record_id=user_id)
    if user.version != values["version"]:
        raise ConflictError(
            key="error.record.stale",
            kind="user",
            record_id=user_id,
            current=user.version,
            yours=values["version"],
        )
    check_role_area(str(values["role"]), values["focus_area_id"])  # type: ignore[arg-type]
    if user.id == actor.user_id and (values["role"] != "administrator" or not values["active"]):
        raise WijkzichtError(key="error.account.own_rights", field="role")
    for key in ("display_name", "role", "focus_area_id", "organisation_id", "active"):
        setattr(user, key, values[key])
    if values.get("password"):
        user.password_hash = hash_password(str(values["password"]), user.username)
    if values.get("password") or not user.active:  # whoever held a session of the old state holds none
        sessions.end_all(session, user.id)
    session.flush()
    return user


def log_out_everywhere(session: Session, actor: Actor, user_id: int) -> int:
    """End every session of an account (a lost laptop, a shared password); how many were open."""
    authorise(actor, "manage")
    if session.get(User, user_id) is None:
        raise NotFoundError(key="error.record.missing", kind="user", record_id=user_id)
    return sessions.end_all(session, user_id)
