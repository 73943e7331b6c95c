"""The operational database's migrations, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from wijkzicht.programmes import database
from wijkzicht.programmes.database import included_in_comparison
from wijkzicht.programmes.models import Base
from wijkzicht.wijkwijzer import models as wijkwijzer_models


def test_upgrade_builds_exactly_the_models_and_downgrade_removes_everything(empty_url: str) -> None:
    engine = database.make_engine(empty_url)
    assert database.current_revision(engine) is None
    database.upgrade(engine)
    assert database.current_revision(engine) == database.head_revision(engine) == database.HEAD_REVISION
    assert database.stored_revision(engine) == database.HEAD_REVISION
    with engine.connect() as connection:
        differences = compare_metadata(
            MigrationContext.configure(connection, opts={"include_name": included_in_comparison}),
            Base.metadata,
        )
    assert differences == [], "the migrations and the models disagree"
    assert wijkwijzer_models.Intervention.__tablename__ in Base.metadata.tables  # compared too
    assert set(Base.metadata.tables) <= set(inspect(engine).get_table_names())

    database.downgrade(engine)
    assert inspect(engine).get_table_names() == ["alembic_version"]
    assert database.current_revision(engine) is None
    assert database.stored_revision(engine) is None  # Alembic's table stays, empty
    database.upgrade(engine)  # and up again on the downgraded database
    assert database.current_revision(engine) == database.head_revision(engine)
    engine.dispose()


def test_a_database_at_head_skips_alembic_and_one_behind_is_upgraded(
    empty_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = database.make_engine(empty_url)
    database.upgrade(engine, "0003")
    assert database.stored_revision(engine) == "0003"
    database.upgrade(engine)  # the quick check must not mistake an older database for a current one
    assert database.current_revision(engine) == database.HEAD_REVISION

    def no_alembic(*_: object) -> None:
        raise AssertionError("Alembic was asked to upgrade a database already at head")

    monkeypatch.setattr(command, "upgrade", no_alembic)
    database.upgrade(engine)
    with pytest.raises(AssertionError):
        database.upgrade(engine, "0004")  # a revision asked for by name still goes through Alembic
    engine.dispose()
