"""How DuckDB's Python binding reads the parameters of a query, and what that costs a short command.

DuckDB (1.5) compares every parameter value with pandas' missing-value markers (`pandas.NaT`, `pandas.NA`)
before it looks at the value's type, and imports pandas for that comparison: the first query with a
parameter costs a third of a second of CPU, whatever the value (duckdb-python, `GetPythonObjectType`).
A value can only be one of pandas' markers when pandas is loaded; while it is not, DuckDB may as well
find pandas missing, which it accepts (pandas is optional to it) and then skips the comparison.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager

PANDAS = "pandas"


@contextmanager
def parameters_without_pandas() -> Iterator[None]:
    """Queries with parameters that do not import pandas, for a command that uses no pandas itself.

    Within the block pandas cannot be imported (a `None` in `sys.modules` makes the import fail at once),
    unless it was loaded before; afterwards it imports as usual. Only for a single-threaded command: a
    thread that wants pandas meanwhile would find it missing."""
    if PANDAS in sys.modules:
        yield
        return
    sys.modules[PANDAS] = None  # type: ignore[assignment]
    try:
        yield
    finally:
        if sys.modules.get(PANDAS, PANDAS) is None:
            del sys.modules[PANDAS]


def never_pandas() -> None:
    """For a process that uses no pandas at all, for good: a web server, whose every worker paid the import
    on the first request with a parameter (a third of a second of CPU while that request and those queued
    behind it waited). Nothing in wijkzicht but the build (R data) loads pandas, and a server never builds."""
    if PANDAS not in sys.modules:
        sys.modules[PANDAS] = None  # type: ignore[assignment]
