"""Shared fixtures: the real data snapshot and one warehouse built from it for the whole session."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest
from fastapi.testclient import TestClient

from wijkzicht import warehouse
from wijkzicht.monitor.stored import build_warehouse
from wijkzicht.web.app import create_app

REPO = Path(__file__).resolve().parents[1]


def snapshot_path() -> Path:
    configured = os.environ.get("WIJKZICHT_SNAPSHOT")
    return Path(configured) if configured else REPO.parent / "shared" / "data"


@pytest.fixture(scope="session")
def snapshot() -> Path:
    path = snapshot_path()
    if not (path / "SOURCES.md").is_file():
        pytest.fail(
            f"the data snapshot is missing at {path}: set WIJKZICHT_SNAPSHOT or place shared/ beside the repo"
        )
    return path


@pytest.fixture(scope="session")
def warehouse_path(snapshot: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("warehouse") / "wijkzicht.duckdb"
    build_warehouse(path, [snapshot])
    return path


@pytest.fixture(scope="session")
def con(warehouse_path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    connection = warehouse.connect(warehouse_path)
    yield connection
    connection.close()


@pytest.fixture(scope="session")
def web(warehouse_path: Path) -> Iterator[TestClient]:
    """The web application over the session's warehouse, in-process (no server, no browser)."""
    with TestClient(create_app(warehouse_path)) as client:
        yield client
