"""Alembic environment: run programmatically by `wijkzicht.programmes.database` with an engine."""

from __future__ import annotations

from alembic import context

from wijkzicht.programmes.models import Base
from wijkzicht.wijkwijzer.search import included_in_comparison  # also registers wijkwijzer's models

engine = context.config.attributes["engine"]

with engine.connect() as connection:
    # batch mode rebuilds SQLite tables for ALTERs it cannot do in place
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        include_name=included_in_comparison,
    )
    with context.begin_transaction():
        context.run_migrations()
    connection.commit()
