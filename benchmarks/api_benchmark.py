"""API latency under concurrent load: p50/p99 of the profile and rankings endpoints.

Usage: python benchmarks/api_benchmark.py [WAREHOUSE] [--clients 20] [--requests 400] [--port 8799]
       [--workers 1] [--areas 200] [--cold-only]

Starts `wijkzicht serve` on the warehouse (a real uvicorn server on loopback), then runs `--clients`
concurrent clients. Profiles are asked for a fixed sample of `--areas` wijken: the first pass over them is
"cold" (computed; Python clients, one request per path), later passes are served from the server's cache
("warm"). Just before the cold pass, the floor: a FastAPI app with the same workers answering a fixed
document the size of a profile to the same clients; the cold p99 is reported as a ratio to it. The warm
scenarios use `wrk` (Debian package `wrk`: a load tool in C, so the client takes little of the two cores
from the server) for `--seconds` each, or the Python clients when wrk is not installed.
Goal (issue #18): cold profiles of 200 areas at 20 clients, p99 under 50 ms and within 2x the floor.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb
import httpx

from wijkzicht import config


def server_cpu_seconds(pid: int) -> float:
    """CPU time (user + system) of the server and its worker processes so far, from /proc (Linux): what
    the requests cost the server, whatever else the machine's cores are busy with."""
    ticks = os.sysconf("SC_CLK_TCK")
    total, pending = 0.0, [pid]
    while pending:
        current = pending.pop()
        try:
            fields = Path(f"/proc/{current}/stat").read_text().rsplit(")", 1)[1].split()
            children = Path(f"/proc/{current}/task/{current}/children").read_text().split()
        except FileNotFoundError:  # a process that ended meanwhile
            continue
        total += (int(fields[11]) + int(fields[12])) / ticks  # utime and stime, fields 14 and 15
        pending += [int(child) for child in children]
    return total


def wijk_sample(database: Path, count: int) -> list[str]:
    with duckdb.connect(str(database), read_only=True) as con:
        codes = [row[0] for row in con.execute("SELECT code FROM area_years WHERE level = 'wijk'").fetchall()]
    return random.Random(2024).sample(codes, count)


def start_server(database: Path, port: int, workers: int) -> subprocess.Popen[bytes]:
    command = [
        *(sys.executable, "-m", "wijkzicht", "serve", "--db", str(database)),
        *("--port", str(port), "--workers", str(workers)),
    ]
    server = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/api/indicators", timeout=1).status_code == 200:
                return server
        except httpx.HTTPError:
            time.sleep(0.2)
    server.kill()
    raise SystemExit(f"the server did not start: {server.stderr.read().decode() if server.stderr else ''}")


async def load(base: str, paths: list[str], clients: int) -> list[float]:
    """Send every path once, `clients` at a time; the latency of each request in milliseconds."""
    queue: asyncio.Queue[str] = asyncio.Queue()
    for path in paths:
        queue.put_nowait(path)
    latencies: list[float] = []

    async def client() -> None:
        async with httpx.AsyncClient(base_url=base, timeout=60) as http:
            while not queue.empty():
                path = queue.get_nowait()
                started = time.perf_counter()
                response = await http.get(path)
                latencies.append((time.perf_counter() - started) * 1000)
                if response.status_code != 200:
                    raise SystemExit(f"{path}: {response.status_code} {response.text[:200]}")

    await asyncio.gather(*(client() for _ in range(clients)))
    return latencies


def report(name: str, latencies: list[float], seconds: float) -> float:
    """Print the pass's figures; its p99."""
    ordered = sorted(latencies)
    p99 = ordered[min(len(ordered) - 1, round(0.99 * len(ordered)) - 1)]
    print(
        f"  {name:<22} n={len(ordered):>4}  p50 {statistics.median(ordered):7.1f} ms  p99 {p99:7.1f} ms  "
        f"max {ordered[-1]:7.1f} ms  {len(ordered) / seconds:6.1f} req/s"
    )
    return p99


def run(base: str, name: str, paths: list[str], clients: int) -> float:
    started = time.perf_counter()
    latencies = asyncio.run(load(base, paths, clients))
    return report(name, latencies, time.perf_counter() - started)


FLOOR_APP = """
from fastapi import FastAPI
from fastapi.responses import Response

BODY = open({path!r}, "rb").read()
app = FastAPI()

@app.get("/floor")
def floor() -> Response:
    return Response(BODY, media_type="application/json")
"""


def percentiles(latencies: list[float]) -> tuple[float, float]:
    ordered = sorted(latencies)
    return ordered[len(ordered) // 2], ordered[min(len(ordered) - 1, round(0.99 * len(ordered)) - 1)]


def measure(base: str, paths: list[str], clients: int) -> tuple[float, float, float]:
    """p50 and p99 in ms and requests per second of one pass over the paths."""
    started = time.perf_counter()
    latencies = asyncio.run(load(base, paths, clients))
    return (*percentiles(latencies), len(paths) / (time.perf_counter() - started))


def wait_until_up(url: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and process.poll() is None:
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            time.sleep(0.3)
    process.kill()
    raise SystemExit(f"{url} did not come up (exit status {process.poll()})")


def stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    process.wait(timeout=30)


def start_floor(body: bytes, port: int, workers: int, directory: Path) -> subprocess.Popen[bytes]:
    (directory / "floor_body.json").write_bytes(body)
    (directory / "floor_app.py").write_text(FLOOR_APP.format(path=str(directory / "floor_body.json")))
    command = [sys.executable, "-m", "uvicorn", "floor_app:app", "--app-dir", str(directory)]
    command += ["--port", str(port), "--workers", str(workers), "--log-level", "warning"]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_until_up(f"http://127.0.0.1:{port}/floor", process)
    return process


WRK_SCRIPT = """
paths = {%s}
counter = 0
request = function()
  counter = counter + 1
  return wrk.format("GET", paths[(counter %% #paths) + 1])
end
"""


def run_wrk(base: str, name: str, paths: list[str], clients: int, seconds: int) -> None:
    """The paths in turn for `seconds` by `clients` connections of wrk; its latency percentiles."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(WRK_SCRIPT % ", ".join(f'"{path}"' for path in paths))
    command = ["wrk", "-t2", f"-c{clients}", f"-d{seconds}s", "--latency", "-s", script.name, base]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    Path(script.name).unlink()
    percentiles = dict(re.findall(r"^\s+(50|99)%\s+(\S+)$", output, re.M))
    rate = re.search(r"Requests/sec:\s+(\S+)", output)
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    print(
        f"  {name:<22} wrk {seconds} s  p50 {percentiles.get('50')}  p99 {percentiles.get('99')}  "
        f"{rate.group(1) if rate else '?'} req/s" + (f"  ERRORS {errors.group(1)}" if errors else "")
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("warehouse", nargs="?", type=Path)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument("--port", type=int, default=8799)
    parser.add_argument("--seconds", type=int, default=10, help="duration of each wrk scenario")
    parser.add_argument("--workers", type=int, default=1, help="worker processes of `wijkzicht serve`")
    parser.add_argument("--cold-only", action="store_true", help="only the first pass over the profiles")
    parser.add_argument("--areas", type=int, default=200, help="different wijken asked for, cold")
    arguments = parser.parse_args()
    database = config.database_path(arguments.warehouse)
    sample = wijk_sample(database, arguments.areas + 1)
    server = start_server(database, arguments.port, arguments.workers)
    base = f"http://127.0.0.1:{arguments.port}"
    try:
        print(
            f"{arguments.clients} concurrent clients, {os.cpu_count()} cores, "
            f"server: wijkzicht serve --workers {arguments.workers}"
        )
        # The floor, just before: a fixed document the size of a profile (one wijk not in the sample),
        # answered by a FastAPI app under uvicorn with the same workers.
        body = httpx.get(f"{base}/api/areas/{sample.pop()}/profile", timeout=60).content
        with tempfile.TemporaryDirectory() as scratch:
            floor = start_floor(body, arguments.port + 1, arguments.workers, Path(scratch))
            try:
                floor_p99 = measure(
                    f"http://127.0.0.1:{arguments.port + 1}", ["/floor"] * len(sample), arguments.clients
                )[1]
            finally:
                stop(floor)
        print(f"  floor: a fixed {len(body) // 1000} KB JSON, p99 {floor_p99:.1f} ms")
        profiles = [f"/api/areas/{code}/profile" for code in sample]
        spent = server_cpu_seconds(server.pid)
        p99 = run(base, "profile (cold)", profiles, arguments.clients)
        spent = server_cpu_seconds(server.pid) - spent
        print(f"  cold profile p99 / floor p99: {p99 / floor_p99:.1f}")
        print(f"  server CPU per cold profile: {1000 * spent / len(profiles):.1f} ms")
        if arguments.cold_only:
            return
        levels = ["wijk", "buurt", "gemeente"]
        domains = ["", "health", "liveability", "work_poverty_inclusion"]
        rankings = [
            f"/api/rankings?level={levels[i % 3]}&domain={domains[i % 4]}&page={1 + i % 5}&size=50"
            for i in range(60)
        ]
        searches = [f"/api/areas?q={q}" for q in ["west", "noord", "centrum", "dorp", "overvecht", "zuid"]]
        warm = {"profile (warm)": profiles, "rankings": rankings, "area search": searches}
        for name, paths in warm.items():
            if shutil.which("wrk"):
                run(base, f"{name}, first pass", paths, arguments.clients)  # fills the cache
                run_wrk(base, name, paths, arguments.clients, arguments.seconds)
            else:
                repeated = paths * max(1, arguments.requests // len(paths))
                run(base, name, repeated, arguments.clients)
    finally:
        server.send_signal(signal.SIGINT)
        server.wait(timeout=30)


if __name__ == "__main__":
    main()
