"""The library of interventions and practice: input checks, audited and version-checked changes, who sees
what, search with filters, and import and export as CSV or JSON.

Programme administrators curate the library; a national analyst also reads unpublished entries; everyone
else, the public included, sees published entries only.
"""

from __future__ import annotations

import csv
import io
import json
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, HttpUrl, ValidationError, field_validator
from sqlalchemy import select
from sqlalchemy.orm import Session

from wijkzicht import codes
from wijkzicht.catalogue import load_catalogue
from wijkzicht.errors import NotFoundError, WijkzichtError
from wijkzicht.programmes.accounts import Actor, allowed, authorise
from wijkzicht.programmes.errors import ConflictError
from wijkzicht.programmes.models import Measure
from wijkzicht.programmes.schemas import keyed
from wijkzicht.spreadsheet import restored_cell, safe_cell
from wijkzicht.wijkwijzer import search
from wijkzicht.wijkwijzer.models import COST_LEVELS, EVIDENCE_LEVELS, Intervention

Text200 = Annotated[str, Field(max_length=200)]
FIELDS = (
    "kind",
    "title",
    "summary",
    "domains",
    "action_line",
    "target_group",
    "evidence",
    "evidence_source",
    "cost",
    "contact",
    "links",
    "area_codes",
    "measure_ids",
    "example",
    "published",
)
LIST_FIELDS = ("domains", "links", "area_codes", "measure_ids")  # in CSV: separated by "|"
MAX_IMPORT = 2000


class InterventionIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    kind: Annotated[str, Field(pattern="^(practice|faq)$")] = "practice"
    title: Annotated[str, Field(min_length=3, max_length=200)]
    summary: Annotated[str, Field(min_length=1, max_length=10_000)]
    domains: Annotated[list[str], Field(min_length=1, max_length=7)]
    action_line: Annotated[int | None, Field(ge=1, le=4)] = None
    target_group: Text200 = ""
    evidence: str = "unknown"
    evidence_source: Annotated[str, Field(max_length=500)] = ""
    cost: str = "unknown"
    contact: Text200 = ""
    links: Annotated[list[HttpUrl], Field(max_length=20)] = []
    area_codes: Annotated[list[codes.AnyCode], Field(max_length=200)] = []
    measure_ids: Annotated[list[Annotated[int, Field(ge=1, le=2**31 - 1)]], Field(max_length=200)] = []
    example: bool = False
    published: bool = False

    @field_validator("domains")
    @classmethod
    def _known_domains(cls, domains: list[str]) -> list[str]:
        unknown = set(domains) - set(load_catalogue().domains)
        if unknown:
            raise keyed(WijkzichtError(key="error.rule.unknown_domains", domains=", ".join(sorted(unknown))))
        return list(dict.fromkeys(domains))

    @field_validator("evidence")
    @classmethod
    def _known_evidence(cls, evidence: str) -> str:
        if evidence not in EVIDENCE_LEVELS:
            raise keyed(WijkzichtError(key="error.rule.use_one_of", choices=", ".join(EVIDENCE_LEVELS)))
        return evidence

    @field_validator("cost")
    @classmethod
    def _known_cost(cls, cost: str) -> str:
        if cost not in COST_LEVELS:
            raise keyed(WijkzichtError(key="error.rule.use_one_of", choices=", ".join(COST_LEVELS)))
        return cost

    def values(self) -> dict[str, object]:
        return {**self.model_dump(), "links": [str(link) for link in self.links]}


def may_read_unpublished(actor: Actor) -> bool:
    return allowed(actor, "read")


def get_visible(session: Session, actor: Actor, intervention_id: int) -> Intervention:
    """An entry the actor may see; an unpublished one is 'not found' to the public, not 'forbidden'."""
    intervention = session.get(Intervention, intervention_id)
    if intervention is None or not (intervention.published or may_read_unpublished(actor)):
        raise NotFoundError(key="error.record.missing", kind="intervention", record_id=intervention_id)
    return intervention


def create(session: Session, actor: Actor, data: InterventionIn) -> Intervention:
    authorise(actor, "manage")
    values = data.values()
    _check_measures(session, values["measure_ids"])  # type: ignore[arg-type]
    intervention = Intervention(**values)
    search.index_words(intervention)
    session.add(intervention)
    session.flush()
    return intervention


def update(
    session: Session, actor: Actor, intervention_id: int, data: InterventionIn, version: int
) -> Intervention:
    authorise(actor, "manage")
    intervention = session.get(Intervention, intervention_id)
    if intervention is None:
        raise NotFoundError(key="error.record.missing", kind="intervention", record_id=intervention_id)
    if intervention.version != version:
        raise ConflictError(
            key="error.record.changed",
            kind="intervention",
            record_id=intervention_id,
            current=intervention.version,
            yours=version,
        )
    values = data.values()
    _check_measures(session, values["measure_ids"])  # type: ignore[arg-type]
    for key, value in values.items():
        setattr(intervention, key, value)
    search.index_words(intervention)
    session.flush()
    return intervention


def _check_measures(session: Session, measure_ids: list[int]) -> None:
    for measure_id in measure_ids:
        if session.get(Measure, measure_id) is None:
            raise NotFoundError(
                key="error.reference.missing", field="measure_ids", kind="measure", record_id=measure_id
            )


def find(
    session: Session,
    actor: Actor,
    phrase: str = "",
    *,
    domains: list[str] | None = None,
    action_line: int | None = None,
    evidence: list[str] | None = None,
) -> list[Intervention]:
    """The entries the actor may see that hold every word of `phrase` and pass every filter given (within a
    filter, any of the values), best match first; without a phrase, by title."""
    if search.words(phrase):  # punctuation alone is no search
        ranked = search.search(session, phrase)
        by_id = {i.id: i for i in session.scalars(select(Intervention).where(Intervention.id.in_(ranked)))}
        candidates = [by_id[key] for key in ranked]
    else:
        candidates = list(session.scalars(select(Intervention).order_by(Intervention.title, Intervention.id)))
    return [
        intervention
        for intervention in candidates
        if (intervention.published or may_read_unpublished(actor))
        and (not domains or set(domains) & set(intervention.domains))
        and (action_line is None or intervention.action_line == action_line)
        and (not evidence or intervention.evidence in evidence)
    ]


# --- Import and export ----------------------------------------------------------------------------


def as_record(intervention: Intervention) -> dict[str, object]:
    return {
        "id": intervention.id,
        **{key: getattr(intervention, key) for key in FIELDS},
        "version": intervention.version,
    }


def export_json(interventions: list[Intervention]) -> str:
    return json.dumps([as_record(i) for i in interventions], ensure_ascii=False, indent=2)


def export_csv(interventions: list[Intervention]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=["id", *FIELDS, "version"])
    writer.writeheader()
    for intervention in interventions:
        record = as_record(intervention)
        writer.writerow({key: safe_cell(_csv_cell(key, value)) for key, value in record.items()})
    return out.getvalue()


def _csv_cell(key: str, value: object) -> object:
    return "|".join(map(str, value)) if key in LIST_FIELDS and isinstance(value, list) else value


def parse_json(payload: str) -> list[dict[str, object]]:
    try:
        rows = json.loads(payload)
    except json.JSONDecodeError as error:
        raise WijkzichtError(f"not JSON: {error}") from None
    if not isinstance(rows, list) or not all(isinstance(row, dict) for row in rows):
        raise WijkzichtError("JSON: expected a list of objects, one per intervention")
    return rows


def parse_csv(payload: str) -> list[dict[str, object]]:
    """Rows of an exported CSV: lists split on "|", empty cells left out (so defaults apply)."""
    rows: list[dict[str, object]] = []
    for row in csv.DictReader(io.StringIO(payload)):
        record: dict[str, object] = {}
        for key, cell in row.items():
            if key is None or cell is None or cell == "":
                continue
            cell = restored_cell(cell)
            if key in LIST_FIELDS:
                record[key] = [part.strip() for part in cell.split("|") if part.strip()]
            elif key in ("example", "published"):
                record[key] = cell.strip().lower() in ("true", "1", "ja", "yes")
            else:
                record[key] = cell
        rows.append(record)
    return rows


def import_rows(session: Session, actor: Actor, rows: list[dict[str, object]]) -> list[Intervention]:
    """All rows or none: every row is checked first; a bad row is named by its number and field."""
    authorise(actor, "manage")
    if len(rows) > MAX_IMPORT:
        raise WijkzichtError(f"import: at most {MAX_IMPORT} rows at once, not {len(rows)}")
    checked: list[InterventionIn] = []
    for number, row in enumerate(rows, start=1):
        fields = {key: value for key, value in row.items() if key in FIELDS}
        try:
            checked.append(InterventionIn.model_validate(fields))
        except ValidationError as error:
            problem = error.errors()[0]
            where = ".".join(str(part) for part in problem["loc"])
            raise WijkzichtError(f"row {number}, {where}: {problem['msg']}") from None
    return [create(session, actor, data) for data in checked]
