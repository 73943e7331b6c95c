"""Opening the warehouse file: read-only for every reader (the monitor, the server, the reports), or new for
the build; with the check that the file was written by this version's build.

Kept apart from the build (`builder`), whose readers of every source family a command that only reads the
warehouse does not need to load (`wijkzicht report` spent a twentieth of its CPU importing them).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

import duckdb

from wijkzicht.errors import WijkzichtError
from wijkzicht.warehouse.queries import literal

# Raised whenever the build writes tables or columns that readers rely on, so an old file gets a clear error.
SCHEMA_VERSION = 20
# Rows per row group of the warehouse's tables (DuckDB's default is 122,880); see `connect`.
ROW_GROUP_SIZE = 16_384


def connect(path: Path, *, read_only: bool = True, spatial: bool = True) -> duckdb.DuckDBPyConnection:
    """Open a warehouse (or a new file) with the spatial extension loaded from the installed wheel; a reader
    that touches no geometry may leave it out (`spatial=False`: loading it costs about a third of a second)."""
    if read_only and not path.exists():
        raise WijkzichtError(key="error.warehouse.missing", path=path)
    settings: dict[str, str | bool | int | float | list[str]] = {
        "autoinstall_known_extensions": "false",
        "autoload_known_extensions": "false",
    }
    if read_only:
        con = duckdb.connect(str(path), read_only=True, config=settings)
    else:
        # A new file is attached with small row groups: a page reads one area's few hundred rows of tables
        # of millions, and DuckDB scans a whole row group for them (16,384 rows instead of 122,880 make a
        # lookup of one area about three times cheaper; the file grows by a few per cent).
        # Spilled intermediate results beside the file, as DuckDB does for a file it opens itself (a
        # database in memory would spill to `.tmp` in the working directory, shared by every build there).
        con = duckdb.connect(config={**settings, "temp_directory": f"{path}.tmp"})
        con.execute(f"ATTACH {literal(str(path))} AS warehouse (ROW_GROUP_SIZE {ROW_GROUP_SIZE})")
        con.execute("USE warehouse")
    con.execute("SET enable_progress_bar = false")  # wijkzicht draws its own progress display
    if spatial:
        load_spatial(con)
    if read_only:
        _check_schema_version(con, path)
    return con


def _check_schema_version(con: duckdb.DuckDBPyConnection, path: Path) -> None:
    try:
        found = con.execute("SELECT schema_version FROM build_info").fetchone()
    except duckdb.Error:
        found = None
    if found is None or found[0] != SCHEMA_VERSION:
        con.close()
        raise WijkzichtError(key="error.warehouse.older", path=path)


def load_spatial(con: duckdb.DuckDBPyConnection) -> None:
    # The extension ships in a PyPI wheel; DuckDB must never try to download it (no internet here).
    from duckdb_extensions import import_extension

    try:
        con.execute("LOAD spatial")
    except duckdb.Error:
        import_extension("spatial", con=con)
        con.execute("LOAD spatial")


@contextlib.contextmanager
def opened(path: Path, *, spatial: bool = True) -> Iterator[duckdb.DuckDBPyConnection]:
    con = connect(path, spatial=spatial)
    try:
        yield con
    finally:
        con.close()
