"""Logins cannot stall the database: another writer's latency while 8 clients flood wrong passwords, against
a floor measured in the same run.

Usage: python benchmarks/login_flood_benchmark.py [WAREHOUSE] [--writes 400] [--flooders 8]
(default warehouse: $WIJKZICHT_DB or the configured default). Serves the application with uvicorn on a free
port, over a throw-away SQLite programmes database in a temporary folder, with an administrator who writes
(a comment on a benchmark programme, each an audited write) and an account that the flood attacks.

1. floor: the writer alone (after 50 writes to warm up);
2. flood: 8 clients send wrong passwords for one account as fast as they are answered, while the writer
   writes (the throttle soon holds them back: a 429 after a pause of a second, checking no password);
3. flood, throttle off: the same with the throttle disabled, so every attempt runs argon2: what remains is
   the CPU the hashes take, since no attempt holds the write lock while it hashes.

Reported: the writer's p50, p99 and maximum, their ratio to the floor, failed writes, and the flood's
answers. The goal is a p99 under 200 ms with the flood. No timing asserts in the tests.
"""

from __future__ import annotations

import argparse
import multiprocessing
import socket
import statistics
import tempfile
import threading
import time
from collections import Counter
from multiprocessing.synchronize import Event as EventType
from pathlib import Path

import httpx
import uvicorn

from wijkzicht import config
from wijkzicht.programmes.accounts import COMMAND_LINE, add_user
from wijkzicht.programmes.throttle import LoginThrottle, Throttle
from wijkzicht.web.app import create_app

WRITER, TARGET = "benchmark-beheer", "benchmark-doelwit"
PASSWORD = "een lang benchmark wachtwoord"
NEVER = 10**9  # failures: a throttle that never holds back


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("warehouse", nargs="?", type=Path)
    parser.add_argument("--writes", type=int, default=400)
    parser.add_argument("--flooders", type=int, default=8)
    arguments = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        app = create_app(config.database_path(arguments.warehouse), f"sqlite:///{Path(folder) / 'b.sqlite'}")
        with app.state.programmes.writing(COMMAND_LINE) as session:
            for username in (WRITER, TARGET):
                add_user(
                    session,
                    COMMAND_LINE,
                    username=username,
                    display_name=username,
                    role="administrator",
                    password=PASSWORD,
                )
        server, base = _serve(app)
        try:
            writer, programme = _writer(base)
            _phase(base, writer, programme, 50, flooders=0)  # warm-up: caches, connections, the first pages
            floor = _phase(base, writer, programme, arguments.writes, flooders=0)
            _report("floor (writer alone)", floor, floor)
            flood = _phase(base, writer, programme, arguments.writes, arguments.flooders)
            _report(f"flood of {arguments.flooders} clients", flood, floor)
            app.state.login_throttle = LoginThrottle(Throttle(NEVER, NEVER), Throttle(NEVER, NEVER))
            unthrottled = _phase(base, writer, programme, arguments.writes, arguments.flooders)
            _report(f"flood of {arguments.flooders} clients, throttle off", unthrottled, floor)
        finally:
            server.should_exit = True


def _serve(app: object) -> tuple[uvicorn.Server, str]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))  # type: ignore[arg-type]
    threading.Thread(target=server.run, daemon=True).start()
    while not server.started:
        time.sleep(0.05)
    return server, f"http://127.0.0.1:{port}"


def _writer(base: str) -> tuple[httpx.Client, int]:
    client = httpx.Client(base_url=base, timeout=60)
    answer = client.post("/api/programmes/session", json={"username": WRITER, "password": PASSWORD})
    answer.raise_for_status()
    client.headers["X-CSRF-Token"] = answer.json()["csrf_token"]
    programme = client.post(
        "/api/programmes/programmes",
        json={"focus_area_id": 9, "title": "Benchmark programme", "start_year": 2025, "end_year": 2030},
    )
    programme.raise_for_status()
    return client, int(programme.json()["id"])


class Phase:
    def __init__(self) -> None:
        self.latencies: list[float] = []
        self.failed_writes = 0
        self.flood_answers: Counter[int] = Counter()


def _phase(base: str, writer: httpx.Client, programme: int, writes: int, flooders: int) -> Phase:
    """The writer's writes while `flooders` processes (other clients, not threads sharing the server's
    interpreter) send wrong passwords."""
    phase = Phase()
    stop = multiprocessing.Event()
    answers: multiprocessing.Queue[Counter[int]] = multiprocessing.Queue()
    processes = [multiprocessing.Process(target=_flood, args=(base, stop, answers)) for _ in range(flooders)]
    for process in processes:
        process.start()
    time.sleep(2.0 if flooders else 0)  # let the flood get going
    for number in range(writes):
        started = time.perf_counter()
        answer = writer.post(
            "/api/programmes/comments",
            json={"object_type": "programme", "object_id": programme, "text": f"Benchmark comment {number}"},
        )
        phase.latencies.append(time.perf_counter() - started)
        phase.failed_writes += answer.status_code != 201
    stop.set()
    for _ in processes:
        phase.flood_answers.update(answers.get())
    for process in processes:
        process.join()
    return phase


def _flood(base: str, stop: EventType, answers: multiprocessing.Queue[Counter[int]]) -> None:
    counted: Counter[int] = Counter()
    with httpx.Client(base_url=base, timeout=60) as client:
        while not stop.is_set():
            answer = client.post("/api/programmes/session", json={"username": TARGET, "password": "fout"})
            counted[answer.status_code] += 1
    answers.put(counted)


def _report(name: str, phase: Phase, floor: Phase) -> None:
    def percentile(values: list[float], share: float) -> float:
        return statistics.quantiles(values, n=100, method="inclusive")[round(share * 100) - 1]

    p50, p99 = percentile(phase.latencies, 0.50), percentile(phase.latencies, 0.99)
    floor50, floor99 = percentile(floor.latencies, 0.50), percentile(floor.latencies, 0.99)
    flood = ", ".join(f"{status}: {count}" for status, count in sorted(phase.flood_answers.items()))
    print(
        f"{name}: writer p50 {p50 * 1000:.1f} ms ({p50 / floor50:.1f}x floor), "
        f"p99 {p99 * 1000:.1f} ms ({p99 / floor99:.1f}x floor), max {max(phase.latencies) * 1000:.1f} ms, "
        f"failed writes {phase.failed_writes}/{len(phase.latencies)}"
        + (f"; flood answers {flood}" if flood else "")
    )


if __name__ == "__main__":
    main()
