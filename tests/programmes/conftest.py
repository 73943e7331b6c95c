"""Fixtures for programme steering: an empty operational database on SQLite and on a real PostgreSQL.

PostgreSQL is a throw-away cluster started here (initdb in a temporary folder, a free loopback port) and
stopped at the end. Without PostgreSQL's binaries the PostgreSQL cases are skipped locally, but fail in CI
(CI=true), so CI can never pass without having tested PostgreSQL.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from itertools import count
from pathlib import Path

import duckdb
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from programmes_helpers import PASSWORD, PEOPLE
from sqlalchemy import Engine

from wijkzicht.programmes import database
from wijkzicht.programmes.accounts import COMMAND_LINE, add_user
from wijkzicht.programmes.database import OperationalDatabase
from wijkzicht.programmes.seed import seed
from wijkzicht.web.app import create_app

ENGINES = ["sqlite", "postgresql"]
_database_numbers = count(1)


def _postgres_bin() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class PostgresCluster:
    """A private cluster. PostgreSQL refuses to run as root, so as root it runs as the `postgres` user."""

    def __init__(self, bin_dir: Path) -> None:
        self.bin_dir = bin_dir
        self.folder = Path(tempfile.mkdtemp(prefix="wijkzicht-pg-"))
        self.port = _free_port()
        self.user = "postgres" if os.geteuid() == 0 else None
        if self.user:
            shutil.chown(self.folder, self.user, self.user)

    def _run(self, *arguments: str) -> None:
        subprocess.run(
            [str(self.bin_dir / arguments[0]), *arguments[1:]],
            check=True,
            capture_output=True,
            user=self.user,
            cwd=self.folder,
        )

    def start(self) -> None:
        data = self.folder / "data"
        self._run("initdb", "-D", str(data), "-U", "wijkzicht", "--auth=trust", "-E", "UTF8", "--no-locale")
        options = f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=on"
        self._run("pg_ctl", "-D", str(data), "-o", options, "-l", str(self.folder / "log"), "-w", "start")

    def stop(self) -> None:
        self._run("pg_ctl", "-D", str(self.folder / "data"), "-m", "fast", "-w", "stop")
        shutil.rmtree(self.folder, ignore_errors=True)

    def url(self, name: str = "postgres") -> str:
        return f"postgresql+psycopg://wijkzicht@127.0.0.1:{self.port}/{name}"

    def new_database(self) -> str:
        import psycopg

        name = f"test_{next(_database_numbers)}"
        with psycopg.connect(f"host=127.0.0.1 port={self.port} user=wijkzicht dbname=postgres") as connection:
            connection.autocommit = True
            connection.execute(f"CREATE DATABASE {name}")
        return self.url(name)


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresCluster]:
    bin_dir = _postgres_bin()
    if bin_dir is None:
        message = "PostgreSQL binaries not found (Debian: apt-get install postgresql)"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{message}: CI must test PostgreSQL, not skip it")
        pytest.skip(message)
    cluster = PostgresCluster(bin_dir)
    cluster.start()
    yield cluster
    cluster.stop()


@pytest.fixture(params=ENGINES)
def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The URL of an empty database, once per engine."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'programmes.sqlite'}"
    return request.getfixturevalue("postgres").new_database()


@pytest.fixture
def engine(empty_url: str) -> Iterator[Engine]:
    """A migrated, empty operational database."""
    engine = database.make_engine(empty_url)
    database.upgrade(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def store(engine: Engine, con: duckdb.DuckDBPyConnection) -> Iterator[OperationalDatabase]:
    """A migrated operational database with the seed (focus areas, gemeenten, ministries)."""
    opened = OperationalDatabase.open(engine.url.render_as_string(hide_password=False))
    with opened.writing(COMMAND_LINE) as session:
        seed(session, con)
    yield opened
    opened.close()


@pytest.fixture
def app(store: OperationalDatabase, warehouse_path: Path) -> Iterator[FastAPI]:
    """The web application over the session's warehouse and this test's operational database, with one
    account per role (partner and area editor in Rotterdam-Zuid)."""
    with store.writing(COMMAND_LINE) as session:
        for role, (username, area) in PEOPLE.items():
            add_user(
                session,
                COMMAND_LINE,
                username=username,
                display_name=username.title(),
                role=role,
                password=PASSWORD,
                focus_area_id=area,
            )
    application = create_app(warehouse_path, store.engine.url.render_as_string(hide_password=False))
    with TestClient(application):  # runs the lifespan: the warehouse connection
        yield application
    application.state.programmes.close()
