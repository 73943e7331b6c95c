"""Resident input: a signal, idea or priority for an area and domain, sent without an account.

Protection in one place each: a per-client rate limit (`RateLimiter`), a spam check (a hidden field only
robots fill, and a cap on links), a moderation queue for the area's editors (the programme roles: an area
editor moderates their own focus area, an administrator every area), no name asked, the optional contact
hidden from the audit log and emptied after the retention period, published items shown without contact.
Personal data in the text (`personal_data`) is shown only to the moderator, masked everywhere else, and the
moderator can redact it; a rejected input's text is deleted after its own retention period.
Text is stored as typed and escaped when shown (Jinja autoescaping), so HTML or script is shown, never run.
"""

from __future__ import annotations

import os
import re
import threading
import time
from collections import defaultdict, deque
from datetime import UTC, datetime, timedelta
from typing import Annotated, Literal

from pydantic import BaseModel, Field, field_validator
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from wijkzicht.catalogue import load_catalogue
from wijkzicht.errors import NotFoundError, WijkzichtError
from wijkzicht.programmes import personal_data
from wijkzicht.programmes.accounts import Actor, authorise
from wijkzicht.programmes.database import OperationalDatabase
from wijkzicht.programmes.errors import ConflictError
from wijkzicht.programmes.models import FocusArea, Measure, ResidentInput
from wijkzicht.programmes.schemas import keyed

RETENTION_ENV = "WIJKZICHT_CONTACT_RETENTION_DAYS"
DEFAULT_RETENTION_DAYS = 90
REJECTED_RETENTION_ENV = "WIJKZICHT_REJECTED_TEXT_RETENTION_DAYS"
DEFAULT_REJECTED_RETENTION_DAYS = 30
DELETED_TEXT = ""  # what is left of a rejected input's text after its retention period
MAX_TEXT = 1000
MAX_CONTACT = 200
MAX_LINKS = 2
RETENTION = Actor(None, "bewaartermijn", "administrator")  # who empties old contact details in the audit log
LINK = re.compile(r"https?://|www\.", re.IGNORECASE)
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# "Weet ik niet": a resident need not know the programme's domains; the moderator then picks the topic.
UNKNOWN_TOPIC = "unknown"


class SpamError(WijkzichtError):
    """Input that looks automated; refused without saying which check caught it."""


class InputIn(BaseModel):
    kind: Literal["signal", "idea", "priority"]
    domain: str
    text: Annotated[str, Field(min_length=10, max_length=MAX_TEXT)]
    contact: Annotated[str, Field(max_length=MAX_CONTACT)] = ""
    website: str = ""  # the honeypot: hidden from people, filled in by robots

    @field_validator("domain")
    @classmethod
    def known_domain(cls, value: str) -> str:
        if value not in input_domains():
            raise keyed(WijkzichtError(key="error.rule.choice", choices=", ".join(input_domains())))
        return value

    @field_validator("text", "contact")
    @classmethod
    def plain_text(cls, value: str) -> str:
        return CONTROL.sub("", value).strip()


def input_domains() -> list[str]:
    return [*load_catalogue().problem_domains, UNKNOWN_TOPIC]


def retention_days() -> int:
    return int(os.environ.get(RETENTION_ENV) or DEFAULT_RETENTION_DAYS)


def rejected_retention_days() -> int:
    return int(os.environ.get(REJECTED_RETENTION_ENV) or DEFAULT_REJECTED_RETENTION_DAYS)


def public_text(item: ResidentInput) -> str:
    """The text as everyone but its moderator sees it: personal data masked."""
    return personal_data.masked(item.text)


class RateLimiter:
    """At most `limit` requests per client in a sliding window (per process: each worker counts its own)."""

    def __init__(self, limit: int = 5, window_seconds: float = 600) -> None:
        self.limit, self.window = limit, window_seconds
        self._seen: dict[str, deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()

    def allow(self, client: str, now: float | None = None) -> bool:
        now = time.monotonic() if now is None else now
        with self._lock:
            times = self._seen[client]
            while times and times[0] <= now - self.window:
                times.popleft()
            if len(times) >= self.limit:
                return False
            times.append(now)
            return True


def check_spam(data: InputIn) -> None:
    if data.website or len(LINK.findall(data.text)) > MAX_LINKS:
        raise SpamError(key="error.input.spam")


def focus_area_of(session: Session, wijk: str | None) -> int | None:
    if wijk is None:
        return None
    for area in session.scalars(select(FocusArea).order_by(FocusArea.id)):
        if wijk in area.wijken:
            return area.id
    return None


def receive(session: Session, area_code: str, wijk: str | None, data: InputIn) -> ResidentInput:
    """Store a resident's input as waiting for moderation."""
    check_spam(data)
    item = ResidentInput(
        area_code=area_code,
        focus_area_id=focus_area_of(session, wijk),
        kind=data.kind,
        domain=data.domain,
        text=data.text,
        contact=data.contact or None,
        status="waiting",
        received_at=datetime.now(UTC),
    )
    session.add(item)
    session.flush()
    return item


def moderation_queue(session: Session, actor: Actor) -> list[ResidentInput]:
    """The inputs waiting for this actor: an area editor's own focus area, every area for an administrator."""
    authorise(actor, "edit", actor.focus_area_id)
    query = select(ResidentInput).where(ResidentInput.status == "waiting").order_by(ResidentInput.id)
    if actor.role != "administrator":
        query = query.where(ResidentInput.focus_area_id == actor.focus_area_id)
    return list(session.scalars(query))


def moderated_input(session: Session, actor: Actor, input_id: int) -> ResidentInput:
    """One input with its contact, for those who may moderate it (its focus area's editor, administrators)."""
    item = session.get(ResidentInput, input_id)
    if item is None:
        raise NotFoundError(key="error.record.missing", kind="resident input", record_id=input_id)
    authorise(actor, "edit", item.focus_area_id)
    return item


def moderate(
    session: Session,
    actor: Actor,
    input_id: int,
    *,
    version: int,
    status: Literal["published", "rejected"],
    answer: str = "",
    measure_id: int | None = None,
    domain: str | None = None,
    redact: bool = False,
) -> ResidentInput:
    """Publish or reject, answer, link to a measure; move it to another domain (topic); with `redact`, keep
    only the masked text from now on (the personal data is gone for the moderator too)."""
    purge_expired_data(session)
    item = moderated_input(session, actor, input_id)
    if item.version != version:
        raise ConflictError(
            key="error.record.stale", kind="input", record_id=input_id, current=item.version, yours=version
        )
    if measure_id is not None:
        measure = session.get(Measure, measure_id)
        if measure is None or measure.programme.focus_area_id != item.focus_area_id:
            raise WijkzichtError(key="error.input.measure", field="measure_id", measure_id=measure_id)
    if domain is not None and domain not in input_domains():
        raise WijkzichtError(key="error.rule.choice", field="domain", choices=", ".join(input_domains()))
    item.status = status
    item.answer = CONTROL.sub("", answer).strip()[:MAX_TEXT] or None
    item.measure_id = measure_id
    item.domain = domain or item.domain
    if redact:
        item.text = public_text(item)
    session.flush()
    return item


def published_for(session: Session, area_code: str) -> list[ResidentInput]:
    return list(
        session.scalars(
            select(ResidentInput)
            .where(ResidentInput.area_code == area_code, ResidentInput.status == "published")
            .options(selectinload(ResidentInput.measure))  # shown after the session ends
            .order_by(ResidentInput.id.desc())
        )
    )


def _retention_cutoff(now: datetime | None, days: int | None) -> datetime:
    return (now or datetime.now(UTC)) - timedelta(days=retention_days() if days is None else days)


def current_contact(item: ResidentInput, now: datetime | None = None) -> str | None:
    """The contact as moderators may still see it: none once the retention period is over, even before
    the next write has emptied it (reads never write)."""
    received = item.received_at if item.received_at.tzinfo else item.received_at.replace(tzinfo=UTC)
    return item.contact if received >= _retention_cutoff(now, None) else None


def purge_contacts(session: Session, now: datetime | None = None, days: int | None = None) -> int:
    """Empty the contact of every input older than the retention period; the number emptied.

    Runs inside every write of resident input (receiving and moderating) and as its own job
    (`wijkzicht programmes purge-contacts`), both through `purge_expired_data`, never inside a read."""
    cutoff = _retention_cutoff(now, days)
    old = list(
        session.scalars(
            select(ResidentInput).where(
                ResidentInput.contact.is_not(None), ResidentInput.received_at < cutoff
            )
        )
    )
    for item in old:
        item.contact = None  # through the ORM: versioned and audited (the audit log hides the value)
    session.flush()
    return len(old)


def purge_rejected_texts(session: Session, now: datetime | None = None, days: int | None = None) -> int:
    """Delete the text of every rejected input received longer than the period ago; the number deleted.

    The period counts from receipt (an input records when it arrived, not when it was rejected), so a text
    rejected late is kept for a shorter time, never longer. Runs where `purge_contacts` runs."""
    cutoff = (now or datetime.now(UTC)) - timedelta(days=rejected_retention_days() if days is None else days)
    old = list(
        session.scalars(
            select(ResidentInput).where(
                ResidentInput.status == "rejected",
                ResidentInput.text != DELETED_TEXT,
                ResidentInput.received_at < cutoff,
            )
        )
    )
    for item in old:
        item.text = DELETED_TEXT
    session.flush()
    return len(old)


def purge_expired_data(session: Session, now: datetime | None = None) -> tuple[int, int]:
    """Both retention periods: the numbers of contacts emptied and of rejected texts deleted."""
    return purge_contacts(session, now=now), purge_rejected_texts(session, now=now)


def purge_expired(store: OperationalDatabase, now: datetime | None = None) -> tuple[int, int]:
    """The retention job on its own (`wijkzicht programmes purge-contacts`, e.g. daily from cron): one
    write by the retention actor, so data is deleted even when no new input arrives; the numbers of contacts
    emptied and of rejected texts deleted."""
    with store.writing(RETENTION) as session:
        return purge_expired_data(session, now)


# The follow-up of resident input as the governance report and the moderation page count it; a reader
# without an account sees only what is public: published input, its answers, links to published measures.
FOLLOW_UP = ("received", "waiting", "published", "answered", "linked", "rejected")
PUBLIC_FOLLOW_UP = ("published", "answered", "linked")


def counts_per_domain(
    session: Session,
    focus_area_id: int | None = None,
    *,
    public: bool = False,
    shown_measures: set[int] | None = None,
) -> dict[str, dict[str, int]]:
    """Inputs per domain (in catalogue order) by follow-up: received, waiting, published, answered (a public
    answer), linked to a measure, rejected. `public`: only published inputs, and only links to a measure
    in `shown_measures` (those the reader may see); counts for every focus area when none is given."""
    query = select(ResidentInput)
    if focus_area_id is not None:
        query = query.where(ResidentInput.focus_area_id == focus_area_id)
    if public:
        query = query.where(ResidentInput.status == "published")
    counts: dict[str, dict[str, int]] = {}
    for item in session.scalars(query):
        row = counts.setdefault(item.domain, dict.fromkeys(FOLLOW_UP, 0))
        row["received"] += 1
        row[item.status] += 1
        row["answered"] += item.answer is not None
        linked = item.measure_id is not None and (shown_measures is None or item.measure_id in shown_measures)
        row["linked"] += linked
    order = [*load_catalogue().domains, UNKNOWN_TOPIC]
    return {domain: counts[domain] for domain in sorted(counts, key=order.index)}
