"""The operational database: an engine and sessions from a SQLAlchemy URL, and its Alembic migrations.

SQLite (a file beside the warehouse) is the embedded default; PostgreSQL serves a shared installation.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from importlib import resources
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from wijkzicht import config
from wijkzicht.errors import WijkzichtError

URL_ENV = "WIJKZICHT_PROGRAMMES_DB"


def database_url(flag: str | None = None, warehouse: Path | None = None) -> str:
    """--programmes-db, $WIJKZICHT_PROGRAMMES_DB, or programmes.sqlite beside the warehouse file."""
    if flag:
        return flag
    if os.environ.get(URL_ENV):
        return os.environ[URL_ENV]
    return f"sqlite:///{config.database_path(warehouse).parent / 'programmes.sqlite'}"


def make_engine(url: str) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_engine(url, pool_pre_ping=True)
    if parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, connect_args={"timeout": 15})

    @event.listens_for(engine, "connect")
    def _sqlite_settings(connection: object, _record: object) -> None:
        cursor = connection.cursor()  # type: ignore[attr-defined]
        # WAL lets readers work beside one writer; FULL sync makes every commit durable on disk.
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = FULL")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.close()

    return engine


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One unit of work: committed when the block ends, rolled back on any error."""
    with factory() as session, session.begin():
        yield session


# --- Migrations ----------------------------------------------------------------------------------


def _alembic_config(engine: Engine) -> Config:
    alembic = Config()
    alembic.set_main_option("script_location", str(resources.files("wijkzicht.programmes") / "migrations"))
    alembic.attributes["engine"] = engine
    return alembic


def upgrade(engine: Engine, revision: str = "head") -> None:
    command.upgrade(_alembic_config(engine), revision)


def downgrade(engine: Engine, revision: str = "base") -> None:
    command.downgrade(_alembic_config(engine), revision)


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def head_revision(engine: Engine) -> str | None:
    return ScriptDirectory.from_config(_alembic_config(engine)).get_current_head()


def require_current(engine: Engine) -> None:
    """A shared database is migrated on purpose, never by whichever process starts first."""
    current, head = current_revision(engine), head_revision(engine)
    if current != head:
        raise WijkzichtError(
            f"the programmes database is at revision {current or 'none'}, this wijkzicht expects {head}: "
            "run `wijkzicht programmes migrate`"
        )
