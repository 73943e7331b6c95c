"""The audit log: every insert, update and delete in the operational database, with who, when, what, and the
values before and after, written in the same transaction as the change itself (so neither exists alone)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from sqlalchemy import event, insert, inspect, select
from sqlalchemy.orm import Session, sessionmaker

from wijkzicht.programmes.accounts import Actor
from wijkzicht.programmes.models import AuditEntry, Base, Secret, Versioned

NOT_AUDITED = (AuditEntry, Secret)
HIDDEN = {"password_hash", "contact"}  # recorded as changed, never with its value (contact: AVG retention)
# A resident's text may hold personal data, is redacted by its moderator and deleted after rejection: the
# log records that it changed, never what it said.
HIDDEN_OF = {"resident_input": {"text"}}
SKIPPED = {"updated_at"}


def object_type(record: Base) -> str:
    return record.__tablename__.removesuffix("s")


def install(factory: sessionmaker[Session]) -> None:
    event.listen(factory, "after_flush", _record_changes)


def act_as(session: Session, actor: Actor) -> Session:
    session.info["actor"] = actor
    return session


def _record_changes(session: Session, _context: object) -> None:
    entries = [
        entry
        for action, records in (
            ("create", session.new),
            ("update", session.dirty),
            ("delete", session.deleted),
        )
        for record in records
        if not isinstance(record, NOT_AUDITED) and (entry := _entry(action, record)) is not None
    ]
    if not entries:
        return
    actor: Actor | None = session.info.get("actor")
    if actor is None:
        raise RuntimeError("a change to the programmes database without an actor: use audit.act_as")
    now = datetime.now(UTC)
    rows = [{"at": now, "user_id": actor.user_id, "username": actor.username, **entry} for entry in entries]
    session.connection().execute(insert(AuditEntry), rows)


def _entry(action: str, record: Base) -> dict[str, object] | None:
    state = inspect(record)
    before: dict[str, object] = {}
    after: dict[str, object] = {}
    for attribute in state.mapper.column_attrs:
        key = attribute.key
        if key in SKIPPED:
            continue
        history = state.attrs[key].history
        if action == "create":
            after[key] = _recorded(record, key, state.attrs[key].value)
        elif action == "delete":
            before[key] = _recorded(record, key, state.attrs[key].loaded_value)
        elif history.has_changes():
            before[key] = _recorded(record, key, history.deleted[0] if history.deleted else None)
            after[key] = _recorded(record, key, history.added[0] if history.added else None)
    if action == "update":
        if not set(after) - {"version"}:
            return None  # nothing but the version counter: not a change anyone made
        if isinstance(record, Versioned):  # focus areas are seeded, not versioned
            # the mapper raises the counter during the flush, outside the attribute history
            before["version"], after["version"] = record.version - 1, record.version
    return {
        "action": action,
        "object_type": object_type(record),
        "object_id": state.identity[0] if state.identity else getattr(record, "id", 0),
        "before": before or None,
        "after": after or None,
    }


def _recorded(record: Base, key: str, value: object) -> object:
    return "(verborgen)" if key in HIDDEN_OF.get(object_type(record), ()) else plain(key, value)


def plain(key: str, value: object) -> object:
    if key in HIDDEN:
        return "(verborgen)"
    if isinstance(value, date | datetime):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def history(session: Session, kind: str, record_id: int) -> list[AuditEntry]:
    return list(
        session.scalars(
            select(AuditEntry)
            .where(AuditEntry.object_type == kind, AuditEntry.object_id == record_id)
            .order_by(AuditEntry.id)
        )
    )


def as_document(record: Base) -> dict[str, object]:
    """A record as the JSON API sends it: its type and its columns, without the hidden ones."""
    values = {
        attribute.key: plain(attribute.key, getattr(record, attribute.key))
        for attribute in record.__mapper__.column_attrs
        if attribute.key not in HIDDEN
    }
    return {"type": object_type(record), **values}
