"""`wijkzicht serve --workers 2`: two worker processes, each with its own read-only warehouse connection,
answering pages and the API, with one session key for all (a session made by one is valid at the other)."""

from __future__ import annotations

import gzip
import json
import multiprocessing
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import httpx
import pytest

from wijkzicht import config, warehouse
from wijkzicht.programmes.database import URL_ENV
from wijkzicht.web.app import app_from_environment, create_app

START_SECONDS = 120  # a shared two-core machine: workers import the app and open the warehouse slowly


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def two_workers(warehouse_path: Path, tmp_path: Path) -> Iterator[tuple[str, subprocess.Popen[str]]]:
    port = free_port()
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "wijkzicht",
            "serve",
            "--workers",
            "2",
            "--port",
            str(port),
            "--db",
            str(warehouse_path),
            "--programmes-db",
            f"sqlite:///{tmp_path / 'programmes.sqlite'}",
        ],
        env={**os.environ, "WIJKZICHT_LANG": "nl"},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_until_answering(base, server)
        yield base, server
    finally:
        server.terminate()
        server.wait(timeout=60)


def _wait_until_answering(base: str, server: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise AssertionError(f"serve stopped: {server.stdout.read() if server.stdout else ''}")
        try:
            if httpx.get(f"{base}/api/areas/GM0599", timeout=5).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.5)
    raise AssertionError("serve --workers 2 did not answer in time")


def worker_processes(pid: int) -> list[str]:
    """The server's worker processes: children of the command's process that multiprocessing spawned (not
    its resource tracker, also a child)."""
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    return [child for child in children if b"spawn_main" in Path(f"/proc/{child}/cmdline").read_bytes()]


def test_two_workers_answer_pages_and_the_api_with_one_session_key(
    two_workers: tuple[str, subprocess.Popen[str]],
) -> None:
    base, server = two_workers
    assert len(worker_processes(server.pid)) == 2
    # Each request on a new connection, so the kernel hands them to either worker (one kept-alive
    # connection would stay with one worker).
    close = {"Connection": "close"}
    with httpx.Client(base_url=base, timeout=60, headers=close) as client:
        answers = [client.get(path) for path in ("/", "/api/areas/GM0599", "/gebied/GM0599") * 4]
        assert {answer.status_code for answer in answers} == {200}
        assert answers[1].json()["name"] == "Rotterdam"
        # A login page sets the session (and its CSRF token); signed with the key every worker reads from
        # the programme database, so whichever worker answers next accepts it: the token stays the same.
        tokens = {_csrf_token(client.get("/inloggen").text) for _ in range(8)}
        assert len(tokens) == 1 and None not in tokens


def _csrf_token(page: str) -> str | None:
    marker = 'name="csrf_token" value="'
    start = page.find(marker)
    return page[start + len(marker) : page.index('"', start + len(marker))] if start >= 0 else None


def test_each_worker_queries_on_its_share_of_the_processors(
    warehouse_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(os, "cpu_count", lambda: 4)
    assert [config.query_threads(workers) for workers in (1, 2, 3, 4, 8)] == [4, 2, 1, 1, 1]
    # A worker of `serve --workers 4` learns its number of siblings from the environment the command set.
    monkeypatch.setenv(config.WORKERS_ENV, "4")
    monkeypatch.setenv(config.DB_ENV, str(warehouse_path))
    monkeypatch.setenv(URL_ENV, f"sqlite:///{tmp_path / 'programmes.sqlite'}")
    threads = "SELECT current_setting('threads')"
    # One process opens a database file once, and the setting is the file's: each app is read in turn.
    worker = app_from_environment()
    assert worker.state.warehouse.execute(threads).fetchone()[0] == 1
    alone = create_app(warehouse_path, f"sqlite:///{tmp_path / 'programmes.sqlite'}")
    assert alone.state.warehouse.execute(threads).fetchone()[0] == 4
    alone.state.warehouse.execute("RESET threads")  # the file stays open for the session's other tests


OVERVECHT = "WK034403"  # Wijk 03 Overvecht, Utrecht
OVERVECHT_BUURT = "BU03440311"  # Taag- en Rubicondreef en omgeving, in Overvecht


def test_new_profiles_are_made_in_processes_of_their_own_behind_the_kept_answers(
    warehouse_path: Path, tmp_path: Path
) -> None:
    from fastapi.testclient import TestClient

    from wijkzicht.web.deps import MAKER_NICENESS, MOST_NICE, PROFILE_MAKERS, WarehouseCache

    app = create_app(warehouse_path, f"sqlite:///{tmp_path / 'programmes.sqlite'}")
    web = TestClient(app)
    before = set(multiprocessing.active_children())
    answered = web.get(f"/api/areas/{OVERVECHT}/profile?lang=en")
    plain = web.get(f"/api/areas/{OVERVECHT}/profile?lang=en", headers={"Accept-Encoding": "identity"})
    # the first new profile started the makers
    assert len(set(multiprocessing.active_children()) - before) == PROFILE_MAKERS
    unknown = web.get("/api/areas/WK999999/profile")
    makers = app.state.profile_makers.start()
    try:
        assert makers.submit(os.getpid).result() != os.getpid()
        if hasattr(os, "getpriority"):  # the makers yield the processor to the worker's answers
            niceness = makers.submit(os.getpriority, os.PRIO_PROCESS, 0).result()
            assert niceness == min(os.getpriority(os.PRIO_PROCESS, 0) + MAKER_NICENESS, MOST_NICE)
    finally:
        makers.shutdown()
    assert answered.status_code == 200
    # the profile a maker made is the one the worker would have made, and the worker keeps it
    made_here = WarehouseCache(app.state.warehouse).new_profile_gzip(OVERVECHT, "en")
    assert answered.json() == json.loads(gzip.decompress(made_here))
    assert answered.json()["area"]["name"] == "Wijk 03 Overvecht"
    # kept as it was sent: gzipped (the test client takes gzip)
    assert answered.headers["content-encoding"] == "gzip"
    assert gzip.decompress(app.state.cache.ready_profile_gzip(OVERVECHT, "en")) == answered.content
    assert plain.content == answered.content and "content-encoding" not in plain.headers
    assert plain.headers.get_list("vary") == answered.headers.get_list("vary") == ["Accept-Encoding"]
    # and a maker's refusal reaches the client as the worker's own would
    assert unknown.status_code == 404
    assert "WK999999" in unknown.json()["detail"]


def test_a_profile_the_build_stored_is_answered_without_a_maker(
    warehouse_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A stored profile is the API's answer as it is, and pages and factsheets read their profile back from
    it instead of making it: the profile made anew."""
    from fastapi.testclient import TestClient

    from wijkzicht.monitor.profile import area_profile
    from wijkzicht.web import deps
    from wijkzicht.web.deps import SIMILAR_SHOWN, STORED_PROFILES, WarehouseCache, store_profiles, stored_key

    database = tmp_path / "wijkzicht.duckdb"
    shutil.copy(warehouse_path, database)
    reported: list[tuple[int, int]] = []
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    store_profiles(
        database, scratch, lambda done, of: reported.append((done, of)), [OVERVECHT, OVERVECHT_BUURT]
    )
    assert reported == [(2, 2)]
    areas = [(code, language) for code in (OVERVECHT, OVERVECHT_BUURT) for language in ("en", "nl")]
    with warehouse.opened(database) as con:
        rows = dict(con.execute(f"SELECT key, body FROM {STORED_PROFILES}").fetchall())
    assert sorted(rows) == sorted(stored_key(code, language) for code, language in areas)
    stored = {(code, language): rows[stored_key(code, language)] for code, language in areas}
    # a profile is found through the key's index, not by reading the key column
    with warehouse.opened(database) as con:
        plan = con.execute(
            f"EXPLAIN ANALYZE SELECT body FROM {STORED_PROFILES} WHERE key = ?", [stored_key(OVERVECHT, "nl")]
        ).fetchall()
    assert "Type: Index Scan" in plan[0][1]
    app = create_app(database, f"sqlite:///{tmp_path / 'programmes.sqlite'}")
    web = TestClient(app)
    before = set(multiprocessing.active_children())
    answered = web.get(f"/api/areas/{OVERVECHT}/profile?lang=en")
    assert set(multiprocessing.active_children()) == before, "a stored profile needs no maker"
    # the worker keeps the stored bytes
    assert app.state.cache.ready_profile_gzip(OVERVECHT, "en") == stored[(OVERVECHT, "en")]
    assert answered.json() == json.loads(gzip.decompress(stored[(OVERVECHT, "en")]))
    assert answered.json()["area"]["name"] == "Wijk 03 Overvecht"
    # read back, each stored profile is the profile made anew, records, tuples and numbers alike; and
    # written again it is the stored document, byte for byte (gzip without a timestamp)
    with warehouse.opened(database) as con:
        made_anew = {
            (code, language): area_profile(con, code, language=language, similar_count=SIMILAR_SHOWN)
            for code, language in stored
        }
    monkeypatch.setattr(deps, "area_profile", _not_to_be_made)
    reading = WarehouseCache(app.state.warehouse)
    for (code, language), profile in made_anew.items():
        assert reading.profile(code, language) == profile, (code, language)
        assert reading.new_profile_gzip(code, language) == stored[(code, language)]
    monkeypatch.undo()
    # an area the build did not store is made by a maker, as without stored profiles
    other = web.get("/api/areas/WK034401/profile?lang=en")
    assert other.status_code == 200 and other.json()["area"]["code"] == "WK034401"
    assert set(multiprocessing.active_children()) - before
    app.state.profile_makers.close()


def _not_to_be_made(*arguments: object, **settings: object) -> None:
    raise AssertionError("a profile the build stored was made again")


def test_a_new_profile_page_has_its_content_made_by_a_maker(warehouse_path: Path, tmp_path: Path) -> None:
    """The profile page takes a new profile, and the content every visitor sees, from a maker as the API
    does; the worker keeps both, and a second visit is the same page from what was kept."""
    from fastapi.testclient import TestClient

    from wijkzicht.web.deps import PROFILE_MAKERS, WarehouseCache
    from wijkzicht.web.monitor.profile_content import ProfileContent

    app = create_app(warehouse_path, f"sqlite:///{tmp_path / 'programmes.sqlite'}")
    with TestClient(app) as web:
        before = set(multiprocessing.active_children())
        page = web.get(f"/gebied/{OVERVECHT}?lang=en")
        # no profile was asked for before: this page started the makers
        assert len(set(multiprocessing.active_children()) - before) == PROFILE_MAKERS
        again = web.get(f"/gebied/{OVERVECHT}?lang=en")
        plain = web.get(f"/gebied/{OVERVECHT}?lang=en", headers={"Accept-Encoding": "identity"})
        unknown = web.get("/gebied/WK999999")
    assert page.status_code == 200 and "Wijk 03 Overvecht" in page.text
    assert again.text == page.text == plain.text
    assert again.headers["content-encoding"] == "gzip" and "content-encoding" not in plain.headers
    assert again.headers.get_list("vary") == plain.headers.get_list("vary") == ["Accept-Encoding"]
    kept = app.state.cache.kept_page(OVERVECHT, "en")
    assert isinstance(kept, ProfileContent)
    assert kept.profile == WarehouseCache(app.state.warehouse).profile(OVERVECHT, "en")
    # the kept content is the page's, in English, between the site's header and footer
    top, rest = (part.inflated().decode() for part in (kept.top, kept.rest))
    assert 'id="stacking"' in top and 'id="sources"' in rest and "Scores per domain" in top
    assert page.text.index(top) < page.text.index(rest) < page.text.index("</main>")
    assert unknown.status_code == 404 and "WK999999" in unknown.text


# A worker that starts its profile makers, says so, and waits to be killed.
WORKER = """
import os, sys
from pathlib import Path
from wijkzicht.web.deps import ProfileMakers
ProfileMakers(Path(sys.argv[1])).start()
print("started", flush=True)
sys.stdin.read()
"""


def _running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"  # a zombie has ended (a container's first process may not collect it)


@pytest.mark.skipif(sys.platform != "linux", reason="reads a process's children from /proc")
def test_the_profile_makers_of_a_killed_worker_end_with_it(warehouse_path: Path) -> None:
    worker = subprocess.Popen(
        [sys.executable, "-c", WORKER, str(warehouse_path)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert worker.stdout is not None and worker.stdout.readline() == "started\n"
    children = Path(f"/proc/{worker.pid}/task/{worker.pid}/children").read_text().split()
    makers = [int(pid) for pid in children]
    assert len(makers) >= 2 and all(_running(pid) for pid in makers)
    worker.kill()  # no chance to stop its makers
    worker.wait()
    deadline = time.monotonic() + 30
    while any(_running(pid) for pid in makers) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not any(_running(pid) for pid in makers)


@pytest.mark.skipif(sys.platform != "linux", reason="reads a process's children from /proc")
def test_a_stopped_server_stops_its_profile_makers_in_order(
    two_workers: tuple[str, subprocess.Popen[str]],
) -> None:
    from wijkzicht.web.deps import PROFILE_MAKERS

    base, server = two_workers
    workers = worker_processes(server.pid)
    makers = [int(maker) for worker in workers for maker in worker_processes(int(worker))]
    assert len(makers) == len(workers) * PROFILE_MAKERS  # started with each worker, before any request
    with httpx.Client(base_url=base, timeout=60, headers={"Connection": "close"}) as client:
        codes = (OVERVECHT, "WK059901", "GM0599", "GM0344")
        assert {client.get(f"/api/areas/{code}/profile").status_code for code in codes} == {200}
    server.terminate()
    said = server.communicate(timeout=60)[0]
    assert not any(_running(pid) for pid in makers)
    assert "leaked" not in said  # multiprocessing's warning about what stopped makers left behind


def test_a_worker_gives_its_event_loop_the_interpreter_lock_soon(
    warehouse_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from wijkzicht.cli.serve import worker_app
    from wijkzicht.web.deps import SWITCH_INTERVAL_SECONDS

    monkeypatch.setenv(config.WORKERS_ENV, "2")
    monkeypatch.setenv(config.DB_ENV, str(warehouse_path))
    monkeypatch.setenv(URL_ENV, f"sqlite:///{tmp_path / 'programmes.sqlite'}")
    monkeypatch.setitem(sys.modules, "pandas", sys.modules.get("pandas"))  # a worker refuses pandas for good
    default = sys.getswitchinterval()
    try:
        worker = worker_app()
        # a kept answer waits at most this long for the lock behind a new profile, not Python's 5 ms
        assert sys.getswitchinterval() == pytest.approx(SWITCH_INTERVAL_SECONDS)
        assert default > SWITCH_INTERVAL_SECONDS
        worker.state.warehouse.execute("RESET threads")  # the file stays open for the session's other tests
    finally:
        sys.setswitchinterval(default)


def test_new_pages_are_made_in_turn_by_a_few_threads(con: duckdb.DuckDBPyConnection) -> None:
    import asyncio
    import threading
    from concurrent.futures import ThreadPoolExecutor

    from wijkzicht.web.deps import ANSWER_THREADS, WarehouseCache

    def made_by(cursor: duckdb.DuckDBPyConnection, page: int) -> str:
        cursor.execute("SELECT count(*) FROM area_years").fetchone()
        return threading.current_thread().name

    async def twelve_pages_at_once() -> list[str]:
        cache = WarehouseCache(con)
        return list(await asyncio.gather(*(cache.answer(made_by, page) for page in range(12))))

    # in a thread of its own with its own event loop (as a server's), whatever loop the tests run
    with ThreadPoolExecutor(1) as server:
        threads = set(server.submit(asyncio.run, twelve_pages_at_once()).result())
    # not a thread per page, as in the pool of a plain `def` endpoint: the pages wait their turn
    assert 1 <= len(threads) <= ANSWER_THREADS
    assert all(name.startswith("answers") for name in threads)


def test_a_new_application_prepares_its_routes_before_its_first_request(
    warehouse_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import fastapi.routing
    from fastapi.testclient import TestClient

    # FastAPI reads a route's parameters with this when it prepares the route
    reads: list[str] = []
    read_parameters = fastapi.routing.get_dependant

    def counted(*arguments: Any, **named: Any) -> Any:
        reads.append(named["call"].__name__)
        return read_parameters(*arguments, **named)

    monkeypatch.setattr(fastapi.routing, "get_dependant", counted)
    app = create_app(warehouse_path, f"sqlite:///{tmp_path / 'programmes.sqlite'}")
    at_start = len(reads)
    # the API's, the pages' and the map's routes are in routers of their own
    assert {"area_get", "rankings_page", "values_api"} <= set(reads)
    client = TestClient(app)
    for path in ("/api/areas/GM0599", "/ranglijst?level=gemeente", "/api/map/values?level=wijk"):
        assert client.get(path).status_code == 200
    assert reads[at_start:] == []  # no route was prepared on a request
