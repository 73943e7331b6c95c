"""What every request needs: a cursor on the warehouse and the language."""

from __future__ import annotations

import json
from collections.abc import Iterator
from functools import lru_cache
from typing import Annotated, Literal

import duckdb
from fastapi import Depends, Query, Request

from wijkzicht.areas import normalise_code
from wijkzicht.profile import Profile, area_profile


def warehouse_cursor(request: Request) -> Iterator[duckdb.DuckDBPyConnection]:
    """A cursor per request: DuckDB connections are not shared across threads, cursors are cheap."""
    cursor = request.app.state.warehouse.cursor()
    try:
        yield cursor
    finally:
        cursor.close()


Warehouse = Annotated[duckdb.DuckDBPyConnection, Depends(warehouse_cursor)]


class ProfileCache:
    """Area profiles by (code, language, number of similar areas), computed once per server.

    The warehouse is read-only while the server runs, so a profile cannot go stale; the cache is bounded.
    """

    def __init__(self, connection: duckdb.DuckDBPyConnection, size: int = 4096) -> None:
        self._connection = connection
        self.get = lru_cache(maxsize=size)(self._compute)
        self._json = lru_cache(maxsize=size)(self._serialise)

    def _compute(self, code: str, language: str, similar_count: int) -> Profile:
        cursor = self._connection.cursor()
        try:
            return area_profile(cursor, code, language=language, similar_count=similar_count)
        finally:
            cursor.close()

    def _serialise(self, code: str, language: str) -> bytes:
        return json.dumps(self(code, language).as_dict(), ensure_ascii=False).encode("utf-8")

    def __call__(self, code: str, language: str, similar_count: int = 5) -> Profile:
        return self.get(normalise_code(code), language, similar_count)

    def as_json(self, code: str, language: str) -> bytes:
        """The profile as the API sends it, serialised once."""
        return self._json(normalise_code(code), language)


def profile_cache(request: Request) -> ProfileCache:
    return request.app.state.profiles


Profiles = Annotated[ProfileCache, Depends(profile_cache)]
Language = Annotated[Literal["nl", "en"], Query(description="Language of labels and texts")]
