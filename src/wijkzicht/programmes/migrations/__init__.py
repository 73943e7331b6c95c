"""The operational database's Alembic environment and revisions (a package, so import-linter sees them)."""
