"""Programme steering in the app: the operational database opened (and for the embedded SQLite default,
migrated and seeded), sessions installed, and the domain's refusals answered as HTTP errors."""

from __future__ import annotations

import logging
from typing import Any

import duckdb
from fastapi import FastAPI, Request
from fastapi.responses import Response
from sqlalchemy import select

from wijkzicht.errors import WijkzichtError
from wijkzicht.programmes import accounts, database, seed
from wijkzicht.programmes.database import OperationalDatabase
from wijkzicht.programmes.errors import ConflictError, ForbiddenError
from wijkzicht.programmes.models import FocusArea
from wijkzicht.web.render import error_message, error_response
from wijkzicht.web.security import install_sessions

LOGGER = logging.getLogger(__name__)


def install(app: FastAPI, url: str) -> None:
    """Open (and for SQLite, migrate) the operational database; add sessions and the error answers."""
    store = OperationalDatabase.open(url)
    if store.engine.dialect.name == "sqlite":
        database.upgrade(store.engine)  # the embedded default needs nothing started or run by hand
        _seed_when_empty(store, app.state.warehouse)
    else:
        database.require_current(store.engine)
    app.state.programmes = store
    install_sessions(app, store)
    app.add_exception_handler(ForbiddenError, _as_http(403))
    app.add_exception_handler(ConflictError, _as_http(409))


def _seed_when_empty(store: OperationalDatabase, warehouse: duckdb.DuckDBPyConnection) -> None:
    """A new embedded database starts with the programme's facts (`wijkzicht programmes seed`: the focus
    areas, their gemeenten, the ministries), so the first `wijkzicht serve` shows the focus areas."""
    with store.reading() as session:
        if session.scalar(select(FocusArea.id).limit(1)) is not None:
            return
    cursor = warehouse.cursor()
    try:
        with store.writing(accounts.COMMAND_LINE) as session:
            seed.seed(session, cursor)
    except WijkzichtError as error:
        # A warehouse without the 2024 wijken (only some tables fetched) still serves the monitor; the
        # programme pages start without focus areas until the seed can run.
        LOGGER.warning(
            "focus areas not seeded: %s; build with the 2024 wijken, then run `wijkzicht programmes seed`",
            error,
        )
    finally:
        cursor.close()


def _as_http(status: int) -> Any:
    async def handler(request: Request, error: WijkzichtError) -> Response:
        return error_response(request, status, error_message(request, error))

    return handler
