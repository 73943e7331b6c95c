"""The expert pool and the flex pool: experts, the requests local partners put to them, matching
suggestions, and a request's course from filing to closure with a short evaluation.

Who does what: a partner or area editor files requests for its own focus area and closes them with an
evaluation; the programme administrator (the pool's coordinator) keeps the experts and assigns and answers
requests; a national analyst reads everything. The public sees nothing of the pool: it names people.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, field_validator
from sqlalchemy import select
from sqlalchemy.orm import Session

from wijkzicht import codes
from wijkzicht.catalogue import load_catalogue
from wijkzicht.errors import NotFoundError, WijkzichtError
from wijkzicht.programmes.accounts import Actor, allowed, authorise
from wijkzicht.programmes.errors import ConflictError
from wijkzicht.programmes.schemas import keyed
from wijkzicht.wijkwijzer import search
from wijkzicht.wijkwijzer.access import require_account, require_contributor
from wijkzicht.wijkwijzer.models import AVAILABILITIES, URGENCIES, Expert, SupportRequest

MAX_SUGGESTIONS = 5
# status -> the step that leaves it, and the status it leads to
STEPS = {"open": ("assign", "assigned"), "assigned": ("answer", "answered"), "answered": ("close", "closed")}


def _known_domain(domain: str) -> str:
    if domain not in load_catalogue().domains:
        raise keyed(WijkzichtError(key="error.rule.unknown_domain", domain=domain))
    return domain


class ExpertIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    name: Annotated[str, Field(min_length=2, max_length=200)]
    organisation: Annotated[str, Field(max_length=200)] = ""
    pool: Annotated[str, Field(pattern="^(expert|flex)$")] = "expert"
    domains: Annotated[list[str], Field(min_length=1, max_length=7)]
    expertise: Annotated[str, Field(max_length=2000)] = ""
    availability: str = "available"
    contact: Annotated[str, Field(max_length=200)] = ""

    @field_validator("domains")
    @classmethod
    def _domains(cls, domains: list[str]) -> list[str]:
        return [_known_domain(domain) for domain in dict.fromkeys(domains)]

    @field_validator("availability")
    @classmethod
    def _availability(cls, availability: str) -> str:
        if availability not in AVAILABILITIES:
            raise keyed(WijkzichtError(key="error.rule.use_one_of", choices=", ".join(AVAILABILITIES)))
        return availability


class RequestIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    focus_area_id: Annotated[int, Field(ge=1, le=2**31 - 1)]
    area_code: codes.AnyCodeOrBlank = ""
    domain: str
    question: Annotated[str, Field(min_length=10, max_length=5000)]
    urgency: str = "normal"

    @field_validator("domain")
    @classmethod
    def _domain(cls, domain: str) -> str:
        return _known_domain(domain)

    @field_validator("urgency")
    @classmethod
    def _urgency(cls, urgency: str) -> str:
        if urgency not in URGENCIES:
            raise keyed(WijkzichtError(key="error.rule.use_one_of", choices=", ".join(URGENCIES)))
        return urgency


class StepIn(BaseModel):
    """One step in a request's course: assign (expert_id), answer (answer) or close (evaluation)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    step: Annotated[str, Field(pattern="^(assign|answer|close)$")]
    version: Annotated[int, Field(ge=1, le=2**31 - 1)]
    expert_id: Annotated[int | None, Field(ge=1, le=2**31 - 1)] = None
    answer: Annotated[str, Field(max_length=10_000)] = ""
    evaluation: Annotated[str, Field(max_length=2000)] = ""


# --- Experts --------------------------------------------------------------------------------------


def experts(session: Session, actor: Actor) -> list[Expert]:
    require_account(actor, "expert pool")
    return list(session.scalars(select(Expert).order_by(Expert.name, Expert.id)))


def add_expert(session: Session, actor: Actor, data: ExpertIn) -> Expert:
    authorise(actor, "manage")
    expert = Expert(**data.model_dump())
    session.add(expert)
    session.flush()
    return expert


# --- Requests -------------------------------------------------------------------------------------


def file_request(session: Session, actor: Actor, data: RequestIn) -> SupportRequest:
    require_contributor(session, actor, data.focus_area_id)
    request = SupportRequest(**data.model_dump(), status="open", requested_by=actor.username)
    session.add(request)
    session.flush()
    return request


def requests(session: Session, actor: Actor) -> list[SupportRequest]:
    """The requests of every focus area the actor may read, open ones first, most urgent first."""
    require_account(actor, "expert pool")
    everything = session.scalars(select(SupportRequest).order_by(SupportRequest.id.desc()))
    order = {"open": 0, "assigned": 1, "answered": 2, "closed": 3}
    urgency = {"high": 0, "normal": 1, "low": 2}
    return sorted(
        (r for r in everything if allowed(actor, "read", r.focus_area_id)),
        key=lambda r: (order[r.status], urgency[r.urgency]),
    )


def get_request(session: Session, actor: Actor, request_id: int) -> SupportRequest:
    request = session.get(SupportRequest, request_id)
    if request is None or not allowed(actor, "read", request.focus_area_id):
        raise NotFoundError(key="error.record.missing", kind="request", record_id=request_id)
    return request


def take_step(session: Session, actor: Actor, request_id: int, data: StepIn) -> SupportRequest:
    request = get_request(session, actor, request_id)
    expected, next_status = STEPS.get(request.status, (None, None))
    if data.step != expected:
        raise WijkzichtError(key="error.pool.step", field="step", status=request.status, step=data.step)
    # the coordinator assigns and answers; the area's own people close and evaluate
    authorise(actor, "comment" if data.step == "close" else "manage", request.focus_area_id)
    if request.version != data.version:
        raise ConflictError(
            key="error.record.stale",
            kind="request",
            record_id=request_id,
            current=request.version,
            yours=data.version,
        )
    if data.step == "assign":
        if data.expert_id is None or session.get(Expert, data.expert_id) is None:
            raise WijkzichtError(key="error.pool.no_expert", field="expert_id", expert_id=data.expert_id)
        request.expert_id = data.expert_id
    elif data.step == "answer":
        if not data.answer:
            raise WijkzichtError(key="error.pool.answer", field="answer")
        request.answer = data.answer
    else:
        request.evaluation = data.evaluation
    request.status = next_status  # type: ignore[assignment]
    session.flush()
    return request


# --- Matching -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Suggestion:
    expert: Expert
    shared_words: list[str]  # words of the question found in the expert's expertise (stemmed)


def suggestions(session: Session, actor: Actor, request: SupportRequest) -> list[Suggestion]:
    """Experts for the request's domain who are not unavailable: the available before the limited, then by
    how many of the question's words their expertise shares."""
    question = set(search.words(request.question))
    found = [
        Suggestion(expert, sorted(question & set(search.words(expert.expertise))))
        for expert in experts(session, actor)
        if request.domain in expert.domains and expert.availability != "unavailable"
    ]
    found.sort(key=lambda s: (s.expert.availability != "available", -len(s.shared_words), s.expert.name))
    return found[:MAX_SUGGESTIONS]
