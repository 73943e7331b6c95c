"""Time until the map page is idle (MapLibre's `idle` event) in headless Chromium, server running locally.

Usage: python benchmarks/map_benchmark.py [WAREHOUSE] [--repeat N]
(default warehouse: $WIJKZICHT_DB or the configured default). Starts `wijkzicht serve` on a free port,
opens each map view N times in a fresh browser context (cold: boundaries and script not cached) and once
more in the same context (warm), and prints the time from navigation start to the map's first idle event,
as the page measures it (`performance.now()`). The goal is under 2 s; there is no threshold in the tests.
"""

from __future__ import annotations

import argparse
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from playwright.sync_api import Browser, sync_playwright

from wijkzicht import config

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--enable-unsafe-swiftshader",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
VIEWS = {
    "index, gemeenten 2020 on 2019 boundaries": "/kaart",
    "domain score health": "/kaart?measure=domain:health",
    "inwoners 2024, gemeenten 2024": "/kaart?measure=indicator:inwoners",
    "stacking, English": "/kaart?measure=stacking&lang=en",
}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_server(database: Path, port: int) -> subprocess.Popen[bytes]:
    wijkzicht = Path(sys.executable).with_name("wijkzicht")
    server = subprocess.Popen(
        [str(wijkzicht), "serve", "--db", str(database), "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=1)
            return server
        except OSError:
            time.sleep(0.2)
    server.terminate()
    raise RuntimeError("wijkzicht serve did not answer within 30 s")


def idle_seconds(browser: Browser, url: str, repeat: int) -> tuple[list[float], float]:
    """Cold loads in fresh contexts, then one warm reload in the last context."""
    cold, warm = [], 0.0
    for run in range(repeat):
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        page = context.new_page()
        for attempt in ("cold", "warm") if run == repeat - 1 else ("cold",):
            page.goto(url)
            page.wait_for_selector("#map[data-ready='idle']", timeout=60_000)
            seconds = int(page.get_attribute("#map", "data-idle-ms")) / 1000
            if attempt == "cold":
                cold.append(seconds)
            else:
                warm = seconds
        context.close()
    return cold, warm


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("warehouse", nargs="?", type=Path)
    parser.add_argument("--repeat", type=int, default=5)
    arguments = parser.parse_args()
    port = free_port()
    server = start_server(config.database_path(arguments.warehouse), port)
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            print(f"map page until idle, headless Chromium (SwiftShader), {arguments.repeat} cold runs each")
            for name, path in VIEWS.items():
                cold, warm = idle_seconds(browser, f"http://127.0.0.1:{port}{path}", arguments.repeat)
                spread = f"(min {min(cold):.2f}, max {max(cold):.2f})"
                print(
                    f"  {name:<44} cold median {statistics.median(cold):5.2f} s {spread}  warm {warm:5.2f} s"
                )
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=10)


if __name__ == "__main__":
    main()
