"""Where wijkzicht finds its data and keeps its warehouse: flags, then environment, then defaults."""

from __future__ import annotations

import os
import re
from datetime import timedelta
from pathlib import Path

from wijkzicht.errors import WijkzichtError

SNAPSHOT_ENV = "WIJKZICHT_SNAPSHOT"
DB_ENV = "WIJKZICHT_DB"
CACHE_ENV = "WIJKZICHT_CACHE"
DEFAULT_SNAPSHOT = Path("../shared/data")
SESSION_IDLE_ENV = "WIJKZICHT_SESSION_IDLE_MINUTES"
SESSION_LIFETIME_ENV = "WIJKZICHT_SESSION_HOURS"
WORKERS_ENV = "WIJKZICHT_WORKERS"
BUILD_MEMORY_ENV = "WIJKZICHT_BUILD_MEMORY"
# Unless told otherwise the build's queries keep to a quarter of the machine's memory, at most 896 MiB, and
# spill the rest to disk: a national, multi-year warehouse is many times the snapshot, and the server keeps
# serving meanwhile. At 1 GiB the snapshot's build peaked at 1.56 GB, twice DuckDB's plain load of the same
# files, in the trend series; at 896 MiB the step needs no more CPU (benchmarks/build_benchmark.py).
BUILD_MEMORY_SHARE = 0.25
BUILD_MEMORY_MAX = 896 * 2**20
# A memory size as DuckDB reads it: a number and a unit, e.g. 500MB, 2GB, 1.5GiB.
MEMORY_SIZE = re.compile(r"\d+(\.\d+)?\s*[KMGT]i?B", re.IGNORECASE)
# A logged-in session ends after half an hour without a request, and always after a working day.
DEFAULT_SESSION_IDLE_MINUTES = 30
DEFAULT_SESSION_HOURS = 8


def _user_dir(xdg_variable: str, fallback: str) -> Path:
    base = os.environ.get(xdg_variable)
    return (Path(base) if base else Path.home() / fallback) / "wijkzicht"


def snapshot_dir(flag: Path | None = None) -> Path | None:
    """The snapshot of official open data: --snapshot, $WIJKZICHT_SNAPSHOT, or ../shared/data if it exists."""
    if flag is not None:
        return flag
    if os.environ.get(SNAPSHOT_ENV):
        return Path(os.environ[SNAPSHOT_ENV])
    return DEFAULT_SNAPSHOT if DEFAULT_SNAPSHOT.is_dir() else None


def database_path(flag: Path | None = None) -> Path:
    """The warehouse file: --db, $WIJKZICHT_DB, or wijkzicht.duckdb in the user's data folder."""
    if flag is not None:
        return flag
    if os.environ.get(DB_ENV):
        return Path(os.environ[DB_ENV])
    return _user_dir("XDG_DATA_HOME", ".local/share") / "wijkzicht.duckdb"


def cache_dir(flag: Path | None = None) -> Path:
    """Where `wijkzicht fetch` writes raw downloads: --cache, $WIJKZICHT_CACHE, or the user's cache folder."""
    if flag is not None:
        return flag
    if os.environ.get(CACHE_ENV):
        return Path(os.environ[CACHE_ENV])
    return _user_dir("XDG_CACHE_HOME", ".cache")


def _positive_number(variable: str, default: int) -> int:
    value = os.environ.get(variable, "").strip()
    if not value:
        return default
    if not value.isdigit() or int(value) == 0:
        raise WijkzichtError(key="error.setting.positive", variable=variable, value=repr(value))
    return int(value)


def session_idle() -> timedelta:
    """How long a logged-in session lasts without a request: $WIJKZICHT_SESSION_IDLE_MINUTES, or 30 minutes."""
    return timedelta(minutes=_positive_number(SESSION_IDLE_ENV, DEFAULT_SESSION_IDLE_MINUTES))


def session_lifetime() -> timedelta:
    """How long a logged-in session lasts at most: $WIJKZICHT_SESSION_HOURS, or 8 hours."""
    return timedelta(hours=_positive_number(SESSION_LIFETIME_ENV, DEFAULT_SESSION_HOURS))


def processors() -> int:
    """The machine's processors: what the server's workers and the build's profile makers are counted by."""
    return os.cpu_count() or 1


def default_workers() -> int:
    """`wijkzicht serve` runs one worker process per processor unless told otherwise."""
    return processors()


def workers() -> int:
    """The worker processes of the server this process belongs to: $WIJKZICHT_WORKERS, or one."""
    return _positive_number(WORKERS_ENV, 1)


def query_threads(workers: int) -> int:
    """DuckDB threads per worker process: the processors shared out over the workers, at least one.

    Under load every worker is busy, so a query that also spread over every processor would only make the
    workers' threads compete; on a 2-core machine a profile costs about a third less CPU on one thread."""
    return max(1, default_workers() // workers)


def build_memory() -> str:
    """The build's memory budget, as DuckDB's `memory_limit`: $WIJKZICHT_BUILD_MEMORY (e.g. 2GB), or a
    quarter of the machine's memory, at most `BUILD_MEMORY_MAX`."""
    value = os.environ.get(BUILD_MEMORY_ENV, "").strip()
    if not value:
        machine = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
        return f"{min(int(machine * BUILD_MEMORY_SHARE), BUILD_MEMORY_MAX) // 2**20}MiB"
    if not MEMORY_SIZE.fullmatch(value):
        raise WijkzichtError(key="error.setting.memory", variable=BUILD_MEMORY_ENV, value=repr(value))
    return value
