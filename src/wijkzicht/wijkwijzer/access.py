"""Who may use the support services (expert pool, help desk): accounts only, contributions per focus area."""

from __future__ import annotations

from sqlalchemy.orm import Session

from wijkzicht.errors import NotFoundError
from wijkzicht.programmes.accounts import Actor, authorise
from wijkzicht.programmes.errors import ForbiddenError
from wijkzicht.programmes.models import FocusArea


def require_account(actor: Actor, service: str) -> None:
    if actor.is_public:
        raise ForbiddenError(key="error.wijkwijzer.login", service=service)


def require_contributor(session: Session, actor: Actor, focus_area_id: int) -> None:
    """The focus area exists and the actor may contribute to it (as with comments)."""
    if session.get(FocusArea, focus_area_id) is None:
        raise NotFoundError(
            key="error.reference.missing", field="focus_area_id", kind="focus area", record_id=focus_area_id
        )
    authorise(actor, "comment", focus_area_id)
