"""Alembic environment: run programmatically by `wijkzicht.programmes.database` with an engine.

The revisions are plain DDL for the whole operational database (programme steering and Wijkwijzer). The
environment imports no models: `tests/programmes/test_programmes_schema.py` compares the migrated database
with every model, so the store's layer never reaches up to the features whose tables it holds. A developer
who wants Alembic's autogenerate passes `target_metadata` and `include_name` as config attributes.
"""

from __future__ import annotations

from alembic import context

attributes = context.config.attributes
engine = attributes["engine"]

with engine.connect() as connection:
    # batch mode rebuilds SQLite tables for ALTERs it cannot do in place
    context.configure(
        connection=connection,
        target_metadata=attributes.get("target_metadata"),
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        include_name=attributes.get("include_name"),
    )
    with context.begin_transaction():
        context.run_migrations()
    connection.commit()
