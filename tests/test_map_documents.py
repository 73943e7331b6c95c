"""The map's values documents the build stores (`kaart.store_map_documents`, run by `wijkzicht build`): byte
for byte the documents the server makes per request, and served as such, for every map a visitor can choose."""

from __future__ import annotations

import gzip
import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest
from fastapi.testclient import TestClient

from wijkzicht import warehouse
from wijkzicht.catalogue import load_catalogue
from wijkzicht.i18n import Translator
from wijkzicht.web.app import create_app
from wijkzicht.web.monitor import kaart


def sample_measures() -> list[str]:
    """The summary measures, the domains and every fifth indicator of the build's list (all of them take
    as long again as a build step and once more to compare): indicators with values at every level, scored
    and not, and some with none at the buurt level."""
    measures = kaart.stored_measures(load_catalogue())
    indicators = [measure for measure in measures if measure.startswith("indicator:")]
    return [measure for measure in measures if measure not in indicators] + indicators[::5]


@pytest.fixture(scope="module")
def with_documents(warehouse_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the session's warehouse (built without the step) with the sample's documents stored."""
    copy = tmp_path_factory.mktemp("documents") / "wijkzicht.duckdb"
    shutil.copyfile(warehouse_path, copy)
    writer = warehouse.connect(copy, read_only=False)
    try:
        kaart.store_map_documents(writer, load_catalogue(), [], measures=sample_measures())
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
    assert len(rows) == 3 * len(sample_measures()) * 2
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


def test_every_measure_of_the_map_menu_is_stored_by_the_build() -> None:
    catalogue = load_catalogue()
    offered = {
        measure
        for language in ("nl", "en")
        for _, options in kaart.measure_options(catalogue, Translator(language))
        for measure, _ in options
    }
    assert offered == set(kaart.stored_measures(catalogue))
    assert sum(measure.startswith("indicator:") for measure in offered) > 50


def test_the_map_page_shows_the_stored_document(
    with_documents: Path, stored: duckdb.DuckDBPyConnection, web: TestClient
) -> None:
    measure = next(m for m in sample_measures() if m.startswith("indicator:"))
    document = json.loads(gzip.decompress(kaart._stored_values(stored, "wijk", measure, "nl") or b""))
    shown = next(v for v in document["values"] if v["shown"])
    with TestClient(create_app(with_documents)) as client:
        page = client.get("/kaart", params={"level": "wijk", "measure": measure})
    computed = web.get("/kaart", params={"level": "wijk", "measure": measure})
    assert page.status_code == computed.status_code == 200
    assert page.text == computed.text
    assert shown["name"] in page.text and shown["shown"] in page.text
