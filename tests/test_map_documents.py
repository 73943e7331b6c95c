"""The map's values documents the build stores (`kaart.store_map_documents`, run by `wijkzicht build`): byte
for byte the documents the server makes per request, and served as such."""

from __future__ import annotations

import gzip
import shutil
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest
from fastapi.testclient import TestClient

from wijkzicht import warehouse
from wijkzicht.catalogue import load_catalogue
from wijkzicht.web.app import create_app
from wijkzicht.web.monitor import kaart


@pytest.fixture(scope="module")
def with_documents(warehouse_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the session's warehouse (built without the step) with the documents stored."""
    copy = tmp_path_factory.mktemp("documents") / "wijkzicht.duckdb"
    shutil.copyfile(warehouse_path, copy)
    writer = warehouse.connect(copy, read_only=False)
    try:
        kaart.store_map_documents(writer, load_catalogue(), [])
    finally:
        writer.close()
    return copy


@pytest.fixture(scope="module")
def stored(with_documents: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    connection = warehouse.connect(with_documents)
    yield connection
    connection.close()


def test_every_stored_document_equals_the_one_made_per_request(
    stored: duckdb.DuckDBPyConnection, con: duckdb.DuckDBPyConnection
) -> None:
    rows = stored.execute("SELECT level, measure, language, body FROM map_documents").fetchall()
    measures = kaart.stored_measures(load_catalogue())
    assert len(rows) == 3 * len(measures) * 2
    for level, measure, language, body in rows:
        made = kaart._compressed(kaart.map_view(con, level, measure, None, None, None, language))
        assert bytes(body) == made, (level, measure, language)


def test_the_api_serves_the_stored_document_as_it_served_the_computed_one(
    with_documents: Path, stored: duckdb.DuckDBPyConnection, web: TestClient
) -> None:
    query = {"level": "buurt", "measure": "domain:health", "lang": "en"}
    body = kaart._stored_values(stored, "buurt", "domain:health", "en")
    assert body is not None
    with TestClient(create_app(with_documents)) as client:
        answer = client.get("/api/map/values", params=query)
    computed = web.get("/api/map/values", params=query)
    assert answer.status_code == computed.status_code == 200
    assert answer.content == computed.content == gzip.decompress(body)
    assert answer.json()["values"] and answer.json()["measure"] == "domain:health"
