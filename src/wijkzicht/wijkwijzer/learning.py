"""The knowledge and learning network: sessions (meetings, webinars, visits) with their topic, date,
participating organisations and the library entries they discussed. Published sessions are public; the
programme administrator records them."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from wijkzicht.errors import NotFoundError
from wijkzicht.programmes.accounts import Actor, allowed, authorise
from wijkzicht.wijkwijzer.models import Intervention, LearningSession


class SessionIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    topic: Annotated[str, Field(min_length=3, max_length=200)]
    held_on: date
    organisations: Annotated[
        list[Annotated[str, Field(min_length=1, max_length=200)]], Field(max_length=200)
    ] = []
    intervention_ids: Annotated[list[Annotated[int, Field(ge=1, le=2**31 - 1)]], Field(max_length=100)] = []
    summary: Annotated[str, Field(max_length=10_000)] = ""
    published: bool = False


def record(session: Session, actor: Actor, data: SessionIn) -> LearningSession:
    authorise(actor, "manage")
    for intervention_id in data.intervention_ids:
        if session.get(Intervention, intervention_id) is None:
            raise NotFoundError(
                key="error.reference.missing",
                field="intervention_ids",
                kind="intervention",
                record_id=intervention_id,
            )
    meeting = LearningSession(**data.model_dump())
    session.add(meeting)
    session.flush()
    return meeting


def sessions(session: Session, actor: Actor, intervention_id: int | None = None) -> list[LearningSession]:
    """The sessions the actor may see, newest first; with `intervention_id`, those that discussed it."""
    everything = session.scalars(select(LearningSession).order_by(LearningSession.held_on.desc()))
    return [
        meeting
        for meeting in everything
        if (meeting.published or allowed(actor, "read"))
        and (intervention_id is None or intervention_id in meeting.intervention_ids)
    ]
