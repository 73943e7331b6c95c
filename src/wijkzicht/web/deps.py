"""What every request needs: a cursor on the warehouse and the language."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated, Literal

import duckdb
from fastapi import Depends, Query, Request


def warehouse_cursor(request: Request) -> Iterator[duckdb.DuckDBPyConnection]:
    """A cursor per request: DuckDB connections are not shared across threads, cursors are cheap."""
    cursor = request.app.state.warehouse.cursor()
    try:
        yield cursor
    finally:
        cursor.close()


Warehouse = Annotated[duckdb.DuckDBPyConnection, Depends(warehouse_cursor)]
Language = Annotated[Literal["nl", "en"], Query(description="Language of labels and texts")]
