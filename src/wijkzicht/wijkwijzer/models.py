"""The records of wijkwijzer, in the operational database of programme steering (same accounts, audit log,
optimistic locking and migrations): interventions, experts and the requests partners put to the pool."""

from __future__ import annotations

from datetime import date

from sqlalchemy import JSON, Boolean, CheckConstraint, Date, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from wijkzicht.programmes.models import FocusArea, Versioned, _one_of

EVIDENCE_LEVELS = ("effective", "plausible", "theoretical", "unknown")  # as the Loket Gezond Leven scale
COST_LEVELS = ("low", "medium", "high", "unknown")
URGENCIES = ("low", "normal", "high")
REQUEST_STATUSES = ("open", "assigned", "answered", "closed")
AVAILABILITIES = ("available", "limited", "unavailable")
KINDS = (
    "practice",
    "faq",
)  # a practice entry, or a help-desk answer published as a frequently asked question
HELP_CATEGORIES = ("approach", "law", "funding", "data", "other")
HELP_STATUSES = ("open", "answered")


class Intervention(Versioned):
    """A library entry. `search_title`/`search_body` hold the folded, stemmed words the full-text index reads
    (written by `search.index_words`), so SQLite FTS5 and PostgreSQL find the same entries."""

    __tablename__ = "interventions"
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(10), default="practice")
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(Text)
    domains: Mapped[list[str]] = mapped_column(JSON)  # catalogue domain keys
    action_line: Mapped[int | None] = mapped_column(Integer)
    target_group: Mapped[str] = mapped_column(String(200), default="")
    evidence: Mapped[str] = mapped_column(String(20))
    evidence_source: Mapped[str] = mapped_column(String(500), default="")
    cost: Mapped[str] = mapped_column(String(20), default="unknown")
    contact: Mapped[str] = mapped_column(String(200), default="")
    links: Mapped[list[str]] = mapped_column(JSON, default=list)
    area_codes: Mapped[list[str]] = mapped_column(JSON, default=list)  # CBS codes of areas that use it
    measure_ids: Mapped[list[int]] = mapped_column(JSON, default=list)  # programme measures that apply it
    example: Mapped[bool] = mapped_column(Boolean, default=False)  # made up to show the form, not a fact
    published: Mapped[bool] = mapped_column(Boolean, default=False)
    search_title: Mapped[str] = mapped_column(Text, default="")
    search_body: Mapped[str] = mapped_column(Text, default="")
    __table_args__ = (
        _one_of("kind", KINDS),
        _one_of("evidence", EVIDENCE_LEVELS),
        _one_of("cost", COST_LEVELS),
        CheckConstraint("action_line IS NULL OR action_line IN (1, 2, 3, 4)", name="action_line_allowed"),
    )


class Expert(Versioned):
    """A professional in the expert or flex pool; never shown to the public."""

    __tablename__ = "experts"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    organisation: Mapped[str] = mapped_column(String(200), default="")
    pool: Mapped[str] = mapped_column(String(20), default="expert")
    domains: Mapped[list[str]] = mapped_column(JSON)
    expertise: Mapped[str] = mapped_column(Text, default="")
    availability: Mapped[str] = mapped_column(String(20), default="available")
    contact: Mapped[str] = mapped_column(String(200), default="")
    __table_args__ = (_one_of("availability", AVAILABILITIES), _one_of("pool", ("expert", "flex")))


class SupportRequest(Versioned):
    """A local partner's question to the pool, from filing through an expert's answer to closure."""

    __tablename__ = "support_requests"
    id: Mapped[int] = mapped_column(primary_key=True)
    focus_area_id: Mapped[int] = mapped_column(ForeignKey("focus_areas.id"))
    area_code: Mapped[str] = mapped_column(String(12), default="")
    domain: Mapped[str] = mapped_column(String(40))
    question: Mapped[str] = mapped_column(Text)
    urgency: Mapped[str] = mapped_column(String(10), default="normal")
    status: Mapped[str] = mapped_column(String(10), default="open")
    expert_id: Mapped[int | None] = mapped_column(ForeignKey("experts.id"))
    answer: Mapped[str] = mapped_column(Text, default="")
    evaluation: Mapped[str] = mapped_column(Text, default="")
    requested_by: Mapped[str] = mapped_column(String(80))
    focus_area: Mapped[FocusArea] = relationship()
    expert: Mapped[Expert | None] = relationship()
    __table_args__ = (_one_of("urgency", URGENCIES), _one_of("status", REQUEST_STATUSES))


class HelpQuestion(Versioned):
    """A partner's question to the help desk (vraagbaak); an answered one can become a library FAQ entry."""

    __tablename__ = "help_questions"
    id: Mapped[int] = mapped_column(primary_key=True)
    focus_area_id: Mapped[int] = mapped_column(ForeignKey("focus_areas.id"))
    category: Mapped[str] = mapped_column(String(20))
    domain: Mapped[str] = mapped_column(String(40))
    question: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(10), default="open")
    asked_by: Mapped[str] = mapped_column(String(80))
    assignee: Mapped[str] = mapped_column(String(80), default="")
    answer: Mapped[str] = mapped_column(Text, default="")
    faq_id: Mapped[int | None] = mapped_column(ForeignKey("interventions.id"))
    focus_area: Mapped[FocusArea] = relationship()
    __table_args__ = (_one_of("category", HELP_CATEGORIES), _one_of("status", HELP_STATUSES))


class LearningSession(Versioned):
    """A meeting of the knowledge and learning network and the library entries it discussed."""

    __tablename__ = "learning_sessions"
    id: Mapped[int] = mapped_column(primary_key=True)
    topic: Mapped[str] = mapped_column(String(200))
    held_on: Mapped[date] = mapped_column(Date)
    organisations: Mapped[list[str]] = mapped_column(JSON, default=list)
    intervention_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    summary: Mapped[str] = mapped_column(Text, default="")
    published: Mapped[bool] = mapped_column(Boolean, default=False)
