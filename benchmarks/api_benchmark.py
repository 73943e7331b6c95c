"""Profiles under concurrent load: cold ones against a fixed-JSON floor, warm ones with and without cold traffic.

Usage: python benchmarks/api_benchmark.py [WAREHOUSE] [--clients 20] [--workers 2] [--areas 200]
       [--level wijk] [--page] [--gzip] [--seconds 10] [--port 8799] [--cold-only]

A first `wijkzicht serve` answers the `--areas` profiles once, and the answers are recorded as they came over
the wire. Then `wijkzicht serve --workers N` is started afresh on the warehouse (a real uvicorn server on
loopback, nothing cached) and loaded with autocannon (`load.py`) from `--clients` connections:

- floor, just before: a FastAPI app with the same workers sending the recorded answers again, each once, as
  they are (the same bytes, gzipped or not);
- cold: `--areas` different areas of `--level` (wijken by default), each asked once; its p99 as a ratio to
  the floor's (with `--page` the profile pages, /gebied/CODE, instead of the API's profiles; with `--gzip`
  every request takes gzip, as a browser's does);
- warm alone: the same profiles (now cached) over and over for `--seconds`;
- warm under warm traffic: the same warm load, while as many more connections read the same profiles;
- warm under cold traffic: the same warm load, while as many more connections ask profiles of areas not
  asked before. Its p99 as a ratio to warm alone says how much cold traffic slows the warm readers, and as
  a ratio to warm beside warm how much more than the same number of readers of kept profiles would.
A warehouse built with `wijkzicht build --profiles` holds every API profile made whole: a cold one is then
read, not made (the first line says which kind of warehouse was measured).
Goal (issue #18): cold p99 under 50 ms and within 2x the floor; warm ones unaffected by cold traffic.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
from pathlib import Path

import duckdb

sys.path.insert(0, str(Path(__file__).parent))
from load import (
    Answer,
    Running,
    drive,
    machine_load,
    recorded,
    server_cpu_seconds,
    start_floor,
    start_load,
    start_server,
    stop,
)
from wijkzicht import config
from wijkzicht.warehouse.queries import has_table
from wijkzicht.web.deps import STORED_PROFILES


def area_codes(database: Path, level: str) -> list[str]:
    """Every code of the level, in a fixed random order."""
    with duckdb.connect(str(database), read_only=True) as con:
        rows = con.execute(
            "SELECT DISTINCT code FROM area_years WHERE level = ? ORDER BY code", [level]
        ).fetchall()
    codes = [row[0] for row in rows]
    random.Random(2024).shuffle(codes)
    return codes


def recorded_answers(
    database: Path, port: int, workers: int, paths: list[str], headers: dict[str, str]
) -> list[Answer]:
    """The answers to `paths` as a server of their own sent them: the measured server starts with nothing
    cached."""
    server = start_server(database, port, workers)
    try:
        return [recorded(f"http://127.0.0.1:{port}", path, headers) for path in paths]
    finally:
        stop(server)


def floor_p99(answers: list[Answer], port: int, workers: int, clients: int, headers: dict[str, str]) -> float:
    """The floor's p99: the same answers sent again, each once, as they are."""
    with tempfile.TemporaryDirectory() as scratch:
        floor = start_floor(answers, port, workers, Path(scratch))
        try:
            paths = [f"/floor/{number}" for number in range(len(answers))]
            return drive(f"http://127.0.0.1:{port}", paths, clients, headers=headers).p99
        finally:
            stop(floor)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("warehouse", nargs="?", type=Path)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--port", type=int, default=8799)
    parser.add_argument("--seconds", type=int, default=10, help="duration of each warm scenario")
    parser.add_argument("--workers", type=int, default=2, help="worker processes of `wijkzicht serve`")
    parser.add_argument("--cold-only", action="store_true", help="only the first pass over the profiles")
    parser.add_argument("--areas", type=int, default=200, help="different areas asked for, cold")
    parser.add_argument("--level", choices=["gemeente", "wijk", "buurt"], default="wijk")
    parser.add_argument("--page", action="store_true", help="the profile pages instead of the API's profiles")
    parser.add_argument("--gzip", action="store_true", help="every request takes gzip (as browsers do)")
    arguments = parser.parse_args()
    database = config.database_path(arguments.warehouse)
    codes = area_codes(database, arguments.level)
    with duckdb.connect(str(database), read_only=True) as con:
        stored_profiles = has_table(con, STORED_PROFILES)
    # the sample, and the rest for the cold traffic beside warm reads
    sample, unasked = codes[: arguments.areas], codes[arguments.areas :]
    base, clients = f"http://127.0.0.1:{arguments.port}", arguments.clients
    headers = {"Accept-Encoding": "gzip"} if arguments.gzip else {}
    profile_path = "/gebied/{}" if arguments.page else "/api/areas/{}/profile"
    profiles = [profile_path.format(code) for code in sample]
    answers = recorded_answers(database, arguments.port, arguments.workers, profiles, headers)
    server = start_server(database, arguments.port, arguments.workers)
    try:
        print(
            f"{clients} connections (autocannon), {machine_load()}; wijkzicht serve --workers {arguments.workers}; "
            f"{'profile pages' if arguments.page else 'profiles'} of {arguments.level} areas"
            f"{', gzip' if arguments.gzip else ''}; "
            f"{'profiles stored by the build' if stored_profiles else 'no stored profiles'}"
        )
        floor = floor_p99(answers, arguments.port + 1, arguments.workers, clients, headers)
        size = sum(len(answer.body) for answer in answers) / len(answers) / 1000
        print(
            f"  floor: the same {len(answers)} answers sent again ({size:.0f} kB each on average), p99 {floor:.1f} ms"
        )
        spent = server_cpu_seconds(server.pid)
        cold = drive(base, profiles, clients, headers=headers)
        spent = server_cpu_seconds(server.pid) - spent
        print("  " + cold.line("profile (cold)"))
        print(f"  cold profile p99 / floor p99: {cold.p99 / floor:.2f}")
        print(f"  server CPU per cold profile: {1000 * spent / len(profiles):.1f} ms")
        if arguments.cold_only:
            return

        def reading(paths: list[str]) -> Running:
            """`clients` more connections asking `paths` over and over for `--seconds`."""
            return start_load(base, paths, clients, once=False, seconds=arguments.seconds, headers=headers)

        drive(base, profiles * 3, clients, headers=headers)  # each worker keeps its own cache: fill both
        warm = reading(profiles).result()
        print("  " + warm.line("profile (warm)"))
        # as many more readers of the same warm profiles: what any traffic beside them costs the warm readers
        warm_traffic = reading(profiles)
        warm_beside_warm = reading(profiles).result()
        print("  " + warm_beside_warm.line("profile (warm, beside warm)"))
        print("  " + warm_traffic.result().line("  the warm traffic beside it"))
        cold_traffic = reading([profile_path.format(code) for code in unasked])
        warm_beside_cold = reading(profiles).result()
        print("  " + warm_beside_cold.line("profile (warm, beside cold)"))
        print("  " + cold_traffic.result().line("  the cold traffic beside it"))
        print(f"  warm p99 beside cold / warm p99 alone: {warm_beside_cold.p99 / warm.p99:.2f}")
        print(
            f"  warm p99 beside cold / warm p99 beside warm: {warm_beside_cold.p99 / warm_beside_warm.p99:.2f}"
        )
    finally:
        stop(server)


if __name__ == "__main__":
    main()
