"""The data endpoints under load: p50/p99 at 20 clients against a fixed-JSON floor and Datasette, in one run.

Usage: python benchmarks/endpoints_benchmark.py [WAREHOUSE] [--clients 20] [--workers 2] [--rounds 2]
       [--areas 200] [--port 8799] [--only NAME ...]

First a server of its own answers every request of every scenario once, and the answers are recorded as
they came over the wire. Per round, `wijkzicht serve --workers N` is then started afresh (nothing cached),
and the scenarios run in turn, each request path once (first pass) by autocannon from `--clients`
connections (`load.py`):

- floor: a FastAPI app under uvicorn with the same workers, sending each scenario's recorded answers again
  as they are (the same bytes, gzipped or not), from the same connections with the same headers; measured
  before every scenario, so each ratio is against a floor that sent the same documents just before (a
  buurt map is megabytes: its floor is not the floor of a 5 kB answer);
- values by area: `/api/values?area=<code>&size=1000` for `--areas` areas (wijken and gemeenten), and
  Datasette (installed by this script into a throwaway venv under /tmp) serving the same rows from an
  SQLite copy with an index on the area code, `--areas` requests of its table filtered on the area;
- values with 100 different filter sets (indicator, level, period, subgroup, boundary year);
- `/api/map/values` for wijk and buurt: the summary measures and the domains, and ten scored indicators;
  asked as autocannon asks (no Accept-Encoding: the server unzips a buurt map's megabytes per answer) and as
  a browser asks (`Accept-Encoding: gzip`, the stored bytes as they are);
- `/api/rankings`, first pass over 60 selections, and warm (the same selections again);
- the area search (`/api/areas?q=`), the queries of `search_benchmark.py` and a few more.

Goals (issue #18): values by area p99 no worse than Datasette's (ratio <= 1); the others p99 under 100 ms.
The machine may be shared: compare ratios, and run several rounds (they alternate server and floor).
`--only` runs the scenarios whose names start with one of the given words (e.g. `--only values area`), each
still after its floor.
"""

from __future__ import annotations

import argparse
import random
import sqlite3
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import duckdb
import httpx

sys.path.insert(0, str(Path(__file__).parent))
from load import Answer, drive, machine_load, recorded, start_floor, start_server, stop, wait_until_up
from search_benchmark import QUERIES
from wijkzicht import config
from wijkzicht.monitor.observations import ValueFilter, values_query

DATASETTE_VENV = Path(tempfile.gettempdir()) / "wijkzicht-bench-datasette"
# --- The peers: Datasette on an SQLite copy, and the floor -----------------------------------------


def sqlite_copy(database: Path, target: Path) -> None:
    """Every published value as `/api/values` selects them (same query), into SQLite, indexed by area."""
    if target.exists():
        return
    query, parameters = values_query(ValueFilter())
    with duckdb.connect(str(database), read_only=True) as con:
        cursor = con.execute(query, parameters)
        names = [column[0] for column in cursor.description]
        rows = cursor.fetchall()
    partial = target.with_suffix(".partial")
    partial.unlink(missing_ok=True)
    with sqlite3.connect(partial) as lite:
        lite.execute(f"CREATE TABLE published_values ({', '.join(names)})")
        lite.executemany(f"INSERT INTO published_values VALUES ({', '.join('?' * len(names))})", rows)
        lite.execute("CREATE INDEX published_values_area ON published_values (area_code)")
    partial.rename(target)


def start_datasette(sqlite_file: Path, port: int) -> subprocess.Popen[bytes]:
    executable = DATASETTE_VENV / "bin" / "datasette"
    if not executable.exists():
        subprocess.run([sys.executable, "-m", "venv", str(DATASETTE_VENV)], check=True)
        subprocess.run([str(DATASETTE_VENV / "bin" / "pip"), "install", "-q", "datasette"], check=True)
    # immutable (-i): the file is opened read-only, as the warehouse is, and its counts may be cached
    command = [str(executable), "serve", "-i", str(sqlite_file), "--port", str(port)]
    command += ["--setting", "max_returned_rows", "1000", "--setting", "num_sql_threads", "3"]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_until_up(f"http://127.0.0.1:{port}/-/versions.json", process)
    return process


# --- The requests ----------------------------------------------------------------------------------


def area_sample(con: duckdb.DuckDBPyConnection, count: int) -> list[str]:
    codes = con.execute(
        "SELECT DISTINCT code FROM areas WHERE level IN ('gemeente', 'wijk') ORDER BY code"
    ).fetchall()
    return random.Random(18).sample([row[0] for row in codes], count)


def filter_sets(con: duckdb.DuckDBPyConnection, count: int) -> list[str]:
    """`count` different selections of the kinds people make: an indicator at a level, in a period or
    boundary year, for a subgroup; drawn from the partitions that exist."""
    rows = con.execute(
        """SELECT DISTINCT indicator, level, period, boundary_year, subgroup FROM observations
           WHERE level <> 'land' ORDER BY ALL"""
    ).fetchall()
    chosen = random.Random(18).sample(rows, count)
    shapes: list[Callable[[tuple[object, ...]], dict[str, object]]] = [
        lambda r: {"indicator": r[0], "level": r[1]},
        lambda r: {"indicator": r[0], "level": r[1], "period": r[2]},
        lambda r: {"indicator": r[0], "boundary_year": r[3], "subgroup": r[4]},
        lambda r: {"level": r[1], "period": r[2], "subgroup": r[4]},
        lambda r: {"indicator": r[0], "level": r[1], "period": r[2], "boundary_year": r[3], "page": 2},
    ]
    paths = []
    for number, row in enumerate(chosen):
        parameters = shapes[number % len(shapes)](row)
        paths.append("/api/values?" + "&".join(f"{key}={value}" for key, value in parameters.items()))
    return paths


def map_paths(base: str, *, summary: bool) -> list[str]:
    """The wijk and buurt maps of the summary measures and the domains, or of ten scored indicators."""
    indicators = httpx.get(f"{base}/api/indicators", timeout=30).json()
    if summary:
        domains = sorted({i["domain"] for i in indicators if i.get("scored")})
        measures = ["index", "stacking", *(f"domain:{domain}" for domain in domains)]
    else:
        measures = [f"indicator:{i['id']}" for i in indicators if i.get("scored")][:10]
    return [f"/api/map/values?level={level}&measure={m}" for level in ("wijk", "buurt") for m in measures]


def ranking_paths() -> list[str]:
    levels = ["wijk", "buurt", "gemeente"]
    domains = ["", "health", "liveability", "work_poverty_inclusion", "safety"]
    return [
        f"/api/rankings?level={levels[i % 3]}&domain={domains[i % 5]}&page={1 + i % 4}&size=50"
        for i in range(60)
    ]


SEARCHES = [*QUERIES, "west", "noord", "centrum", "dorp", "overvecht", "zuid"]


@dataclass(frozen=True)
class Scenario:
    """Requests to one server, each path once (a list that repeats paths asks them again)."""

    base: str
    paths: list[str]
    headers: dict[str, str] | None = None


def scenarios(
    app: str, peer: str, areas: list[str], filtered: list[str], sqlite_file: Path
) -> dict[str, Scenario]:
    gzip = {"Accept-Encoding": "gzip"}
    by_area = f"/{sqlite_file.stem}/published_values.json?area_code={{}}&_size=1000&_shape=objects"
    return {
        "values by area": Scenario(app, [f"/api/values?area={code}&size=1000" for code in areas]),
        "  Datasette, same rows": Scenario(peer, [by_area.format(code) for code in areas]),
        "values, 100 filter sets": Scenario(app, filtered),
        "map values, summary+domains": Scenario(app, map_paths(app, summary=True)),
        "map values, 10 indicators": Scenario(app, map_paths(app, summary=False)),
        "map values, summary+domains, gzip": Scenario(app, map_paths(app, summary=True), gzip),
        "map values, 10 indicators, gzip": Scenario(app, map_paths(app, summary=False), gzip),
        "rankings, first pass": Scenario(app, ranking_paths()),
        "rankings, warm": Scenario(app, ranking_paths() * 3),
        "area search": Scenario(app, [f"/api/areas?q={quote(q)}" for q in SEARCHES] * 5),
    }


def record(chosen: dict[str, Scenario]) -> dict[str, list[Answer]]:
    """Every scenario's answers as the servers send them, for the floor to send again."""
    return {
        name: [recorded(scenario.base, path, scenario.headers) for path in scenario.paths]
        for name, scenario in chosen.items()
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("warehouse", nargs="?", type=Path)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--areas", type=int, default=200)
    parser.add_argument("--port", type=int, default=8799)
    parser.add_argument("--only", nargs="*", default=[], help="the scenarios whose names start with these")
    arguments = parser.parse_args()
    database = config.database_path(arguments.warehouse)
    with duckdb.connect(str(database), read_only=True) as con:
        areas = area_sample(con, arguments.areas)
        filtered = filter_sets(con, 100)
    sqlite_file = (
        Path(tempfile.gettempdir()) / f"wijkzicht-bench-{database.stem}-{database.stat().st_mtime_ns}.db"
    )
    sqlite_copy(database, sqlite_file)
    app_port, floor_port, datasette_port = arguments.port, arguments.port + 1, arguments.port + 2
    app, floor, peer = (f"http://127.0.0.1:{port}" for port in (app_port, floor_port, datasette_port))
    clients = arguments.clients

    def start_servers(stack: ExitStack) -> None:
        """wijkzicht and Datasette, each stopped when `stack` closes."""
        stack.callback(stop, start_server(database, app_port, arguments.workers))
        stack.callback(stop, start_datasette(sqlite_file, datasette_port))

    # The answers are recorded by servers of their own: each round's server starts with nothing cached.
    with ExitStack() as stack:
        start_servers(stack)
        chosen = {
            name: scenario
            for name, scenario in scenarios(app, peer, areas, filtered, sqlite_file).items()
            if not arguments.only or name.strip().lower().startswith(tuple(arguments.only))
        }
        answers = record(chosen)
    # one floor sends every scenario's answers: the N-th path of scenario `name` is the floor's first[name] + N
    first: dict[str, int] = {}
    everything: list[Answer] = []
    for name, found in answers.items():
        first[name] = len(everything)
        everything += found
    print(
        f"{clients} connections (autocannon), {machine_load()}; wijkzicht serve --workers "
        f"{arguments.workers}; p50 / p99 ms, req/s; ratio = p99 / p99 of the floor just before, a fixed app "
        "sending the same answers (bytes and encoding)"
    )
    results: dict[str, list[tuple[float, float, float, float]]] = {}
    with tempfile.TemporaryDirectory() as scratch:
        for round_number in range(arguments.rounds):
            with ExitStack() as stack:
                start_servers(stack)
                stack.callback(stop, start_floor(everything, floor_port, arguments.workers, Path(scratch)))
                for name, scenario in chosen.items():
                    replayed = [f"/floor/{first[name] + number}" for number in range(len(scenario.paths))]
                    floor_p99 = drive(floor, replayed, clients, headers=scenario.headers).p99
                    measured = drive(scenario.base, scenario.paths, clients, headers=scenario.headers)
                    p50, p99, rate = measured.p50, measured.p99, measured.per_second
                    results.setdefault(name, []).append((p50, p99, rate, p99 / floor_p99))
                    print(
                        f"  round {round_number + 1}  {name:<33} n={len(scenario.paths):>4}  p50 {p50:7.1f}  "
                        f"p99 {p99:7.1f}  {rate:6.1f} req/s  floor p99 {floor_p99:6.1f}  ratio {p99 / floor_p99:5.1f}"
                    )
    print("median over rounds: p50, p99 ms, ratio to the floor")
    for name, runs in results.items():
        columns = [statistics.median(run[k] for run in runs) for k in range(4)]
        print(f"  {name:<33} p50 {columns[0]:7.1f}  p99 {columns[1]:7.1f}  ratio {columns[3]:5.1f}")
    if "values by area" in results and "  Datasette, same rows" in results:
        by_area = [run[1] for run in results["values by area"]]
        peer_p99 = [run[1] for run in results["  Datasette, same rows"]]
        ratios = [ours / theirs for ours, theirs in zip(by_area, peer_p99, strict=True)]
        print(f"values by area p99 / Datasette p99 per round: {', '.join(f'{r:.2f}' for r in ratios)}")


if __name__ == "__main__":
    main()
