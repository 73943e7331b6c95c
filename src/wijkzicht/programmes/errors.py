"""The errors of programme steering that have their own answer on the web."""

from __future__ import annotations

from wijkzicht.errors import WijkzichtError


class ForbiddenError(WijkzichtError):
    """The actor's role does not allow this action here (the web answers 403)."""


class ConflictError(WijkzichtError):
    """Someone else changed the record since it was read (the web answers 409)."""
