"""Alembic environment: run programmatically by `wijkzicht.programmes.database` with an engine."""

from __future__ import annotations

from alembic import context

from wijkzicht.programmes.database import included_in_comparison
from wijkzicht.programmes.models import Base

# Base's metadata holds Wijkwijzer's models too once the app or a test has imported them; this environment,
# in the programmes layer, does not import them itself (a lower layer never imports a higher one).

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
