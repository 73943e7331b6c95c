"""The one home for driving HTTP load in the benchmarks: the servers under test and the load generator.

The load comes from autocannon 9 (Node.js), which this module installs with npm into a throwaway folder
under /tmp the first time (never a dependency of wijkzicht). A Python client took as much of the two cores
as the server it measured: the fixed-JSON floor app then showed a p99 of 0.4-1.7 s, so nothing "under
100 ms" could be judged. A small Node script drives autocannon through its programmatic API: every request
takes the next path of one list shared by all connections, so a list of N different paths with
`amount=N` asks each path exactly once (cold), and a duration repeats the list (warm). It records each
2xx latency itself (autocannon's histogram keeps whole milliseconds), so the percentiles here are exact.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

AUTOCANNON_DIR = Path(tempfile.gettempdir()) / "wijkzicht-bench-autocannon"
AUTOCANNON_VERSION = "9"

DRIVER = r"""'use strict'
const fs = require('fs')
const autocannon = require('autocannon')

const job = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'))
let next = 0
const latencies = []
const failures = {}
// The pass lasts from the first request sent to the last answer: autocannon's own start-up is not the server's.
let first = null
let last = null
const instance = autocannon({
  url: job.base,
  connections: job.connections,
  amount: job.amount || undefined,
  duration: job.duration || 10,
  timeout: 120,
  headers: job.headers || {},
  requests: [{
    setupRequest: (request) => {
      request.path = job.paths[next++ % job.paths.length]
      return request
    }
  }]
}, (error, result) => {
  if (error) throw error
  const seconds = first === null ? 1 : Number(last - first) / 1e9
  const report = { latencies, failures, errors: result.errors, timeouts: result.timeouts, seconds }
  process.stdout.write(JSON.stringify(report))
})
instance.on('response', (client, statusCode, bytes, milliseconds) => {
  const now = process.hrtime.bigint()
  const sent = now - BigInt(Math.round(milliseconds * 1e6))
  if (first === null || sent < first) first = sent
  last = now
  if (statusCode >= 200 && statusCode < 300) latencies.push(milliseconds)
  else failures[statusCode] = (failures[statusCode] || 0) + 1
})
"""


@dataclass(frozen=True)
class Pass:
    """One scenario's figures: latency percentiles in ms of the successful answers, and throughput."""

    requests: int
    p50: float
    p99: float
    per_second: float

    def line(self, name: str) -> str:
        return (
            f"{name:<30} n={self.requests:>5}  p50 {self.p50:7.1f}  p99 {self.p99:7.1f}  "
            f"{self.per_second:7.1f} req/s"
        )


def percentile(ordered: list[float], fraction: float) -> float:
    """The nearest-rank percentile of sorted values."""
    return ordered[max(0, min(len(ordered) - 1, round(fraction * len(ordered)) - 1))]


def driver() -> Path:
    """The Node script that drives autocannon, with autocannon installed beside it on first use."""
    if not (AUTOCANNON_DIR / "node_modules" / "autocannon").exists():
        AUTOCANNON_DIR.mkdir(parents=True, exist_ok=True)
        npm = ["npm", "install", "--prefix", str(AUTOCANNON_DIR), "--no-audit", "--no-fund", "--silent"]
        subprocess.run([*npm, f"autocannon@{AUTOCANNON_VERSION}"], check=True)
    script = AUTOCANNON_DIR / "drive.js"
    script.write_text(DRIVER)
    return script


@dataclass
class Running:
    """A load that runs in the background (to measure one scenario while another loads the server)."""

    process: subprocess.Popen[str]
    job: Path

    def result(self) -> Pass:
        output, errors = self.process.communicate()
        self.job.unlink()
        if self.process.returncode != 0:
            raise SystemExit(f"autocannon failed: {errors}")
        report = json.loads(output)
        if report["failures"] or report["errors"] or report["timeouts"]:
            raise SystemExit(
                f"failed requests: status {report['failures']}, "
                f"{report['errors']} errors, {report['timeouts']} timeouts"
            )
        ordered = sorted(report["latencies"])
        per_second = len(ordered) / report["seconds"]
        return Pass(len(ordered), percentile(ordered, 0.5), percentile(ordered, 0.99), per_second)


def start_load(
    base: str,
    paths: list[str],
    clients: int,
    *,
    once: bool = True,
    seconds: int = 10,
    headers: dict[str, str] | None = None,
) -> Running:
    """Load `base` from `clients` connections with the paths in turn: each once (`once`), or over and
    over for `seconds`; every request with `headers` (e.g. the Accept-Encoding a browser sends)."""
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as job:
        amount = max(len(paths), clients) if once else 0  # autocannon wants at least one request each
        json.dump(
            {
                "base": base,
                "paths": paths,
                "connections": clients,
                "amount": amount,
                "duration": seconds,
                "headers": headers or {},
            },
            job,
        )
    command = ["node", str(driver()), job.name]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    return Running(process, Path(job.name))


def drive(
    base: str,
    paths: list[str],
    clients: int,
    *,
    once: bool = True,
    seconds: int = 10,
    headers: dict[str, str] | None = None,
) -> Pass:
    return start_load(base, paths, clients, once=once, seconds=seconds, headers=headers).result()


# --- The servers ------------------------------------------------------------------------------------


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


def stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    process.wait(timeout=30)


def start_server(database: Path, port: int, workers: int) -> subprocess.Popen[bytes]:
    """`wijkzicht serve` on the warehouse, freshly started (nothing cached)."""
    command = [
        *(sys.executable, "-m", "wijkzicht", "serve", "--db", str(database)),
        *("--port", str(port), "--workers", str(workers)),
    ]
    server = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_until_up(f"http://127.0.0.1:{port}/api/indicators", server)
    return server


FLOOR_APP = """
import json
from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import Response

FOLDER = Path({folder!r})
GZIPPED = json.loads((FOLDER / "gzipped.json").read_text())
BODIES = [(FOLDER / f"{{number}}.body").read_bytes() for number in range(len(GZIPPED))]
app = FastAPI()

@app.get("/floor/{{number}}")
def floor(number: int) -> Response:
    headers = {{"Content-Encoding": "gzip"}} if GZIPPED[number] else {{}}
    return Response(BODIES[number], media_type="application/json", headers=headers)
"""


@dataclass(frozen=True)
class Answer:
    """A document as a server sent it: its body on the wire, and whether that body is gzipped."""

    body: bytes
    gzipped: bool = False


def recorded(base: str, path: str, headers: dict[str, str] | None = None) -> Answer:
    """The answer to `path` as it comes over the wire to a client that sends `headers` (httpx asks for gzip
    unless told otherwise; autocannon without headers does not)."""
    asked = {"Accept-Encoding": "identity", **(headers or {})}
    with httpx.stream("GET", base + path, headers=asked, timeout=120) as answer:
        answer.raise_for_status()
        body = b"".join(answer.iter_raw())
        return Answer(body, gzipped=answer.headers.get("content-encoding") == "gzip")


def start_floor(answers: list[Answer], port: int, workers: int, directory: Path) -> subprocess.Popen[bytes]:
    """The floor: a FastAPI app under uvicorn with the same workers, answering `/floor/N` with the N-th of
    `answers` as it is, bytes and encoding: what any server must at least pay to send those documents."""
    directory.mkdir(parents=True, exist_ok=True)
    for number, answer in enumerate(answers):
        (directory / f"{number}.body").write_bytes(answer.body)
    (directory / "gzipped.json").write_text(json.dumps([answer.gzipped for answer in answers]))
    (directory / "floor_app.py").write_text(FLOOR_APP.format(folder=str(directory)))
    command = [sys.executable, "-m", "uvicorn", "floor_app:app", "--app-dir", str(directory)]
    command += ["--port", str(port), "--workers", str(workers), "--log-level", "warning"]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_until_up(f"http://127.0.0.1:{port}/floor/0", process)
    return process


def machine_load() -> str:
    """The load average when the run starts: the cores may be shared with other work."""
    one, five, _ = os.getloadavg()
    return f"{os.cpu_count()} cores, load average {one:.2f} (1 min), {five:.2f} (5 min)"
