"""The operational database: what people enter about focus areas, alliances, programmes, goals, measures,
progress, blockages and experiments, with accounts and the audit log. Separate from the rebuildable warehouse.

Fixed state scales (statuses, traffic lights, escalation levels, roles, action lines) are CHECK constraints;
open vocabularies (organisation kinds, themes, funds, ministries) are plain text checked by the application
against `vocabulary.yaml`, so a new fund needs no migration. Every record people edit carries a `version`
(SQLAlchemy's `version_id_col`): an update that started from an older version is refused, never merged.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    MetaData,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, declared_attr, mapped_column, relationship

# Named constraints: Alembic can drop them by name on PostgreSQL and rebuild them in SQLite batch mode.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

ROLES = ("partner", "area_editor", "administrator", "analyst")
PROGRAMME_STATUSES = ("draft", "adopted", "running", "finished")
MEASURE_STATUSES = ("planned", "running", "finished", "stopped")
TRAFFIC_LIGHTS = ("green", "amber", "red")
BLOCKAGE_CATEGORIES = ("law", "funding", "capacity", "cooperation", "data", "other")
ESCALATION_LEVELS = ("local", "alliance", "national")
BLOCKAGE_STATUSES = ("open", "resolved")
EXPERIMENT_STATUSES = ("proposed", "approved", "running", "evaluated", "stopped")
ACTION_LINES = (1, 2, 3, 4)
REFERENCES = ("gemeente", "g4", "nederland")


def _one_of(column: str, values: tuple[object, ...]) -> CheckConstraint:
    listed = ", ".join(repr(value) if isinstance(value, str) else str(value) for value in values)
    return CheckConstraint(f"{column} IN ({listed})", name=f"{column}_allowed")


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class Versioned(Base):
    """A record people edit: optimistic locking and the time of the last change."""

    __abstract__ = True  # no table of its own: its columns go into each record's table

    version: Mapped[int] = mapped_column(Integer, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )

    @declared_attr.directive
    def __mapper_args__(cls) -> dict[str, object]:
        return {"version_id_col": cls.__table__.c.version}


class Organisation(Versioned):
    __tablename__ = "organisations"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(40))
    gemeente_code: Mapped[str | None] = mapped_column(String(6))


class FocusArea(Base):
    """One of the programme's 20 areas; seeded from the focus-area file, not edited in the application."""

    __tablename__ = "focus_areas"
    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)  # the programme's number
    name: Mapped[str] = mapped_column(String(100), unique=True)
    gemeente_code: Mapped[str] = mapped_column(String(6))
    gemeente_name: Mapped[str] = mapped_column(String(100))
    wijken: Mapped[list[str]] = mapped_column(JSON)  # CBS wijk codes on the 2024 boundaries
    certainty: Mapped[str] = mapped_column(String(10))
    alliance: Mapped[Alliance | None] = relationship(back_populates="focus_area")
    programmes: Mapped[list[Programme]] = relationship(back_populates="focus_area", order_by="Programme.id")
    blockages: Mapped[list[Blockage]] = relationship(back_populates="focus_area", order_by="Blockage.id")


class Alliance(Versioned):
    __tablename__ = "alliances"
    id: Mapped[int] = mapped_column(primary_key=True)
    focus_area_id: Mapped[int] = mapped_column(ForeignKey("focus_areas.id"), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    chair: Mapped[str] = mapped_column(String(200))  # e.g. "burgemeester van Rotterdam"
    focus_area: Mapped[FocusArea] = relationship(back_populates="alliance")
    members: Mapped[list[AllianceMember]] = relationship(
        back_populates="alliance", order_by="AllianceMember.id", cascade="all, delete-orphan"
    )


class AllianceMember(Versioned):
    __tablename__ = "alliance_members"
    id: Mapped[int] = mapped_column(primary_key=True)
    alliance_id: Mapped[int] = mapped_column(ForeignKey("alliances.id"))
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    role: Mapped[str] = mapped_column(String(200))
    alliance: Mapped[Alliance] = relationship(back_populates="members")
    organisation: Mapped[Organisation] = relationship()
    __table_args__ = (UniqueConstraint("alliance_id", "organisation_id"),)


class Programme(Versioned):
    """An integrated execution programme (uitvoeringsprogramma) of one focus area."""

    __tablename__ = "programmes"
    id: Mapped[int] = mapped_column(primary_key=True)
    focus_area_id: Mapped[int] = mapped_column(ForeignKey("focus_areas.id"))
    title: Mapped[str] = mapped_column(String(200))
    start_year: Mapped[int] = mapped_column(Integer)
    end_year: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(20))
    document_url: Mapped[str | None] = mapped_column(String(500))
    published: Mapped[bool] = mapped_column(Boolean, default=False)
    focus_area: Mapped[FocusArea] = relationship(back_populates="programmes")
    goals: Mapped[list[Goal]] = relationship(back_populates="programme", order_by="Goal.id")
    measures: Mapped[list[Measure]] = relationship(back_populates="programme", order_by="Measure.id")
    experiments: Mapped[list[Experiment]] = relationship(back_populates="programme", order_by="Experiment.id")
    __table_args__ = (
        _one_of("status", PROGRAMME_STATUSES),
        CheckConstraint("end_year >= start_year", name="period_in_order"),
    )


class Goal(Versioned):
    """A target on a monitor indicator. The baseline is read from the warehouse when the goal is made."""

    __tablename__ = "goals"
    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("programmes.id"))
    title: Mapped[str] = mapped_column(String(200))
    indicator: Mapped[str] = mapped_column(String(80))
    subgroup: Mapped[str] = mapped_column(String(20))
    area_code: Mapped[str] = mapped_column(String(10))
    baseline_period: Mapped[int] = mapped_column(Integer)
    baseline_value: Mapped[float] = mapped_column()
    target_value: Mapped[float] = mapped_column()
    target_year: Mapped[int] = mapped_column(Integer)
    reference: Mapped[str | None] = mapped_column(String(20))
    published: Mapped[bool] = mapped_column(Boolean, default=False)
    programme: Mapped[Programme] = relationship(back_populates="goals")
    updates: Mapped[list[ProgressUpdate]] = relationship(
        back_populates="goal", order_by="ProgressUpdate.reported_on"
    )
    __table_args__ = (
        _one_of("reference", REFERENCES),
        CheckConstraint("target_year > baseline_period", name="target_after_baseline"),
    )


class Measure(Versioned):
    __tablename__ = "measures"
    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("programmes.id"))
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    action_line: Mapped[int] = mapped_column(Integer)
    theme: Mapped[str] = mapped_column(String(60))
    owner_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    partners: Mapped[str] = mapped_column(
        Text, default=""
    )  # free text: partners are often not organisations yet
    budget: Mapped[Decimal] = mapped_column(Numeric(14, 2), default=Decimal(0))
    funding_source: Mapped[str] = mapped_column(String(60))
    ministry: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20))
    published: Mapped[bool] = mapped_column(Boolean, default=False)
    programme: Mapped[Programme] = relationship(back_populates="measures")
    owner: Mapped[Organisation] = relationship()
    updates: Mapped[list[ProgressUpdate]] = relationship(
        back_populates="measure", order_by="ProgressUpdate.reported_on"
    )
    __table_args__ = (
        _one_of("action_line", ACTION_LINES),
        _one_of("status", MEASURE_STATUSES),
        CheckConstraint("budget >= 0", name="budget_not_negative"),
    )


class ProgressUpdate(Versioned):
    """A dated traffic-light report on one measure or one goal."""

    __tablename__ = "progress_updates"
    id: Mapped[int] = mapped_column(primary_key=True)
    measure_id: Mapped[int | None] = mapped_column(ForeignKey("measures.id"))
    goal_id: Mapped[int | None] = mapped_column(ForeignKey("goals.id"))
    reported_on: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(10))
    narrative: Mapped[str] = mapped_column(Text)
    measure: Mapped[Measure | None] = relationship(back_populates="updates")
    goal: Mapped[Goal | None] = relationship(back_populates="updates")
    __table_args__ = (
        _one_of("status", TRAFFIC_LIGHTS),
        CheckConstraint("(measure_id IS NULL) <> (goal_id IS NULL)", name="one_subject"),
    )


class Blockage(Versioned):
    """A vastloper: what stops progress, at which level it is escalated, and how it was resolved."""

    __tablename__ = "blockages"
    id: Mapped[int] = mapped_column(primary_key=True)
    focus_area_id: Mapped[int] = mapped_column(ForeignKey("focus_areas.id"))
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text)
    category: Mapped[str] = mapped_column(String(20))
    escalation: Mapped[str] = mapped_column(String(20))
    owner_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    raised_on: Mapped[date] = mapped_column(Date)
    resolved_on: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20))
    resolution: Mapped[str] = mapped_column(Text, default="")
    published: Mapped[bool] = mapped_column(Boolean, default=False)
    focus_area: Mapped[FocusArea] = relationship(back_populates="blockages")
    owner: Mapped[Organisation] = relationship()
    __table_args__ = (
        _one_of("category", BLOCKAGE_CATEGORIES),
        _one_of("escalation", ESCALATION_LEVELS),
        _one_of("status", BLOCKAGE_STATUSES),
        CheckConstraint("resolved_on IS NULL OR resolved_on >= raised_on", name="dates_in_order"),
    )


class Experiment(Versioned):
    """An experiment or tailored rule (maatwerk), with its legal basis, conditions and evaluation."""

    __tablename__ = "experiments"
    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("programmes.id"))
    title: Mapped[str] = mapped_column(String(200))
    legal_basis: Mapped[str] = mapped_column(String(300))
    conditions: Mapped[str] = mapped_column(Text, default="")
    starts_on: Mapped[date | None] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20))
    evaluation: Mapped[str] = mapped_column(Text, default="")
    published: Mapped[bool] = mapped_column(Boolean, default=False)
    programme: Mapped[Programme] = relationship(back_populates="experiments")
    __table_args__ = (
        _one_of("status", EXPERIMENT_STATUSES),
        CheckConstraint(
            "ends_on IS NULL OR starts_on IS NULL OR ends_on >= starts_on", name="dates_in_order"
        ),
    )


class Comment(Base):
    """A partner's remark on a record of its alliance's area; never public."""

    __tablename__ = "comments"
    id: Mapped[int] = mapped_column(primary_key=True)
    focus_area_id: Mapped[int] = mapped_column(ForeignKey("focus_areas.id"))
    object_type: Mapped[str] = mapped_column(String(30))
    object_id: Mapped[int] = mapped_column(Integer)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    author: Mapped[User] = relationship()


class User(Versioned):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))
    focus_area_id: Mapped[int | None] = mapped_column(ForeignKey("focus_areas.id"))
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))
    password_hash: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    __table_args__ = (
        _one_of("role", ROLES),
        # partners and area editors belong to one focus area; the others see every area
        CheckConstraint(
            "(role IN ('partner', 'area_editor')) = (focus_area_id IS NOT NULL)", name="area_for_area_roles"
        ),
    )


class AuditEntry(Base):
    """Who changed what when, with the values before and after; written in the same transaction."""

    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    user_id: Mapped[int | None] = mapped_column(Integer)  # no foreign key: the log outlives accounts
    username: Mapped[str] = mapped_column(String(80))
    action: Mapped[str] = mapped_column(String(10))
    object_type: Mapped[str] = mapped_column(String(30), index=True)
    object_id: Mapped[int] = mapped_column(Integer, index=True)
    before: Mapped[dict | None] = mapped_column(JSON)
    after: Mapped[dict | None] = mapped_column(JSON)
    __table_args__ = (_one_of("action", ("create", "update", "delete")),)


class LoginSession(Base):
    """A logged-in session, kept here so that it can be ended: the cookie holds only a random token, of
    which this table keeps a hash (a copy of the database gives no usable cookies)."""

    __tablename__ = "login_sessions"
    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class LoginLockout(Base):
    """An account or a client address locked out after too many wrong passwords: written for the audit
    log (the throttle itself counts in memory, so a refused attempt costs no write)."""

    __tablename__ = "login_lockouts"
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))
    subject: Mapped[str] = mapped_column(String(80))  # the username tried, or the client's address
    failures: Mapped[int] = mapped_column(Integer)
    until: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    __table_args__ = (_one_of("kind", ("account", "client")),)


class Secret(Base):
    """Installation secrets (the session-signing key), shared by every worker on the same database."""

    __tablename__ = "secrets"
    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[str] = mapped_column(String(200))


# --- Resident input (issue 8) ---------------------------------------------------------------------

INPUT_KINDS = ("signal", "idea", "priority")
INPUT_STATUSES = ("waiting", "published", "rejected")


class ResidentInput(Versioned):
    """A resident's signal, idea or priority for an area and domain, sent without an account.

    No name is asked; the optional contact (for a reply) is hidden from the audit log and emptied after the
    retention period. Only published inputs are public, without contact.
    """

    __tablename__ = "resident_inputs"
    id: Mapped[int] = mapped_column(primary_key=True)
    area_code: Mapped[str] = mapped_column(String(12), index=True)
    focus_area_id: Mapped[int | None] = mapped_column(ForeignKey("focus_areas.id"))  # None: administrators
    kind: Mapped[str] = mapped_column(String(10))
    domain: Mapped[str] = mapped_column(String(40))
    text: Mapped[str] = mapped_column(Text)
    contact: Mapped[str | None] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(10))
    answer: Mapped[str | None] = mapped_column(Text)
    measure_id: Mapped[int | None] = mapped_column(ForeignKey("measures.id"))
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    measure: Mapped[Measure | None] = relationship()
    __table_args__ = (_one_of("kind", INPUT_KINDS), _one_of("status", INPUT_STATUSES))
