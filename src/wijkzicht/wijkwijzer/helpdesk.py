"""The help desk (vraagbaak): partners' questions with category, status, assignee and answer; an answered
question can be published to the library as a frequently asked question (a library entry of kind `faq`).

A partner or area editor asks for its own focus area; the programme administrator answers and publishes;
the area's people and national analysts read. Questions themselves are never public: only the FAQ entry
made from one is, and only the text the administrator publishes.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, field_validator
from sqlalchemy import select
from sqlalchemy.orm import Session

from wijkzicht.catalogue import load_catalogue
from wijkzicht.errors import NotFoundError, WijkzichtError
from wijkzicht.programmes.accounts import Actor, allowed, authorise
from wijkzicht.programmes.errors import ConflictError
from wijkzicht.programmes.schemas import keyed
from wijkzicht.wijkwijzer import library
from wijkzicht.wijkwijzer.access import require_account, require_contributor
from wijkzicht.wijkwijzer.models import HELP_CATEGORIES, HelpQuestion

DatabaseId = Annotated[int, Field(ge=1, le=2**31 - 1)]


class QuestionIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    focus_area_id: DatabaseId
    category: str
    domain: str
    question: Annotated[str, Field(min_length=10, max_length=5000)]

    @field_validator("category")
    @classmethod
    def _category(cls, category: str) -> str:
        if category not in HELP_CATEGORIES:
            raise keyed(WijkzichtError(key="error.rule.use_one_of", choices=", ".join(HELP_CATEGORIES)))
        return category

    @field_validator("domain")
    @classmethod
    def _domain(cls, domain: str) -> str:
        if domain not in load_catalogue().domains:
            raise keyed(WijkzichtError(key="error.rule.unknown_domain", domain=domain))
        return domain


class AnswerIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    version: DatabaseId
    answer: Annotated[str, Field(min_length=1, max_length=10_000)]
    assignee: Annotated[str, Field(max_length=80)] = ""


class PublishIn(BaseModel):
    """The FAQ entry's wording: a question often names people or places that the public page must not."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    version: DatabaseId
    title: Annotated[str, Field(min_length=3, max_length=200)]
    summary: Annotated[str, Field(min_length=1, max_length=10_000)]


def ask(session: Session, actor: Actor, data: QuestionIn) -> HelpQuestion:
    require_contributor(session, actor, data.focus_area_id)
    question = HelpQuestion(**data.model_dump(), status="open", asked_by=actor.username)
    session.add(question)
    session.flush()
    return question


def questions(session: Session, actor: Actor) -> list[HelpQuestion]:
    require_account(actor, "help desk")
    everything = session.scalars(select(HelpQuestion).order_by(HelpQuestion.status.desc(), HelpQuestion.id))
    return [q for q in everything if allowed(actor, "read", q.focus_area_id)]


def get(session: Session, actor: Actor, question_id: int) -> HelpQuestion:
    question = session.get(HelpQuestion, question_id)
    if question is None or not allowed(actor, "read", question.focus_area_id):
        raise NotFoundError(key="error.record.missing", kind="question", record_id=question_id)
    return question


def _editable(session: Session, actor: Actor, question_id: int, version: int) -> HelpQuestion:
    question = get(session, actor, question_id)
    authorise(actor, "manage", question.focus_area_id)
    if question.version != version:
        raise ConflictError(
            key="error.record.stale",
            kind="question",
            record_id=question_id,
            current=question.version,
            yours=version,
        )
    return question


def answer(session: Session, actor: Actor, question_id: int, data: AnswerIn) -> HelpQuestion:
    question = _editable(session, actor, question_id, data.version)
    question.answer, question.status = data.answer, "answered"
    question.assignee = data.assignee or actor.username
    session.flush()
    return question


def publish(session: Session, actor: Actor, question_id: int, data: PublishIn) -> HelpQuestion:
    """Add the answered question to the library as a published FAQ entry (once)."""
    question = _editable(session, actor, question_id, data.version)
    if question.status != "answered":
        raise WijkzichtError(key="error.helpdesk.not_answered", field="status")
    if question.faq_id is not None:
        raise WijkzichtError(key="error.helpdesk.published", field="faq_id", faq_id=question.faq_id)
    entry = library.create(
        session,
        actor,
        library.InterventionIn(
            kind="faq",
            title=data.title,
            summary=data.summary,
            domains=[question.domain],
            published=True,
        ),
    )
    question.faq_id = entry.id
    session.flush()
    return question
