"""Creating, changing and showing programme records: the domain core that the API, the forms and the CLI
share. Every change is authorised against the record's focus area, version-checked and audited."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TypeVar

import duckdb
from pydantic import BaseModel
from sqlalchemy.orm import Session

from wijkzicht.errors import NotFoundError, WijkzichtError
from wijkzicht.programmes import progress, schemas
from wijkzicht.programmes.accounts import Actor, allowed, authorise
from wijkzicht.programmes.errors import ConflictError
from wijkzicht.programmes.models import (
    Alliance,
    AllianceMember,
    Base,
    Blockage,
    Comment,
    Experiment,
    FocusArea,
    Goal,
    Measure,
    Organisation,
    Programme,
    ProgressUpdate,
    Versioned,
)


@dataclass(frozen=True)
class Kind:
    """A kind of record people edit: its model, its input schema and the field that names its parent."""

    name: str
    model: type[Versioned]
    schema: type[BaseModel]
    parent: str | None
    deletable: bool = False  # other records end by status (a measure stops, a blockage is resolved)


KINDS = {
    kind.name: kind
    for kind in (
        Kind("organisation", Organisation, schemas.OrganisationIn, None),
        Kind("alliance", Alliance, schemas.AllianceIn, "focus_area_id"),
        Kind("alliance_member", AllianceMember, schemas.AllianceMemberIn, "alliance_id", deletable=True),
        Kind("programme", Programme, schemas.ProgrammeIn, "focus_area_id"),
        Kind("goal", Goal, schemas.GoalIn, "programme_id"),
        Kind("measure", Measure, schemas.MeasureIn, "programme_id"),
        Kind("progress_update", ProgressUpdate, schemas.ProgressUpdateIn, None),  # measure_id or goal_id
        Kind("blockage", Blockage, schemas.BlockageIn, "focus_area_id"),
        Kind("experiment", Experiment, schemas.ExperimentIn, "programme_id"),
    )
}
# Foreign keys a person types, and what they must name.
REFERENCES: dict[str, type[Base]] = {
    "focus_area_id": FocusArea,
    "alliance_id": Alliance,
    "programme_id": Programme,
    "organisation_id": Organisation,
    "owner_id": Organisation,
    "measure_id": Measure,
    "goal_id": Goal,
}


def kind_of(name: str) -> Kind:
    if name not in KINDS:
        raise NotFoundError(key="error.record.unknown_kind", name=name, known=", ".join(KINDS))
    return KINDS[name]


def get(session: Session, kind: Kind, record_id: int) -> Versioned:
    record = session.get(kind.model, record_id)
    if record is None:
        raise NotFoundError(key="error.record.missing", kind=kind.name, record_id=record_id)
    return record


# --- Which focus area a record belongs to, and who sees it -----------------------------------------


def focus_area_of(record: Base | None) -> int | None:
    match record:
        case Organisation():
            return None
        case Alliance() | Programme() | Blockage() | Comment():
            return record.focus_area_id
        case AllianceMember():
            return record.alliance.focus_area_id
        case Goal() | Measure() | Experiment():
            return record.programme.focus_area_id
        case ProgressUpdate():
            return focus_area_of(record.measure or record.goal)
    raise TypeError(f"no focus area for {type(record).__name__}")


def is_visible(actor: Actor, record: Base | None) -> bool:
    """Published records (and what hangs under them) are public; the rest needs `read` on the area."""
    if allowed(actor, "read", focus_area_of(record)):
        return True
    match record:
        case Comment():
            return False
        case Programme() | Blockage():
            return record.published
        case Goal() | Measure() | Experiment():
            return record.published and record.programme.published
        case ProgressUpdate():
            return is_visible(actor, record.measure or record.goal)
    return True  # organisations, alliances and their members are public facts


Record = TypeVar("Record", bound=Base)


def visible(actor: Actor, records: Sequence[Record]) -> list[Record]:
    return [record for record in records if is_visible(actor, record)]


def get_visible(session: Session, actor: Actor, kind: Kind, record_id: int) -> Versioned:
    """A record the actor may see; an unpublished one is 'not found' to the public, not 'forbidden'."""
    record = get(session, kind, record_id)
    if not is_visible(actor, record):
        raise NotFoundError(key="error.record.missing", kind=kind.name, record_id=record_id)
    return record


# --- Changes --------------------------------------------------------------------------------------


def create(
    session: Session, actor: Actor, kind: Kind, data: BaseModel, warehouse: duckdb.DuckDBPyConnection
) -> Versioned:
    values = data.model_dump()
    check_references(session, values)
    area = area_of_new(session, values)
    authorise_new(actor, kind, area)
    _check_rules(session, kind, values, warehouse, area)
    record = kind.model(**values)
    session.add(record)
    session.flush()
    return record


def authorise_new(actor: Actor, kind: Kind, area: int | None) -> None:
    authorise(actor, "create_organisation" if kind.name == "organisation" else "edit", area)


def update(
    session: Session,
    actor: Actor,
    kind: Kind,
    record_id: int,
    data: BaseModel,
    version: int,
    warehouse: duckdb.DuckDBPyConnection,
) -> Versioned:
    record = get(session, kind, record_id)
    area = focus_area_of(record)
    authorise(actor, "manage" if kind.name == "organisation" else "edit", area)
    if record.version != version:
        raise ConflictError(
            key="error.record.changed",
            kind=kind.name,
            record_id=record_id,
            current=record.version,
            yours=version,
        )
    values = data.model_dump()
    check_references(session, values)
    for key in (kind.parent, "measure_id", "goal_id"):
        if key in values and values[key] != getattr(record, key):
            raise WijkzichtError(key="error.record.move", field=key, kind=kind.name)
    _check_rules(session, kind, values, warehouse, area, record)
    for key, value in values.items():
        setattr(record, key, value)
    session.flush()
    return record


def delete(session: Session, actor: Actor, kind: Kind, record_id: int, version: int) -> None:
    if not kind.deletable:
        raise WijkzichtError(key="error.record.not_deletable", kind=kind.name)
    record = get(session, kind, record_id)
    authorise(actor, "edit", focus_area_of(record))
    if record.version != version:
        raise ConflictError(
            key="error.record.stale",
            kind=kind.name,
            record_id=record_id,
            current=record.version,
            yours=version,
        )
    session.delete(record)
    session.flush()


def comment(session: Session, actor: Actor, data: schemas.CommentIn) -> Comment:
    subject = get(session, kind_of(data.object_type), data.object_id)
    area = focus_area_of(subject)
    authorise(actor, "comment", area)
    record = Comment(
        focus_area_id=area,
        object_type=data.object_type,
        object_id=data.object_id,
        author_id=actor.user_id,
        text=data.text,
    )
    session.add(record)
    session.flush()
    return record


def check_references(session: Session, values: Mapping[str, object]) -> None:
    for key, model in REFERENCES.items():
        if values.get(key) is not None and session.get(model, values[key]) is None:
            raise NotFoundError(
                key="error.reference.missing",
                field=key,
                kind=model.__tablename__.removesuffix("s"),
                record_id=values[key],
            )


def area_of_new(session: Session, values: Mapping[str, object]) -> int | None:
    """The focus area a new record will belong to, from the parent it names (nothing is added yet)."""
    if isinstance(focus_area_id := values.get("focus_area_id"), int):
        return focus_area_id
    for key in ("alliance_id", "programme_id", "measure_id", "goal_id"):
        if values.get(key) is not None:
            return focus_area_of(session.get(REFERENCES[key], values[key]))
    return None  # an organisation belongs to no area


def _check_rules(
    session: Session,
    kind: Kind,
    values: dict[str, object],
    warehouse: duckdb.DuckDBPyConnection,
    area: int | None,
    record: Versioned | None = None,
) -> None:
    if kind.name == "goal":
        keys = ("indicator", "subgroup", "area_code", "baseline_period")
        if isinstance(record, Goal) and all(
            values[key] == getattr(record, key) for key in keys if values[key] is not None
        ):
            values["baseline_period"], values["baseline_value"] = (
                record.baseline_period,
                record.baseline_value,
            )
        else:
            values.update(
                progress.baseline_for(
                    warehouse,
                    values,
                    session.get_one(FocusArea, area).gemeente_code,
                    session.get_one(Programme, values["programme_id"]).start_year,
                )
            )
    if (
        kind.name == "alliance"
        and record is None
        and session.query(Alliance).filter_by(focus_area_id=values["focus_area_id"]).first() is not None
    ):
        raise WijkzichtError(key="error.alliance.exists", field="focus_area_id", area=values["focus_area_id"])
