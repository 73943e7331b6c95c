"""What every request needs: a cursor on the warehouse, the cache of its results and the language; and the
profile makers, which also make the profiles a build stores (`wijkzicht build --profiles`)."""

from __future__ import annotations

import asyncio
import gzip
import multiprocessing
import os
import sys
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterator
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from functools import cache, partial
from pathlib import Path
from typing import Annotated, TypeVar, cast

import duckdb
from fastapi import Depends, Request

from wijkzicht import config
from wijkzicht.codes import normalise
from wijkzicht.i18n import LANGUAGES
from wijkzicht.monitor import index, perception
from wijkzicht.monitor.index import Explanation
from wijkzicht.monitor.profile import Installation, Profile, area_profile
from wijkzicht.records import as_json, from_json, reader
from wijkzicht.warehouse.binding import never_pandas
from wijkzicht.warehouse.connection import connect
from wijkzicht.warehouse.queries import has_table, literal
from wijkzicht.web.compressed import gzipped


def warehouse_cursor(request: Request) -> Iterator[duckdb.DuckDBPyConnection]:
    """A cursor per request: DuckDB connections are not shared across threads, cursors are cheap."""
    cursor = request.app.state.warehouse.cursor()
    try:
        yield cursor
    finally:
        cursor.close()


Warehouse = Annotated[duckdb.DuckDBPyConnection, Depends(warehouse_cursor)]
T = TypeVar("T")


NOT_KEPT = object()
SIMILAR_SHOWN = 5  # similar areas on a profile


class KeptResults:
    """At most `size` results by key, the least recently used forgotten first; safe across threads (the
    requests of a worker run in a pool of them). Like `functools.lru_cache`, but a result can be looked up
    without computing it."""

    def __init__(self, size: int) -> None:
        self._size = size
        self._items: OrderedDict[Hashable, object] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> object:
        """The result kept under `key`, or `NOT_KEPT`."""
        with self._lock:
            found = self._items.get(key, NOT_KEPT)
            if found is not NOT_KEPT:
                self._items.move_to_end(key)
            return found

    def put(self, key: Hashable, value: object) -> None:
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            if len(self._items) > self._size:
                self._items.popitem(last=False)


class WarehouseCache:
    """Results of reads of the warehouse by their arguments, each computed once per server.

    The warehouse is read-only while the server runs, so a result cannot go stale; the cache is bounded.
    `cache(function, *arguments)` calls `function(cursor, *arguments)` on a fresh cursor the first time.
    """

    def __init__(self, connection: duckdb.DuckDBPyConnection, size: int = 4096, large: int = 48) -> None:
        self._connection = connection
        self._small = KeptResults(size)
        # Few large documents (a map's view of every buurt is megabytes) are kept apart, most recent first.
        self._large = KeptResults(large)
        self._profile_gzip = KeptResults(size)
        self._pages = KeptResults(size)  # the profile pages' content that is the same for every visitor
        self._installation: Installation | None = None
        self._has_stored_profiles: bool | None = None

    def _compute(self, function: Callable[..., T], *arguments: Hashable) -> T:
        cursor = self._connection.cursor()
        try:
            return function(cursor, *arguments)
        finally:
            cursor.close()

    def _read(self, kept: KeptResults, function: Callable[..., T], arguments: tuple[Hashable, ...]) -> T:
        key = (function, *arguments)
        found = kept.get(key)
        if found is NOT_KEPT:
            found = self._compute(function, *arguments)
            kept.put(key, found)
        return cast(T, found)

    def __call__(self, function: Callable[..., T], *arguments: Hashable) -> T:
        return self._read(self._small, function, arguments)

    def large(self, function: Callable[..., T], *arguments: Hashable) -> T:
        """As calling the cache, for a result too large to keep thousands of."""
        return self._read(self._large, function, arguments)

    async def answer(self, function: Callable[..., T], *arguments: Hashable, large: bool = False) -> T:
        """For an `async` endpoint: a result kept before is answered on the event loop, at once; a new one is
        computed by one of the worker's `ANSWER_THREADS`. A kept answer then waits for no thread behind the
        new work of others: a ranking page asked again cost the server 2.7 ms of CPU through a thread and
        0.9 ms on the loop, and at 20 clients its median latency fell from 23 to 9 ms."""
        kept = self._large if large else self._small
        found = kept.get((function, *arguments))
        if found is not NOT_KEPT:
            return cast(T, found)
        return await asyncio.get_running_loop().run_in_executor(
            _answer_threads(), partial(self._read, kept, function, arguments)
        )

    def profile(self, code: str, language: str, similar_count: int = SIMILAR_SHOWN) -> Profile:
        return self(self._area_profile, normalise(code), language, similar_count)

    def _area_profile(
        self, cursor: duckdb.DuckDBPyConnection, code: str, language: str, similar_count: int
    ) -> Profile:
        if similar_count == SIMILAR_SHOWN and self.has_stored_profiles():
            stored = _stored_profile(cursor, code, language)
            if stored is not None:
                return _profile_of_document(gzip.decompress(stored))
        return area_profile(
            cursor,
            code,
            language=language,
            similar_count=similar_count,
            installation=self.installation(),
            explain_gemeente=self._explained,
        )

    def new_profile(self, code: str, language: str) -> Profile:
        """`profile`, made without keeping it: a profile maker's, whose worker keeps it."""
        return self._compute(self._area_profile, normalise(code), language, SIMILAR_SHOWN)

    def keep_profile(self, code: str, language: str, profile: Profile) -> None:
        """Keep a profile made elsewhere (by a `ProfileMakers` process) as if made here."""
        self._small.put((self._area_profile, normalise(code), language, SIMILAR_SHOWN), profile)

    def keep_page(self, code: str, language: str, content: object) -> None:
        """Keep what an area's profile page shows every visitor (made by a `ProfileMakers` process)."""
        self._pages.put((normalise(code), language), content)

    def kept_page(self, code: str, language: str) -> object:
        """What `keep_page` kept for the area and language, or `NOT_KEPT`."""
        return self._pages.get((normalise(code), language))

    def _explained(
        self, cursor: duckdb.DuckDBPyConnection, code: str, selection: index.Selection
    ) -> Explanation:
        """A gemeente's scores, computed once for the profiles of all its wijken and buurten."""
        return self(index.explain_stored, code, selection)

    def installation(self) -> Installation:
        """What every profile shares, read on the first profile asked for."""
        if self._installation is None:
            self._installation = self._compute(Installation.read)
        return self._installation

    def new_profile_gzip(self, code: str, language: str) -> bytes:
        """The profile as the API sends it, with perception beside the facts and the divergent themes,
        serialised and gzipped, without keeping the profile: a profile maker's, whose worker keeps it (it is
        the API's most requested document: gzipping a wijk's 97 kB on every answer cost 1.7 ms of CPU, about
        what the rest of the answer cost)."""
        return gzipped(_profile_document(self.new_profile(code, language)))

    def keep_profile_gzip(self, code: str, language: str, body: bytes) -> None:
        """Keep a profile made elsewhere (by a `ProfileMakers` process) as if made here."""
        self._profile_gzip.put((normalise(code), language), body)

    def ready_profile_gzip(self, code: str, language: str) -> bytes | None:
        """The gzipped profile if it was made before, without touching the warehouse."""
        found = self._profile_gzip.get((normalise(code), language))
        return None if found is NOT_KEPT else cast(bytes, found)

    def has_stored_profiles(self) -> bool:
        """Whether the build stored the API's profiles (read once)."""
        if self._has_stored_profiles is None:
            self._has_stored_profiles = self._compute(has_table, STORED_PROFILES)
        return self._has_stored_profiles

    async def stored_profile_gzip(self, code: str, language: str) -> bytes | None:
        """The gzipped profile stored by the build (`wijkzicht build --profiles`), kept as if made here; None
        when the warehouse holds none for the area. Read by one of the worker's `ANSWER_THREADS`."""
        if not self.has_stored_profiles():
            return None
        body = await asyncio.get_running_loop().run_in_executor(
            _answer_threads(), partial(self._compute, _stored_profile, normalise(code), language)
        )
        if body is not None:
            self.keep_profile_gzip(code, language, body)
        return body


# The API's profiles stored whole by the build, when asked (`wijkzicht build --profiles`): a profile never
# asked before is then one lookup (about 1 ms) instead of 18 ms of a maker's CPU, and the profile pages and
# factsheets read their profile back from it (`_profile_of_document`). The table holds every area of every
# boundary year in both languages: about 270 MB and 11 minutes of CPU for the snapshot's 20,450 areas.
STORED_PROFILES = "stored_profiles"
STORED_PROFILES_CHUNK = 100  # areas a maker makes at a time (both languages)
STORED_PROFILES_REPORTED = 1000  # areas between two reports of how far the step is (a line each in a log)


def stored_key(code: str, language: str) -> str:
    """The row of an area's profile in a language: one column, the table's primary key. DuckDB finds a value
    of one indexed column through its index, and reads the rest of a column otherwise: with the code and
    the language in columns of their own a lookup took 1.1-1.4 ms (the profile in pieces of 1,000 bytes, a
    whole one 5.3 ms); through the key's index 0.7-0.9 ms, whole or in pieces."""
    return f"{code}/{language}"


def _stored_profile(con: duckdb.DuckDBPyConnection, code: str, language: str) -> bytes | None:
    found = con.execute(
        f"SELECT body FROM {STORED_PROFILES} WHERE key = ?", [stored_key(code, language)]
    ).fetchone()
    return bytes(found[0]) if found else None


def store_profiles(
    database: Path, scratch: Path, report: Callable[[int, int], None], codes: list[str] | None = None
) -> None:
    """A build step on the finished warehouse file (closed, so that makers can read it): the API's gzipped
    profile of every area (or of `codes`) in every language, made by as many makers as there are processors.
    They are gathered in a database of their own in `scratch` as they come (the warehouse is open to the
    makers, and all of them at once would be some 300 MB of memory), then stored in the warehouse sorted."""
    if codes is None:
        with connect(database, spatial=False) as con:
            codes = [
                row[0] for row in con.execute("SELECT DISTINCT code FROM area_years ORDER BY code").fetchall()
            ]
    chunks = [
        codes[start : start + STORED_PROFILES_CHUNK] for start in range(0, len(codes), STORED_PROFILES_CHUNK)
    ]
    gathered = scratch / "profiles.duckdb"
    makers = ProfileMakers(database, count=config.processors())
    try:
        with connect(gathered, read_only=False, spatial=False) as made:
            made.execute(f"CREATE TABLE {STORED_PROFILES} (key VARCHAR, body BLOB)")
            areas_made = 0
            for profiles in makers.start().map(_made_profiles, chunks):
                _insert_profiles(made, profiles)
                areas_made += len(profiles) // len(LANGUAGES)
                if areas_made % STORED_PROFILES_REPORTED == 0 or areas_made == len(codes):
                    report(areas_made, len(codes))
    finally:
        makers.close()
    with connect(database, read_only=False, spatial=False) as con:
        # written whole and sorted: inserted in turns, the table took twice the space on disk (582 MB for
        # 297 MB of profiles)
        con.execute(f"ATTACH {literal(str(gathered))} AS gathered (READ_ONLY)")
        con.execute(f"CREATE TABLE {STORED_PROFILES} (key VARCHAR PRIMARY KEY, body BLOB)")
        con.execute(f"INSERT INTO {STORED_PROFILES} SELECT * FROM gathered.{STORED_PROFILES} ORDER BY key")
        con.execute("DETACH gathered")
        con.execute("CHECKPOINT")


def _insert_profiles(con: duckdb.DuckDBPyConnection, profiles: list[tuple[str, str, bytes]]) -> None:
    """All in one statement (`executemany`, a row at a time, took 40 s for all profiles)."""
    con.execute(
        f"INSERT INTO {STORED_PROFILES} VALUES {', '.join(['(?, ?)'] * len(profiles))}",
        [value for code, language, body in profiles for value in (stored_key(code, language), body)],
    )


def _made_profiles(codes: list[str]) -> list[tuple[str, str, bytes]]:
    cache = makers_cache()
    return [
        (code, language, cache.new_profile_gzip(code, language)) for code in codes for language in LANGUAGES
    ]


def _profile_document(profile: Profile) -> bytes:
    # the profile's fields as they are: `as_json` writes the records in them (`as_dict` would copy them
    # first, for as long again as the writing)
    return as_json({**vars(profile), "perception": perception.comparison_document(profile)})


def _profile_of_document(document: bytes) -> Profile:
    """The profile that `_profile_document` wrote, read back (its perception, which the profile's figures
    give, is left out): for an area whose API profile the build stored, this takes about 1 ms; making the
    profile again took 12-18 ms. The build and the server are of one version (`SCHEMA_VERSION`), so the
    document has the profile's fields; read back it equals the profile made anew (tests/test_serve.py)."""
    return from_json(Profile, document)


# New profiles are made in processes of the worker's own, at a lower scheduling priority; a profile made
# before is answered on the worker's event loop. Made in threads of the worker, they held Python's
# interpreter lock, and at a lower priority the lock then also waited for the processor: beside cold traffic
# the warm readers' p99 was 1.58, 2.66 and 1.48 times their p99 alone (benchmarks/api_benchmark.py, 2
# workers, 20 clients); in processes 1.19, 0.71 and 1.04 (alternating runs), and the cold profiles came
# 73-81 a second instead of 49-58. Two per worker keep its share of the processors busy.
PROFILE_MAKERS = 2
MAKER_NICENESS = 10  # added to the server's own
MOST_NICE = 19


class ProfileMakers:
    """The processes that make an application's new profiles (`WarehouseCache.new_profile_gzip` for the API, the
    profile page's content with `made`), each on a read-only connection of its own to the warehouse. Started
    on the first new profile, or by `start`; they end with the worker process (or when the application is
    gone)."""

    def __init__(
        self, database: Path, prepare: Callable[[], None] | None = None, *, count: int = PROFILE_MAKERS
    ) -> None:
        """`prepare`: a module's function that each new maker runs before its first work (it imports what
        the maker's work needs, as a side effect of finding the function by name). `count`: the makers."""
        self._database = database
        self._prepare = prepare
        self._count = count
        self._pool: ProcessPoolExecutor | None = None
        self._lock = threading.Lock()

    def start(self) -> ProcessPoolExecutor:
        """The running makers, started now if they were not, each with its connection open."""
        with self._lock:
            if self._pool is None:
                self._pool = ProcessPoolExecutor(
                    self._count,
                    # a fresh interpreter: a copy of a serving worker's threads and connection would not work
                    mp_context=multiprocessing.get_context("spawn"),
                    initializer=_start_maker,
                    # the worker's own id: one that died while a maker was starting has no parent to ask
                    initargs=(self._database, os.getpid(), self._prepare),
                )
                for started in [self._pool.submit(os.getpid) for _ in range(self._count)]:
                    started.result()
            return self._pool

    def close(self) -> None:
        """Stop the makers in order (a new profile starts them again)."""
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(cancel_futures=True)

    async def profile_gzip(self, cache: WarehouseCache, code: str, language: str) -> bytes:
        """`cache.new_profile_gzip(code, language)`, made by a maker and kept in `cache`."""
        body = await self.made(_made_profile_gzip, code, language)
        cache.keep_profile_gzip(code, language, body)
        return body

    async def made(self, make: Callable[[str, str], T], code: str, language: str) -> T:
        """`make(code, language)`, run by a maker: `make` is a module's function, which the maker imports, and
        finds its warehouse in `makers_cache()`."""
        return await asyncio.get_running_loop().run_in_executor(self.start(), partial(make, code, language))


_MAKERS_CACHE: WarehouseCache | None = None  # in a maker process: its connection, and gemeenten's scores
WORKER_CHECK_SECONDS = 1.0


def _start_maker(database: Path, worker: int, prepare: Callable[[], None] | None) -> None:
    """In a new maker process: behind the server's own, on a connection of its own, and ready for its first
    profile (which would otherwise also wait for what every profile shares, and for `prepare`)."""
    global _MAKERS_CACHE
    if hasattr(os, "setpriority"):
        niceness = os.getpriority(os.PRIO_PROCESS, 0) + MAKER_NICENESS
        os.setpriority(os.PRIO_PROCESS, 0, min(niceness, MOST_NICE))
    never_pandas()
    threading.Thread(target=_end_with_worker, args=(worker,), name="worker-watch", daemon=True).start()
    # a profile draws nothing: without the spatial extension a maker starts 0.3 s sooner and holds 24 MB less
    connection = connect(database, spatial=False)
    connection.execute("SET threads = 1")  # the makers share the worker's share of the processors
    _MAKERS_CACHE = WarehouseCache(connection)
    _MAKERS_CACHE.installation()
    if _MAKERS_CACHE.has_stored_profiles():
        reader(Profile)  # the profiles it is asked for are read back from the build's documents
    if prepare is not None:
        prepare()


def _end_with_worker(worker: int) -> None:
    """End this maker when its worker is gone. A worker that ends in order stops its makers; one that is
    killed cannot, and its makers would otherwise wait for work for ever (each holds a copy of the end of
    the work queue that the worker writes to, so they never see it close)."""
    while os.getppid() == worker:
        time.sleep(WORKER_CHECK_SECONDS)
    os._exit(0)


def makers_cache() -> WarehouseCache:
    """In a profile maker's process: the cache of its own connection to the warehouse."""
    if _MAKERS_CACHE is None:
        raise RuntimeError("a profile maker's process was not started by `ProfileMakers`")
    return _MAKERS_CACHE


def _made_profile_gzip(code: str, language: str) -> bytes:
    return makers_cache().new_profile_gzip(code, language)


# Python hands its interpreter lock to a thread that waits for it only after the switch interval, 5 ms by
# default. The event loop takes the lock again after each wait for the network, and while new work held it,
# a reader of a kept answer waited up to that long each time: when new profiles were still made in the
# worker's threads, warm readers' p99 beside them was 2.0 times their p99 alone (median of 7 runs of
# benchmarks/api_benchmark.py); at 0.5 ms, 1.44 times (of 10). New values and ranking pages are still made
# in the worker's threads (`ANSWER_THREADS`).
SWITCH_INTERVAL_SECONDS = 0.0005


def prefer_kept_answers() -> None:
    """For a serving process: the event loop, with a kept answer to send, gets the interpreter lock from new
    work within `SWITCH_INTERVAL_SECONDS`."""
    sys.setswitchinterval(SWITCH_INTERVAL_SECONDS)


# New values and ranking pages are made in a few threads of the worker's own, in turn. In the pool of a
# plain `def` endpoint (40 threads) every page asked at the same time was made at once: they shared the
# processors and the interpreter lock, and all of them finished late. At 20 clients, the first pass over 100
# filter sets had a p99 of 128 ms in those 40 threads, 104 ms in 2 and 93 ms in 2 with the switch interval
# above; over 60 ranking pages 99, 80 and 83 ms (medians of 4 alternating runs).
ANSWER_THREADS = 2


@cache
def _answer_threads() -> ThreadPoolExecutor:
    # made on first use, in the worker process that uses it
    return ThreadPoolExecutor(ANSWER_THREADS, "answers")


async def warehouse_cache(request: Request) -> WarehouseCache:
    # async: resolved on the event loop, no thread needed to hand over an object
    return request.app.state.cache


async def profile_makers(request: Request) -> ProfileMakers:
    return request.app.state.profile_makers


Cache = Annotated[WarehouseCache, Depends(warehouse_cache)]
Makers = Annotated[ProfileMakers, Depends(profile_makers)]
