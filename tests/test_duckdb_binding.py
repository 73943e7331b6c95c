"""Queries with parameters in a command that keeps pandas out: the same answers, without loading pandas."""

from __future__ import annotations

import subprocess
import sys

# Each check runs in a fresh interpreter: the test process has loaded pandas long before.
PARAMETERS_WITHOUT_PANDAS = """
import sys
from datetime import date
from decimal import Decimal

import duckdb

from wijkzicht.warehouse.binding import parameters_without_pandas

con = duckdb.connect()
with parameters_without_pandas():
    print(con.execute(
        "SELECT ?, ?, ?, ?, ?, ?", ["GM0599", 2022, ["WK059901", "WK059902"], None, date(2022, 1, 1), Decimal("1.5")]
    ).fetchone())
    print(con.execute("SELECT $code = 'GM0599', $year", {"code": "GM0599", "year": None}).fetchone())
    print(sys.modules.get("pandas") is not None)  # loaded or not
print(con.execute("SELECT ?", ["after"]).fetchone(), type(sys.modules.get("pandas")).__name__)
"""

LOADED_BEFORE = """
import sys

import duckdb
import pandas

from wijkzicht.warehouse.binding import parameters_without_pandas

with parameters_without_pandas():
    print(sys.modules["pandas"] is pandas, duckdb.connect().execute("SELECT ?", [pandas.NA]).fetchone())
"""


def _output(script: str) -> list[str]:
    ran = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    return ran.stdout.splitlines()


def test_parameters_of_every_kind_bind_alike_without_loading_pandas_and_pandas_loads_after() -> None:
    assert _output(PARAMETERS_WITHOUT_PANDAS) == [
        "('GM0599', 2022, ['WK059901', 'WK059902'], None, datetime.date(2022, 1, 1), Decimal('1.5'))",
        "(True, None)",
        "False",
        "('after',) module",
    ]


def test_a_pandas_loaded_before_stays_and_its_missing_value_is_still_null() -> None:
    assert _output(LOADED_BEFORE) == ["True (None,)"]
