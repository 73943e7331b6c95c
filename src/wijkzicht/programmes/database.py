"""The operational database: an engine and sessions from a SQLAlchemy URL, and its Alembic migrations.

SQLite (a file beside the warehouse) is the embedded default; PostgreSQL serves a shared installation.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Connection, Engine, create_engine, event, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from wijkzicht import config
from wijkzicht.errors import WijkzichtError
from wijkzicht.programmes import audit
from wijkzicht.programmes.accounts import Actor
from wijkzicht.programmes.errors import ConflictError

if TYPE_CHECKING:
    from alembic.config import Config

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
        connection.isolation_level = None  # type: ignore[attr-defined]  # we say BEGIN ourselves, below
        cursor = connection.cursor()  # type: ignore[attr-defined]
        # WAL lets readers work beside one writer; FULL sync makes every commit durable on disk.
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = FULL")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection: Connection) -> None:
        # A writer takes the write lock before it reads, so it reads the latest version and a concurrent edit
        # is a clean version conflict, not a "database is locked" on a stale snapshot.
        immediate = connection.get_execution_options().get(WRITER_OPTION)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine


WRITER_OPTION = "wijkzicht_writer"


@dataclass(frozen=True)
class OperationalDatabase:
    """The engine with a session factory for reading and one for writing (audited, version-checked)."""

    engine: Engine
    reader: sessionmaker[Session]
    writer: sessionmaker[Session]

    @classmethod
    def open(cls, url: str) -> OperationalDatabase:
        engine = make_engine(url)
        writer = sessionmaker(engine.execution_options(**{WRITER_OPTION: True}), expire_on_commit=False)
        audit.install(writer)
        return cls(engine, sessionmaker(engine, expire_on_commit=False), writer)

    @contextmanager
    def reading(self) -> Iterator[Session]:
        with self.reader() as session, session.begin():
            yield session

    @contextmanager
    def writing(self, actor: Actor) -> Iterator[Session]:
        """One unit of work by `actor`: committed with its audit entries when the block ends, else undone."""
        try:
            with self.writer() as session, session.begin():
                audit.act_as(session, actor)
                yield session
        except StaleDataError:
            raise ConflictError(key="error.record.meanwhile") from None
        except IntegrityError as error:  # a rule only the database can check at once, e.g. a unique name
            raise WijkzichtError(key="error.database.refused", reason=str(error.orig).strip()) from None

    def close(self) -> None:
        self.engine.dispose()


# --- Migrations ----------------------------------------------------------------------------------

# Names a migration made by hand for Wijkwijzer's search (the FTS5 table and its shadow tables, the tsvector
# column and its index): no model declares them, so a comparison of models and database leaves them out.
HAND_MADE_NAMES = ("intervention_search", "search_vector", "ix_interventions_search_vector")


def included_in_comparison(name: str | None, type_: str, _parents: object) -> bool:
    """For Alembic's comparison of models and database: everything but the hand-made search objects."""
    return not (name and name.startswith(HAND_MADE_NAMES))


# The newest migration (tests/programmes/test_programmes_schema.py holds it to Alembic's head). Alembic is
# imported only when a database is not at it: the import alone cost every command a tenth of a second.
HEAD_REVISION = "0004"


def _alembic_config(engine: Engine) -> Config:
    from alembic.config import Config

    alembic = Config()
    alembic.set_main_option("script_location", str(resources.files("wijkzicht.programmes") / "migrations"))
    alembic.attributes["engine"] = engine
    return alembic


def upgrade(engine: Engine, revision: str = "head") -> None:
    if revision == "head" and stored_revision(engine) == HEAD_REVISION:
        return  # already there: nothing for Alembic to do
    from alembic import command

    command.upgrade(_alembic_config(engine), revision)


def downgrade(engine: Engine, revision: str = "base") -> None:
    from alembic import command

    command.downgrade(_alembic_config(engine), revision)


def stored_revision(engine: Engine) -> str | None:
    """The revision Alembic recorded in the database, read without Alembic; None for a new database."""
    with engine.connect() as connection:
        if not inspect(connection).has_table("alembic_version"):
            return None
        return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()


def current_revision(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def head_revision(engine: Engine) -> str | None:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(_alembic_config(engine)).get_current_head()


def require_current(engine: Engine) -> None:
    """A shared database is migrated on purpose, never by whichever process starts first."""
    current, head = current_revision(engine), head_revision(engine)
    if current != head:
        raise WijkzichtError(
            f"the programmes database is at revision {current or 'none'}, this wijkzicht expects {head}: "
            "run `wijkzicht programmes migrate`"
        )
